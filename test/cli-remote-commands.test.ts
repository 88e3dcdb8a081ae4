import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createToken, tokenPolicy } from "../src/auth/api-tokens.js";
import { setPassword } from "../src/auth/passwords.js";
import { type Actor, type Role, SYSTEM_ACTOR } from "../src/auth/roles.js";
import { addUser } from "../src/auth/users.js";
import { type Home, initHome } from "../src/home/home.js";
import { HETU_SYSTEM } from "../src/identity/hetu.js";
import { ingest } from "../src/ingest/ingest-service.js";
import { inboxDir } from "../src/lake/host.js";
import { createLogger } from "../src/server/observability/logger.js";
import { type RunningServer, startServer } from "../src/server/serve.js";
import { serverAppOptions } from "../src/server/server-options.js";
import { openControlStore } from "../src/store/control-store.js";
import { DEFAULT_SYNTH_OPTIONS, runSynth } from "../src/synth/synth.js";
import { type CliResult, E2E_TEST_TIMEOUT_MS, kaivoAsync } from "./support/cli.js";
import { tempDir } from "./support/stores.js";

/**
 * The commands converted to run through the server (issue 17, item 4), each run as a real CLI
 * process logged in to a real server on loopback over a temp home, checked by what it prints and
 * by what the server put on the audit log. Identity codes go on standard input or in a file and
 * must show in no output, no log line and no audit entry.
 */
const USERS: Record<string, Role> = {
  stina: "steward",
  sami: "steward",
  riku: "researcher",
  reija: "reviewer",
  aino: "auditor",
  ari: "admin",
};
const RIKU_PASSWORD = "researcher passphrase 42";
const tmp = tempDir("kaivo-cli-remote-commands-");
const t2d = join(import.meta.dirname, "../examples/cohorts/t2d-hba1c.json");
let server: RunningServer;
let home: Home;
const tokens = new Map<string, string>();
const outputs: string[] = [];
/** Token secrets made during the tests, with the one output that may show each. */
const shownOnce = new Map<string, string>();
const logLines: string[] = [];
let codes: string[] = [];
const configOf = (who: string) => join(tmp.dir, "config", who);
const userHome = () => join(tmp.dir, "user-home");

/** Runs `kaivo` as the logged-in `who`, without blocking this process (the server runs in it). */
async function kaivo(who: string, args: string[], input?: string): Promise<CliResult> {
  const result = await kaivoAsync(args, {
    // No KAIVO_HOME: the CLI reaches the lake only through the server.
    env: { PATH: process.env.PATH, HOME: userHome(), KAIVO_CONFIG_DIR: configOf(who) },
    cwd: userHome(),
    ...(input !== undefined ? { input } : {}),
  });
  outputs.push(result.stdout, result.stderr);
  return result;
}

/** The command succeeded; its output for the caller to look at. */
async function ok(who: string, args: string[], input?: string): Promise<CliResult> {
  const r = await kaivo(who, args, input);
  expect(r.status, `kaivo ${args.join(" ")}: ${r.stderr}`).toBe(0);
  return r;
}

interface AuditRow {
  seq: number;
  actor: string;
  action: string;
  target: string | null;
  details: string;
}

/** Audit entries after `seq`, as the server wrote them. */
async function auditSince(seq: number): Promise<AuditRow[]> {
  return (await server.store.db
    .selectFrom("audit_log")
    .select(["seq", "actor", "action", "target", "details"])
    .where("seq", ">", seq)
    .orderBy("seq")
    .execute()) as AuditRow[];
}

async function lastSeq(): Promise<number> {
  const row = await server.store.db
    .selectFrom("audit_log")
    .select(({ fn }) => fn.max("seq").as("seq"))
    .executeTakeFirst();
  return Number(row?.seq ?? 0);
}

/** The request audit entry of a route answered for `actor` (the route pattern, never the path). */
function requested(rows: AuditRow[], actor: string, method: string, route: string) {
  return rows.some((r) => {
    if (r.action !== "api.request" || r.actor !== actor) return false;
    const d = JSON.parse(r.details) as { method: string; route: string; outcome: string };
    return d.method === method && d.route === route && d.outcome === "answered";
  });
}

