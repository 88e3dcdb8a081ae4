import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Reply, type TestServer, testServer } from "../../../test/support/server.js";
import { HETU_SYSTEM } from "../../identity/hetu.js";
import { inboxDir } from "../../lake/host.js";

let s: TestServer;
let cohortHash = "";
beforeAll(async () => {
  s = await testServer({
    users: {
      stina: "steward",
      sami: "steward",
      riku: "researcher",
      ville: "researcher",
      reija: "reviewer",
      aino: "auditor",
    },
    patients: 400,
  });
  const v = await s.call("riku", "POST", "/api/cohorts/validate", {
    definition: {
      name: "t2d-any",
      codeSets: { t2d: { system: "icd10", codes: ["E11*"] } },
      entry: { events: { table: "clinical.diagnosis", codeSet: "t2d" } },
    },
  });
  cohortHash = v.body.hash;
}, 300_000);
afterAll(async () => {
  await s?.close();
});

const inAYear = () => new Date(Date.now() + 365 * 86_400_000).toISOString().slice(0, 10);
const application = (id?: string) => ({
  ...(id ? { id } : {}),
  title: "Diabetes follow-up study",
  organisation: "University of Helsinki",
  legalBasis: "Secondary Use Act 552/2019, scientific research",
  purpose: "How glycaemic control develops after diagnosis.",
  validUntil: inAYear(),
  scope: {
    cohort: { name: "t2d-any", hash: cohortHash },
    tables: {
      "clinical.person": ["sex", "birth_date"],
      "clinical.diagnosis": ["event_date", "code"],
    },
    period: { from: "1990-01-01", to: "2025-12-31" },
  },
});
const ok = (r: Reply, status = 200): Reply => {
  expect(r.status, r.text).toBe(status);
  return r;
};

describe("permits", () => {
  it("goes through its lifecycle, each step by a role that may", async () => {
    const draft = ok(await s.call("riku", "POST", "/api/permits", application("P-API-1")), 201);
    expect(draft.body).toMatchObject({ id: "P-API-1", status: "draft", applicant: "riku" });
    ok(await s.call("riku", "POST", "/api/permits/P-API-1/submit", { reason: "ready" }));
    ok(await s.call("reija", "POST", "/api/permits/P-API-1/review", { reason: "taking it" }));
    const approved = ok(
      await s.call("reija", "POST", "/api/permits/P-API-1/approve", { reason: "fine" }),
    );
    expect(approved.body.status).toBe("approved");
    const active = ok(
      await s.call("stina", "POST", "/api/permits/P-API-1/activate", { reason: "go" }),
    );
    expect(active.body.status).toBe("active");
    const shown = ok(await s.call("aino", "GET", "/api/permits/P-API-1"));
    expect(shown.body.events.map((e: { to_status: string }) => e.to_status)).toEqual([
      "draft",
      "submitted",
      "in_review",
      "approved",
      "active",
    ]);
    const mine = ok(await s.call("riku", "GET", "/api/permits"));
    expect(mine.body.permits.map((p: { id: string }) => p.id)).toContain("P-API-1");
    for (const user of ["reija", "stina", "aino"]) {
      const all = ok(await s.call(user, "GET", "/api/permits"));
      expect(all.body.permits.map((p: { id: string }) => p.id)).toContain("P-API-1");
    }
    const others = ok(await s.call("ville", "GET", "/api/permits"));
    expect(others.body.permits).toEqual([]);
    // Not named on it: to ville it does not exist.
    expect((await s.call("ville", "GET", "/api/permits/P-API-1")).status).toBe(404);
  });
  it("refuses roles, states and requests the policy does not allow", async () => {
    expect((await s.call("reija", "POST", "/api/permits", application("P-X"))).status).toBe(403);
    const invalid = await s.call("riku", "POST", "/api/permits", { title: "x" });
    expect(invalid.status).toBe(400);
    ok(await s.call("riku", "POST", "/api/permits", application("P-API-2")), 201);
    expect((await s.call("riku", "POST", "/api/permits/P-API-2/submit", {})).status).toBe(400);
    expect(
      (await s.call("riku", "POST", "/api/permits/P-API-2/review", { reason: "me" })).status,
    ).toBe(403);
    expect(
      (await s.call("reija", "POST", "/api/permits/P-API-2/review", { reason: "early" })).status,
    ).toBe(409);
    ok(await s.call("riku", "POST", "/api/permits/P-API-2/submit", { reason: "ready" }));
    ok(await s.call("reija", "POST", "/api/permits/P-API-2/review", { reason: "taking it" }));
    const narrowed = await s.call("reija", "POST", "/api/permits/P-API-2/approve", {
      reason: "wider",
      scope: { ...application().scope, tables: { "clinical.lab": ["value"] } },
    });
    expect(narrowed.status).toBe(400);
    const rejected = ok(
      await s.call("reija", "POST", "/api/permits/P-API-2/reject", { reason: "no" }),
    );
    expect(rejected.body.status).toBe("rejected");
    expect(
      (await s.call("stina", "POST", "/api/permits/P-API-2/activate", { reason: "go" })).status,
    ).toBe(409);
    expect(
      (await s.call("stina", "POST", "/api/permits/NOPE/activate", { reason: "go" })).status,
    ).toBe(404);
  });
  it("registers an external permit under its number; a second steward confirms it", async () => {
    const id = "FINDATA/2026/77";
    const reg = ok(
      await s.call("stina", "POST", "/api/permits/register", {
        permit: { ...application(id), principalInvestigator: "riku", team: [] },
        reason: "Findata decision 2026/77",
      }),
      201,
    );
    expect(reg.body).toMatchObject({ id, status: "registered", external: true });
    const path = `/api/permits/${encodeURIComponent(id)}`;
    expect((await s.call("stina", "POST", `${path}/confirm`, { reason: "mine" })).status).toBe(403);
    const confirmed = ok(await s.call("sami", "POST", `${path}/confirm`, { reason: "checked" }));
    expect(confirmed.body.status).toBe("approved");
    expect(ok(await s.call("aino", "GET", path)).body.permit.id).toBe(id);
    expect(
      (
        await s.call("riku", "POST", "/api/permits/register", {
          permit: application(id),
          reason: "x",
        })
      ).status,
    ).toBe(403);
  });
  it("expires for stewards only", async () => {
    expect(ok(await s.call("stina", "POST", "/api/permits/expire")).body).toEqual({ expired: [] });
    expect((await s.call("riku", "POST", "/api/permits/expire")).status).toBe(403);
  });
});

