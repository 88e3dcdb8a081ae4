import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inboxDir } from "../src/lake/host.js";
import { type Reply, type TestServer, testServer } from "./support/server.js";

/**
 * A scripted journey through every role over the API, as `kaivo serve` assembles it: a
 * researcher finds data, defines a cohort, asks for feasibility and applies; a reviewer decides;
 * a steward activates, releases, manages opt-outs and reads the quarantine; an auditor reads and
 * verifies the log; an admin adds an account. No response and no log line may hold an identifier
 * of the source export: identity codes, full names, phone numbers, e-mail addresses, street
 * addresses.
 */
const USERS = {
  riku: "researcher",
  reija: "reviewer",
  stina: "steward",
  aino: "auditor",
  admin: "admin",
} as const;
let s: TestServer;
const replies: Array<{ step: string; reply: Reply }> = [];
const t2d = JSON.parse(
  readFileSync(join(import.meta.dirname, "../examples/cohorts/t2d-hba1c.json"), "utf8"),
);

beforeAll(async () => {
  s = await testServer({ users: USERS, patients: 500, dirty: 0.02 });
}, 240_000);
afterAll(async () => s?.close());

async function step(user: keyof typeof USERS, method: string, path: string, body?: unknown) {
  const reply = await s.call(user, method, path, body);
  replies.push({ step: `${user} ${method} ${path}`, reply });
  return reply;
}

/** What the export says about people, in the forms a leak would show them. */
function sourceIdentifiers(): string[] {
  const dir = join(inboxDir(s.home), s.inboxPath, "fhir");
  const out = new Set<string>();
  for (const f of readdirSync(dir).filter((f) => f.startsWith("Patient"))) {
    for (const line of readFileSync(join(dir, f), "utf8").split("\n").filter(Boolean)) {
      const p = JSON.parse(line) as {
        identifier?: Array<{ system: string; value: string }>;
        name?: Array<{ family?: string; given?: string[] }>;
        telecom?: Array<{ value?: string }>;
        address?: Array<{ line?: string[] }>;
      };
      for (const i of p.identifier ?? []) if (i.value && i.value.length >= 6) out.add(i.value);
      for (const n of p.name ?? [])
        for (const g of n.given ?? []) if (n.family) out.add(`${g} ${n.family}`);
      for (const t of p.telecom ?? []) if (t.value) out.add(t.value);
      for (const a of p.address ?? []) for (const l of a.line ?? []) if (l.length > 6) out.add(l);
    }
  }
  return [...out];
}