const inAYear = () => new Date(Date.now() + 365 * 86_400_000).toISOString().slice(0, 10);

beforeAll(async () => {
  const data = join(tmp.dir, "synth");
  await runSynth({ ...DEFAULT_SYNTH_OPTIONS, patients: 300, seed: 5, dirty: 0.05, out: data });
  home = initHome(join(tmp.dir, "home"), {}).home;
  const store = await openControlStore(home);
  for (const [name, role] of Object.entries(USERS))
    await addUser(store, { name: "system", role: "admin" }, { name, role });
  await setPassword(store, SYSTEM_ACTOR, "riku", RIKU_PASSWORD);
  const inbox = join(inboxDir(home), "ehr");
  cpSync(data, inbox, { recursive: true });
  await ingest({ home, store, actor: { name: "stina", role: "steward" } }, inbox);
  // Everyone but riku logs in with a token made on the host (no second factor to time).
  for (const [name, role] of Object.entries(USERS)) {
    if (name === "riku") continue;
    const made = await createToken(
      store,
      { name, role } as Actor,
      { label: "for the test" },
      tokenPolicy(home.config.auth),
      new Date(),
    );
    tokens.set(name, made.secret);
  }
  await store.close();
  // Identity codes of people in the lake, from the export's Patient resources.
  const fhir = join(inbox, "fhir");
  for (const f of readdirSync(fhir).filter((f) => f.startsWith("Patient")))
    for (const line of readFileSync(join(fhir, f), "utf8").split("\n").filter(Boolean)) {
      const p = JSON.parse(line) as { identifier?: Array<{ system: string; value: string }> };
      const code = p.identifier?.find((i) => i.system === HETU_SYSTEM)?.value;
      if (code && codes.length < 3) codes.push(code);
    }
  codes = [...new Set(codes)];
  mkdirSync(join(inboxDir(home), "vocab"), { recursive: true });
  writeFileSync(
    join(inboxDir(home), "vocab", "extra.csv"),
    "code,title_fi,title_en\nX1,Koe yksi,Test one\nX2,Koe kaksi,Test two\n",
  );
  mkdirSync(userHome(), { recursive: true });
  const logger = createLogger({
    level: "debug",
    destination: new Writable({
      write(chunk, _enc, done) {
        logLines.push(String(chunk));
        done();
      },
    }),
  });
  server = await startServer(home, {
    host: "127.0.0.1",
    port: 0,
    app: serverAppOptions(home, { logger }).app,
  });
  for (const [name, secret] of tokens) {
    const r = await kaivo(name, ["login", "--server", server.url, "--token-stdin"], `${secret}\n`);
    if (r.status !== 0) throw new Error(`login of ${name}: ${r.stderr}`);
  }
  const r = await kaivo(
    "riku",
    ["login", "--server", server.url, "--user", "riku"],
    `${RIKU_PASSWORD}\n`,
  );
  if (r.status !== 0) throw new Error(`login of riku: ${r.stderr}`);
}, 300_000);

afterAll(async () => {
  await server?.close();
  tmp.remove();
});