describe("releases", () => {
  it("creates one through the release job and lists it; closing the permit ends it", async () => {
    expect(
      (await s.call("riku", "POST", "/api/releases", { permit: "P-API-1", reason: "x" })).status,
    ).toBe(403);
    const r = ok(
      await s.call("stina", "POST", "/api/releases", { permit: "P-API-1", reason: "first" }),
      202,
    );
    expect(r.body).toMatchObject({ kind: "release", status: "queued" });
    const done = await s.jobs.waitFor(r.body.id);
    expect(done.error).toBeNull();
    expect(done.result).toMatchObject({ permit: "P-API-1", number: 1 });
    for (const user of ["stina", "aino"]) {
      const list = ok(await s.call(user, "GET", "/api/releases?permit=P-API-1"));
      expect(list.body.releases).toHaveLength(1);
      expect(list.body.releases[0]).toMatchObject({ permit_id: "P-API-1", number: 1 });
    }
    expect(ok(await s.call("stina", "GET", "/api/releases")).body.releases).toHaveLength(1);
    expect((await s.call("riku", "GET", "/api/releases")).status).toBe(403);
    expect((await s.call("stina", "POST", "/api/releases", { permit: "P-API-1" })).status).toBe(
      400,
    );
    // A release of a permit that is not active is refused when it is asked for.
    expect(
      (await s.call("stina", "POST", "/api/releases", { permit: "NOPE", reason: "x" })).status,
    ).toBe(404);
    // A part of the scope, for a permit registered under its external number.
    const external = encodeURIComponent("FINDATA/2026/77");
    ok(await s.call("stina", "POST", `/api/permits/${external}/activate`, { reason: "go" }));
    const outside = await s.call("stina", "POST", "/api/releases", {
      permit: "FINDATA/2026/77",
      tables: { "clinical.lab": ["value"] },
      reason: "x",
    });
    expect(outside.status).toBe(400);
    expect(outside.body.error).toMatch(/outside permit/);
    const part = ok(
      await s.call("stina", "POST", "/api/releases", {
        permit: "FINDATA/2026/77",
        tables: { "clinical.person": ["sex"] },
        period: { from: "2000-01-01", to: "2020-12-31" },
        reason: "a part",
      }),
      202,
    );
    const partDone = await s.jobs.waitFor(part.body.id);
    expect(partDone.error).toBeNull();
    expect(
      (partDone.result as { tables: Array<{ name: string }> }).tables.map((t) => t.name),
    ).toEqual(["clinical.person"]);
    const closed = ok(
      await s.call("stina", "POST", "/api/permits/P-API-1/close", { reason: "study done" }),
    );
    expect(closed.body.status).toBe("closed");
  });
});