describe("a journey through every role", () => {
  it("works end to end, and no response or log line holds an identifier", async () => {
    const hetus = sourceIdentifiers().filter((v) => /^\d{6}[-+A-FU-Y]\d{3}[0-9A-Y]$/.test(v));
    expect(hetus.length).toBeGreaterThan(100);

    // Researcher: find data, define a cohort, ask, apply.
    expect((await step("riku", "GET", "/api/catalog")).status).toBe(200);
    expect((await step("riku", "GET", "/api/catalog/search?q=HbA1c")).status).toBe(200);
    expect((await step("riku", "GET", "/api/catalog/clinical.lab")).status).toBe(200);
    const validated = await step("riku", "POST", "/api/cohorts/validate", { definition: t2d });
    expect(validated.status).toBe(200);
    expect((await step("riku", "POST", "/api/cohorts/explain", { definition: t2d })).status).toBe(
      200,
    );
    const feas = await step("riku", "POST", "/api/feasibility", {
      definition: t2d,
      data: ["clinical.lab.value"],
    });
    expect(feas.status).toBe(200);
    expect(feas.body.exact).toBe(false);
    const applied = await step("riku", "POST", "/api/permits", {
      id: "JOURNEY-1",
      title: "Glycaemic control after diagnosis",
      organisation: "University of Helsinki",
      legalBasis: "Secondary Use Act 552/2019, scientific research",
      purpose: "HbA1c in the first year after a type 2 diabetes diagnosis.",
      validUntil: new Date(Date.now() + 365 * 86_400_000).toISOString().slice(0, 10),
      scope: {
        cohort: { name: validated.body.name, hash: validated.body.hash },
        tables: {
          "clinical.person": ["sex", "birth_date"],
          "clinical.lab": ["event_date", "local_code", "value"],
        },
        period: { from: "2000-01-01", to: "2025-12-31" },
      },
    });
    expect(applied.status, applied.text).toBe(201);
    expect(
      (await step("riku", "POST", "/api/permits/JOURNEY-1/submit", { reason: "ready" })).status,
    ).toBe(200);

    // Reviewer decides.
    expect((await step("reija", "GET", "/api/permits/JOURNEY-1")).status).toBe(200);
    expect(
      (await step("reija", "POST", "/api/permits/JOURNEY-1/review", { reason: "taking it" }))
        .status,
    ).toBe(200);
    expect(
      (await step("reija", "POST", "/api/permits/JOURNEY-1/approve", { reason: "approved" }))
        .status,
    ).toBe(200);

    // Steward activates and releases (a job), looks at the lake, the quarantine, opt-outs.
    expect(
      (await step("stina", "POST", "/api/permits/JOURNEY-1/activate", { reason: "go" })).status,
    ).toBe(200);
    const release = await step("stina", "POST", "/api/releases", {
      permit: "JOURNEY-1",
      reason: "first release",
    });
    expect(release.status, release.text).toBe(202);
    const done = await s.jobs.waitFor(release.body.id);
    expect(done.status, done.error ?? "").toBe("done");
    expect((await step("stina", "GET", `/api/jobs/${release.body.id}`)).body.status).toBe("done");
    expect((await step("stina", "GET", "/api/releases?permit=JOURNEY-1")).status).toBe(200);
    expect((await step("stina", "GET", "/api/lake/tables")).status).toBe(200);
    expect((await step("stina", "POST", "/api/feasibility", { definition: t2d })).body.exact).toBe(
      true,
    );
    const quarantine = await step("stina", "GET", "/api/quarantine");
    expect(quarantine.status).toBe(200);
    for (const e of (quarantine.body.entries ?? quarantine.body.records ?? []).slice(0, 10))
      expect((await step("stina", "GET", `/api/quarantine/${e.id}`)).status).toBe(200);
    const [someone] = hetus;
    expect((await step("stina", "POST", "/api/transparency", { code: someone })).status).toBe(200);
    expect((await step("stina", "POST", "/api/optouts", { codes: [someone] })).status).toBe(200);
    expect((await step("stina", "GET", "/api/optouts")).status).toBe(200);
    expect((await step("stina", "GET", "/api/quality")).status).toBe(200);

    // Auditor reads and verifies; admin adds an account.
    expect((await step("aino", "GET", "/api/audit?n=500")).status).toBe(200);
    expect((await step("aino", "GET", "/api/audit/verify")).body).toMatchObject({ ok: true });
    expect((await step("admin", "GET", "/api/users")).status).toBe(200);
    expect(
      (await step("admin", "POST", "/api/users", { name: "ville", role: "researcher" })).status,
    ).toBe(201);
    expect((await step("admin", "GET", "/api/status")).status).toBe(200);

    // Nothing identifying anywhere.
    const identifiers = sourceIdentifiers();
    const leaks: string[] = [];
    for (const { step: where, reply } of replies)
      for (const id of identifiers)
        if (reply.text.includes(id)) leaks.push(`${where}: ${id.slice(0, 3)}…`);
    const log = s.logLines.join("");
    expect(log.length).toBeGreaterThan(1000);
    for (const id of identifiers) if (log.includes(id)) leaks.push(`log: ${id.slice(0, 3)}…`);
    expect(leaks).toEqual([]);
  }, 300_000);
});