describe("the converted commands, through the server", () => {
  it("says who one is, with the token's id and expiry from the server", async () => {
    const me = await ok("stina", ["whoami", "--json"]);
    const shown = JSON.parse(me.stdout);
    expect(shown).toMatchObject({
      mode: "remote",
      user: "stina",
      role: "steward",
      tokenId: expect.stringMatching(/^tok_[0-9a-f]{16}$/),
      expiresAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    // A token made on the host: the login learnt its id from /api/auth/me, so logout can revoke it.
    const saved = JSON.parse(readFileSync(join(configOf("stina"), "credentials.json"), "utf8"));
    expect(saved.tokenId).toBe(shown.tokenId);
    const text = await ok("riku", ["whoami"]);
    expect(text.stdout).toMatch(/^token tok_[0-9a-f]{16} expires at \S+$/m);
  });

  it(
    "takes a permit through its lifecycle, each step by the role that may",
    async () => {
      const before = await lastSeq();
      const hash = (
        (await (
          await fetch(`${server.url}/api/cohorts/validate`, {
            method: "POST",
            headers: {
              authorization: `Bearer ${tokens.get("stina")}`,
              "content-type": "application/json",
            },
            body: JSON.stringify({ definition: JSON.parse(readFileSync(t2d, "utf8")) }),
          })
        ).json()) as { hash: string }
      ).hash;
      expect(hash).toMatch(/^[0-9a-f]{64}$/);
      const application = (id: string) => ({
        id,
        title: "Diabetes follow-up",
        organisation: "University of Helsinki",
        legalBasis: "Secondary Use Act 552/2019, scientific research",
        purpose: "How glycaemic control develops after diagnosis.",
        validUntil: inAYear(),
        scope: {
          cohort: { name: "t2d-hba1c", hash },
          tables: { "clinical.person": ["sex", "birth_date"] },
          period: { from: "1990-01-01", to: "2025-12-31" },
        },
      });
      const file = join(userHome(), "application.json");
      writeFileSync(file, JSON.stringify(application("P-CLI-1")));
      const draft = await ok("riku", ["permit", "draft", file]);
      expect(draft.stdout).toMatch(/^P-CLI-1 {2}draft {2}valid until /);
      const submit = await ok("riku", ["permit", "submit", "P-CLI-1", "--reason", "ready"]);
      expect(submit.stdout).toMatch(/^P-CLI-1 {2}submitted/);
      // Only a reviewer takes it into review; a researcher is refused with exit 3.
      const notYours = await kaivo("riku", ["permit", "review", "P-CLI-1", "--reason", "me"]);
      expect(notYours.status).toBe(3);
      expect(
        (await ok("reija", ["permit", "review", "P-CLI-1", "--reason", "taking it"])).stdout,
      ).toMatch(/^P-CLI-1 {2}in_review/);
      const scope = join(userHome(), "narrowed.json");
      writeFileSync(
        scope,
        JSON.stringify({ ...application("x").scope, tables: { "clinical.person": ["sex"] } }),
      );
      const approve = await ok("reija", [
        "permit",
        "approve",
        "P-CLI-1",
        "--reason",
        "fine, narrowed",
        "--scope",
        scope,
      ]);
      expect(approve.stdout).toMatch(/^P-CLI-1 {2}approved/);
      expect(approve.stdout).toContain("  clinical.person: sex\n");
      expect(approve.stdout).not.toContain("birth_date");
      expect(
        (await ok("stina", ["permit", "activate", "P-CLI-1", "--reason", "go"])).stdout,
      ).toMatch(/^P-CLI-1 {2}active/);
      const show = await ok("aino", ["permit", "show", "P-CLI-1", "--json"]);
      expect(JSON.parse(show.stdout).events.map((e: { to_status: string }) => e.to_status)).toEqual(
        ["draft", "submitted", "in_review", "approved", "active"],
      );
      expect(
        (await ok("stina", ["permit", "close", "P-CLI-1", "--reason", "study over"])).stdout,
      ).toMatch(/^P-CLI-1 {2}(closing|closed)/);

      // A second application, rejected.
      writeFileSync(file, JSON.stringify(application("P-CLI-2")));
      await ok("riku", ["permit", "draft", file]);
      await ok("riku", ["permit", "submit", "P-CLI-2", "--reason", "ready"]);
      await ok("reija", ["permit", "review", "P-CLI-2", "--reason", "taking it"]);
      expect((await ok("reija", ["permit", "reject", "P-CLI-2", "--reason", "no"])).stdout).toMatch(
        /^P-CLI-2 {2}rejected/,
      );

      // A permit decided elsewhere, under a number with a slash; a second steward confirms it.
      const external = join(userHome(), "findata.json");
      writeFileSync(
        external,
        JSON.stringify({
          ...application("FINDATA/2026/7"),
          principalInvestigator: "riku",
          team: [],
        }),
      );
      const registered = await kaivo("stina", [
        "permit",
        "register",
        external,
        "--reason",
        "Findata decision 2026/7",
      ]);
      expect(registered.status, registered.stderr).toBe(0);
      expect(registered.stdout).toMatch(/^FINDATA\/2026\/7 {2}registered \(registered, decided/);
      const self = await kaivo("stina", ["permit", "confirm", "FINDATA/2026/7", "--reason", "me"]);
      expect(self.status).toBe(3);
      const confirmed = await ok("sami", [
        "permit",
        "confirm",
        "FINDATA/2026/7",
        "--reason",
        "checked the decision",
      ]);
      expect(confirmed.stdout).toMatch(/^FINDATA\/2026\/7 {2}approved/);
      expect((await ok("stina", ["permits", "expire"])).stdout).toContain(
        "no permit is past its date",
      );
      expect((await kaivo("riku", ["permits", "expire"])).status).toBe(3);

      const rows = await auditSince(before);
      const actions = (actor: string) =>
        rows
          .filter((r) => r.actor === actor && r.action.startsWith("permit."))
          .map((r) => r.action);
      expect(actions("riku")).toEqual(expect.arrayContaining(["permit.draft", "permit.submit"]));
      expect(actions("reija")).toEqual(
        expect.arrayContaining(["permit.review", "permit.approve", "permit.reject"]),
      );
      expect(actions("stina")).toEqual(
        expect.arrayContaining(["permit.activate", "permit.close", "permit.register"]),
      );
      expect(actions("sami")).toContain("permit.confirm");
      expect(requested(rows, "riku", "POST", "/api/permits")).toBe(true);
      expect(requested(rows, "reija", "POST", "/api/permits/:id/approve")).toBe(true);
      expect(requested(rows, "sami", "POST", "/api/permits/:id/confirm")).toBe(true);
      expect(requested(rows, "stina", "POST", "/api/permits/expire")).toBe(true);
    },
    E2E_TEST_TIMEOUT_MS,
  );

  it(
    "adds and removes opt-outs and answers a transparency request, codes only on standard input or in a file",
    async () => {
      expect(codes.length).toBeGreaterThanOrEqual(2);
      const before = await lastSeq();
      const [first, second] = codes as [string, string];
      const add = await ok("stina", ["optout", "add"], `${first}\n${second}\n`);
      expect(add.stdout).toBe("line 1: opted out\nline 2: opted out\n");
      const again = await ok("stina", ["optout", "add"], `${first}\n`);
      expect(again.stdout).toBe("already opted out\n");
      const list = await ok("stina", ["optout", "list"]);
      expect(list.stdout).toContain("2 opted out");
      const report = await ok("stina", ["transparency", "--json"], `${first}\n`);
      expect(JSON.parse(report.stdout)).toMatchObject({ optedOut: true, matched: true });
      const file = join(userHome(), "codes.txt");
      writeFileSync(file, `${first}\n${second}\n`, { mode: 0o600 });
      const remove = await ok("stina", ["optout", "remove", "--file", file]);
      expect(remove.stdout).toBe("line 1: opt-out removed\nline 2: opt-out removed\n");
      const text = await ok("stina", ["transparency"], `${first}\n`);
      expect(text.stdout).toContain("The person's data has not been in any release.");
      expect(text.stdout).not.toContain("opted out");
      // A code as an argument is refused before anything is sent, and not repeated.
      const argument = await kaivo("stina", ["optout", "add", first]);
      expect(argument.status).toBe(2);
      expect(argument.stderr).toContain("identity codes are not taken as arguments");
      const researcher = await kaivo("riku", ["transparency"], `${first}\n`);
      expect(researcher.status).toBe(3);
      const noOptout = await kaivo("riku", ["optout", "add"], `${first}\n`);
      expect(noOptout.status).toBe(3);

      const rows = await auditSince(before);
      const by = (action: string) => rows.filter((r) => r.action === action && r.actor === "stina");
      expect(by("optout.add").length).toBeGreaterThanOrEqual(1);
      expect(by("optout.remove").length).toBeGreaterThanOrEqual(1);
      expect(by("transparency.request").length).toBe(2);
      expect(requested(rows, "stina", "POST", "/api/optouts/remove")).toBe(true);
      expect(requested(rows, "stina", "POST", "/api/transparency")).toBe(true);
      for (const r of rows) for (const c of codes) expect(JSON.stringify(r)).not.toContain(c);
    },
    E2E_TEST_TIMEOUT_MS,
  );

  it("signs an audit checkpoint and verifies the chain (auditors, admins)", async () => {
    const before = await lastSeq();
    const checkpoint = await ok("aino", ["audit", "checkpoint"]);
    expect(checkpoint.stdout).toMatch(/^Signed checkpoint \d+:[0-9a-f]{64} \(key \S+\)\.$/m);
    const verify = await ok("aino", ["audit", "verify"]);
    expect(verify.stdout).toMatch(/^Audit chain intact: \d+ entries\.$/m);
    expect(verify.stdout).toMatch(/Matches signed checkpoint \d+ of /);
    const json = await ok("ari", ["audit", "verify", "--json"]);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: true, outcome: "intact" });
    const copy = await kaivo("aino", ["audit", "verify", "--checkpoints", "cp.json"]);
    expect(copy.status).toBe(1);
    expect(copy.stderr).toContain("--checkpoints is for direct mode");
    expect((await kaivo("stina", ["audit", "verify"])).status).toBe(3);
    expect((await kaivo("riku", ["audit", "checkpoint"])).status).toBe(3);
    const rows = await auditSince(before);
    expect(rows.some((r) => r.action === "audit.checkpoint" && r.actor === "aino")).toBe(true);
    expect(rows.filter((r) => r.action === "audit.verify").map((r) => r.actor)).toEqual(
      expect.arrayContaining(["aino", "ari"]),
    );
  });

  it("adds and lists users (admins), and ends a user's sessions", async () => {
    const before = await lastSeq();
    const add = await ok("ari", ["user", "add", "newbie", "--role", "researcher"]);
    expect(add.stdout).toBe("Added newbie (researcher).\n");
    const list = await ok("aino", ["user", "list"]);
    expect(list.stdout).toMatch(/^newbie +researcher +added \S+ by ari$/m);
    expect((await kaivo("riku", ["user", "list"])).status).toBe(3);
    expect((await kaivo("stina", ["user", "add", "x", "--role", "admin"])).status).toBe(3);
    expect((await ok("riku", ["user", "logout", "riku"])).stdout).toBe(
      "Ended 0 sessions of riku.\n",
    );
    expect((await kaivo("riku", ["user", "logout", "stina"])).status).toBe(3);
    expect((await ok("ari", ["user", "logout", "stina"])).stdout).toMatch(
      /^Ended \d+ sessions? of stina\.$/m,
    );
    const rows = await auditSince(before);
    expect(rows.some((r) => r.action === "user.add" && r.actor === "ari")).toBe(true);
    expect(
      rows.some((r) => r.action === "auth.logout-everywhere" && r.target === "user:stina"),
    ).toBe(true);
    expect(requested(rows, "ari", "POST", "/api/users/:name/logout")).toBe(true);
  });

  it(
    "creates (from a password session), lists and revokes one's own tokens",
    async () => {
      const before = await lastSeq();
      const created = await ok(
        "riku",
        ["token", "create", "--label", "a script", "--expires", "2"],
        `${RIKU_PASSWORD}\n`,
      );
      const secret = created.stdout.trim();
      expect(secret).toMatch(/^kaivo_/);
      const id = /Token (tok_[0-9a-f]{16}) for riku \(all of researcher\), expires/.exec(
        created.stderr,
      )?.[1];
      expect(id).toBeDefined();
      const list = await ok("riku", ["token", "list", "--json"]);
      const listed = JSON.parse(list.stdout) as Array<{ id: string; label: string | null }>;
      expect(listed.find((t) => t.id === id)?.label).toBe("a script");
      expect(list.stdout).not.toContain(secret);
      const others = await kaivo("riku", ["token", "list", "--all"]);
      expect(others.status).toBe(3);
      const forStina = await kaivo("riku", ["token", "create", "--user", "stina"]);
      expect(forStina.status).toBe(1);
      expect(forStina.stderr).toContain("a token is made for oneself (riku), not for stina");
      const wrong = await kaivo("riku", ["token", "create"], "not the password\n");
      expect(wrong.status).toBe(1);
      const revoke = await ok("riku", ["token", "revoke", id as string]);
      expect(revoke.stdout).toBe(`Revoked ${id} (riku).\n`);
      expect(revoke.stderr).toBe("");
      // The new token no longer works, the login's does.
      const res = await fetch(`${server.url}/api/auth/me`, {
        headers: { authorization: `Bearer ${secret}` },
      });
      expect(res.status).toBe(401);
      await ok("riku", ["whoami"]);
      const rows = await auditSince(before);
      expect(rows.some((r) => r.action === "token.create" && r.actor === "riku")).toBe(true);
      expect(rows.some((r) => r.action === "token.revoke" && r.target === `token:${id}`)).toBe(
        true,
      );
      // Shown once, on the standard output of `token create`; nowhere else.
      shownOnce.set(secret, created.stdout);
    },
    E2E_TEST_TIMEOUT_MS,
  );

  it("exports the catalog, to standard output or a file on this computer (stewards)", async () => {
    const before = await lastSeq();
    const md = await ok("stina", ["catalog", "export", "--format", "markdown"]);
    expect(md.stdout).toContain("clinical");
    const out = join(userHome(), "catalog.jsonld");
    const ld = await ok("stina", ["catalog", "export", "--format", "healthdcat", "--out", out]);
    expect(ld.stdout).toBe(`wrote ${out}\n`);
    expect(JSON.parse(readFileSync(out, "utf8"))).toHaveProperty("@context");
    expect((await kaivo("riku", ["catalog", "export", "--format", "markdown"])).status).toBe(3);
    const rows = await auditSince(before);
    expect(rows.filter((r) => r.action === "catalog.export" && r.actor === "stina").length).toBe(2);
  });

  it(
    "loads a code system's titles as a job, from a file in the server's inbox (stewards)",
    async () => {
      const before = await lastSeq();
      const r = await ok("stina", [
        "vocab",
        "load",
        "vocab/extra.csv",
        "--system",
        "extra",
        "--reason",
        "test codes",
      ]);
      expect(r.stderr).toMatch(/job \d+: load of extra codes from vocab\/extra\.csv/);
      expect(r.stdout).toMatch(/^job \d+: vocab\.load, done$/m);
      expect(r.stdout).toContain('"codes":2');
      const lookup = await ok("riku", ["vocab", "lookup", "extra", "X*"]);
      expect(lookup.stdout).toMatch(/^X1 +Koe yksi \/ Test one$/m);
      expect(lookup.stdout).toMatch(/^X2 +Koe kaksi \/ Test two$/m);
      const missing = await kaivo("stina", [
        "vocab",
        "load",
        "vocab/none.csv",
        "--system",
        "extra",
        "--reason",
        "x",
      ]);
      expect(missing.status).toBe(1);
      expect(missing.stderr).toContain("There is no file vocab/none.csv in the inbox.");
      const outside = await kaivo("stina", [
        "vocab",
        "load",
        "../kaivo.json",
        "--system",
        "extra",
        "--reason",
        "x",
      ]);
      expect(outside.status).toBe(1);
      expect(outside.stderr).toContain("relative to the server's inbox");
      const noReason = await kaivo("stina", ["vocab", "load", "vocab/extra.csv", "--system", "x"]);
      expect(noReason.stderr).toContain("--reason");
      const researcher = await kaivo("riku", [
        "vocab",
        "load",
        "vocab/extra.csv",
        "--system",
        "extra",
        "--reason",
        "x",
      ]);
      expect(researcher.status).toBe(3);
      const rows = await auditSince(before);
      expect(rows.some((e) => e.action === "vocab.load" && e.target === "vocab:extra")).toBe(true);
    },
    E2E_TEST_TIMEOUT_MS,
  );

  it(
    "fetches as a job on the server, which names the sources it has (stewards)",
    async () => {
      const r = await kaivo("stina", ["fetch", "ehr", "--reason", "daily increment"]);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain('No Bulk Data source "ehr" in the server\'s configuration.');
      expect(r.stderr).toContain("fetch.sources in the server's kaivo.json");
      const list = await kaivo("stina", ["fetch"]);
      expect(list.status).toBe(1);
      expect(list.stderr).toContain("Logged in, kaivo fetch needs a SOURCE");
      expect((await kaivo("riku", ["fetch", "ehr", "--reason", "x"])).status).toBe(3);
    },
    E2E_TEST_TIMEOUT_MS,
  );

  it("shows a quarantined record masked through the server (stewards)", async () => {
    const list = await ok("stina", ["quarantine", "list", "--json"]);
    const entries = JSON.parse(list.stdout) as Array<{ id: number }>;
    expect(entries.length).toBeGreaterThan(0);
    const id = (entries[0] as { id: number }).id;
    const before = await lastSeq();
    const show = await ok("stina", ["quarantine", "show", String(id)]);
    expect(show.stdout.trim().length).toBeGreaterThan(0);
    for (const c of codes) expect(show.stdout).not.toContain(c);
    expect((await kaivo("riku", ["quarantine", "show", String(id)])).status).toBe(3);
    const none = await kaivo("stina", ["quarantine", "show", "999999"]);
    expect(none.status).toBe(1);
    const rows = await auditSince(before);
    expect(rows.some((r) => r.action === "quarantine.show" && r.actor === "stina")).toBe(true);
  });

  it("refuses the host-only commands while logged in, saying why", async () => {
    const password = await kaivo("ari", ["user", "password", "riku"], "a new password here\n");
    expect(password.status).toBe(1);
    expect(password.stderr).toContain(
      "`kaivo user password` runs only on the host, in direct mode",
    );
    const totp = await kaivo("ari", ["user", "totp", "riku"]);
    expect(totp.stderr).toContain("`kaivo user totp` runs only on the host, in direct mode");
    const link = await kaivo("ari", [
      "user",
      "link",
      "riku",
      "--issuer",
      "https://idp.example.org",
      "--subject",
      "s1",
    ]);
    expect(link.stderr).toContain("`kaivo user link` runs only on the host, in direct mode");
  });

  it("logs out, revoking on the server a token that was made on the host", async () => {
    const id = JSON.parse(readFileSync(join(configOf("sami"), "credentials.json"), "utf8"))
      .tokenId as string;
    const r = await ok("sami", ["logout"]);
    expect(r.stdout).toContain(`Logged out of ${server.url} (sami).`);
    expect(r.stderr).toBe("");
    const row = await server.store.db
      .selectFrom("auth_tokens")
      .select(["revoked_at", "revoked_by"])
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
    expect(row.revoked_by).toBe("sami");
    expect(statSync(configOf("sami")).isDirectory()).toBe(true);
    expect(existsSync(join(configOf("sami"), "credentials.json"))).toBe(false);
  });

  it("never shows an identity code or a secret in any output or server log line", () => {
    expect(outputs.length).toBeGreaterThan(60);
    expect(logLines.length).toBeGreaterThan(60);
    const all = [...outputs, ...logLines];
    for (const c of codes) for (const o of all) expect(o).not.toContain(c);
    for (const s of [...tokens.values(), RIKU_PASSWORD])
      for (const o of all) expect(o).not.toContain(s);
    expect(shownOnce.size).toBe(1);
    for (const [secret, where] of shownOnce)
      for (const o of all) if (o !== where) expect(o).not.toContain(secret);
  });
});