/** Identity codes of synthetic people in the lake, from the export's Patient files. */
function someCodes(n: number): string[] {
  const dir = join(inboxDir(s.home), s.inboxPath, "fhir");
  const out: string[] = [];
  for (const f of readdirSync(dir).filter((f) => f.startsWith("Patient")))
    for (const line of readFileSync(join(dir, f), "utf8").split("\n").filter(Boolean)) {
      const p = JSON.parse(line) as { identifier?: Array<{ system: string; value: string }> };
      const code = p.identifier?.find((i) => i.system === HETU_SYSTEM)?.value;
      if (code && out.length < n) out.push(code);
    }
  return out;
}

describe("opt-outs and transparency", () => {
  it("adds, lists and removes opt-outs, never echoing an identity code", async () => {
    const [a, b] = someCodes(2) as [string, string];
    const added = ok(await s.call("stina", "POST", "/api/optouts", { codes: [a, b] }));
    expect(added.body.results).toEqual([
      { line: 1, changed: true, matched: true },
      { line: 2, changed: true, matched: true },
    ]);
    expect(added.headers.get("Cache-Control")).toBe("no-store");
    const again = ok(await s.call("stina", "POST", "/api/optouts", { codes: [a] }));
    expect(again.body.results).toEqual([{ line: 1, changed: false, matched: true }]);
    const list = ok(await s.call("stina", "GET", "/api/optouts"));
    expect(list.body.optouts).toHaveLength(2);
    const report = ok(await s.call("stina", "POST", "/api/transparency", { code: a }));
    expect(report.body).toMatchObject({ optedOut: true, matched: true });
    const removed = ok(await s.call("stina", "POST", "/api/optouts/remove", { codes: [a] }));
    expect(removed.body.results).toEqual([{ line: 1, changed: true, matched: true }]);
    for (const r of [added, again, list, report, removed]) {
      expect(r.text).not.toContain(a);
      expect(r.text).not.toContain(b);
    }
    const log = await s.store.db.selectFrom("audit_log").select(["target", "details"]).execute();
    expect(JSON.stringify(log)).not.toContain(a);
  });
  it("refuses other roles and bad codes without showing the code", async () => {
    const [a] = someCodes(1) as [string];
    const refusals = [
      await s.call("riku", "POST", "/api/optouts", { codes: [a] }),
      await s.call("aino", "POST", "/api/optouts/remove", { codes: [a] }),
      await s.call("riku", "POST", "/api/transparency", { code: a }),
    ];
    for (const r of refusals) {
      expect(r.status).toBe(403);
      expect(r.text).not.toContain(a);
    }
    expect((await s.call("riku", "GET", "/api/optouts")).status).toBe(403);
    // A wrong check character; a code with a letter too many; a code among non-strings.
    const wrong = `${a.slice(0, -1)}${a.endsWith("A") ? "B" : "A"}`;
    const tooLong = `${a}${"X".repeat(70)}`;
    const bad = [
      await s.call("stina", "POST", "/api/optouts", { codes: [a, wrong] }),
      await s.call("stina", "POST", "/api/transparency", { code: wrong }),
      await s.call("stina", "POST", "/api/transparency", { code: tooLong }),
      await s.call("stina", "POST", "/api/optouts", { codes: [a, 7] }),
      await s.call("stina", "POST", "/api/optouts", { codes: [] }),
      await s.call("stina", "POST", "/api/transparency", { code: [a] }),
    ];
    for (const r of bad) {
      expect(r.status, r.text).toBe(400);
      for (const code of [a, wrong, tooLong]) expect(r.text).not.toContain(code);
    }
    expect(bad[0]?.body.error).toMatch(/Line 2/);
    // Nothing of the refused batch was recorded.
    const list = ok(await s.call("stina", "GET", "/api/optouts"));
    expect(list.body.optouts).toHaveLength(1);
  });
});
