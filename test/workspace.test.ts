import { spawnSync } from "node:child_process";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "../src/auth/roles.js";
import { addUser } from "../src/auth/users.js";
import { validateCohort } from "../src/cohort/cohort-service.js";
import { type Home, initHome } from "../src/home/home.js";
import { ingest } from "../src/ingest/ingest-service.js";
import {
  activatePermit,
  approvePermit,
  type Ctx,
  closePermit,
  draftPermit,
  reviewPermit,
  submitPermit,
} from "../src/permits/permit-service.js";
import { createRelease } from "../src/release/release-service.js";
import { ConflictError, ForbiddenError } from "../src/shared/errors.js";
import { type ControlStore, openControlStore } from "../src/store/control-store.js";
import { DEFAULT_SYNTH_OPTIONS, runSynth } from "../src/synth/synth.js";
import { SandboxUnavailableError } from "../src/workspace/sandbox.js";
import { listWorkspaces, runWorkspaceSql } from "../src/workspace/workspace-service.js";
import { kaivo } from "./support/cli.js";
import { tempDir } from "./support/stores.js";

const riku: Actor = { name: "riku", role: "researcher" };
const ville: Actor = { name: "ville", role: "researcher" };
const reija: Actor = { name: "reija", role: "reviewer" };
const stina: Actor = { name: "stina", role: "steward" };

/** Whether bubblewrap can make its namespaces here; the sandbox tests need it. */
const bwrapWorks =
  spawnSync("bwrap", ["--unshare-all", "--ro-bind", "/", "/", "true"]).status === 0;
/** Shown in a skipped test's name, so a run without bubblewrap says why. */
const needsBwrap = (name: string) => (bwrapWorks ? name : `${name} (skipped: ${NO_BWRAP})`);
const NO_BWRAP =
  "bubblewrap cannot create namespaces on this machine (install it, enable user namespaces)";

const tmp = tempDir("kaivo-workspace-");
afterAll(() => tmp.remove());
let home: Home;
let store: ControlStore;
let persons = 0;
const ctx = (actor: Actor): Ctx => ({ home, store, actor });
const sqlAs = (actor: Actor, text: string, permit = "P-WS") =>
  runWorkspaceSql(ctx(actor), permit, text);

async function activePermit(id: string, hash: string) {
  await draftPermit(ctx(riku), {
    id,
    title: "Workspace study",
    organisation: "University of Helsinki",
    legalBasis: "Secondary Use Act 552/2019, scientific research",
    purpose: "How glycaemic control develops after diagnosis.",
    validUntil: new Date(Date.now() + 365 * 86_400_000).toISOString().slice(0, 10),
    scope: {
      cohort: { name: "t2d-any", hash },
      tables: {
        "clinical.person": ["sex", "birth_date"],
        "clinical.lab": ["event_date", "local_code", "value", "unit"],
      },
      period: { from: "1990-01-01", to: "2025-12-31" },
      formats: ["parquet"],
      rules: { birthDate: "year", dateShiftDays: 10, postalCodeDigits: 3, outputThreshold: 5 },
    },
  });
  await submitPermit(ctx(riku), id, "ready");
  await reviewPermit(ctx(reija), id, "taking it");
  await approvePermit(ctx(reija), id, "fine");
  await activatePermit(ctx(stina), id, "go");
}

beforeAll(async () => {
  const data = join(tmp.dir, "synth");
  await runSynth({ ...DEFAULT_SYNTH_OPTIONS, patients: 300, seed: 5, out: data });
  home = initHome(join(tmp.dir, "home"), {}).home;
  store = await openControlStore(home);
  const system: Actor = { name: "system", role: "admin" };
  for (const a of [riku, ville, reija, stina])
    await addUser(store, system, { name: a.name, role: a.role });
  await ingest(ctx(stina), data);
  const v = await validateCohort(ctx(riku), {
    name: "t2d-any",
    codeSets: { t2d: { system: "icd10", codes: ["E11*"] } },
    entry: { events: { table: "clinical.diagnosis", codeSet: "t2d" } },
  });
  await activePermit("P-WS", v.hash);
  persons = (await createRelease(ctx(stina), "P-WS")).persons;
  await activePermit("P-CLOSED", v.hash);
  await createRelease(ctx(stina), "P-CLOSED");
  await closePermit(ctx(stina), "P-CLOSED", "study ended");
  await activePermit("P-EMPTY", v.hash);
}, 300_000);
afterAll(async () => {
  await store?.close();
});

describe("who may use a workspace", () => {
  it.skipIf(!bwrapWorks)(
    needsBwrap("gives a team member the count of a release table, audited without values"),
    async () => {
      const r = await sqlAs(riku, "select count(*) as n from clinical.person");
      expect(r.rows).toEqual([[String(persons)]]);
      expect(persons).toBeGreaterThan(0);
      const entry = await store.db
        .selectFrom("audit_log")
        .selectAll()
        .where("action", "=", "workspace.sql")
        .orderBy("seq", "desc")
        .executeTakeFirstOrThrow();
      const details = JSON.parse(entry.details) as Record<string, unknown>;
      expect(details).toMatchObject({ outcome: "ok", rows: 1, sqlBytes: 41 });
      expect(entry.details).not.toContain(String(persons));
    },
    60_000,
  );

  it("refuses a researcher not on the team, a closed permit and a permit without a release", async () => {
    await expect(sqlAs(ville, "select 1")).rejects.toThrow(/No permit P-WS with ville on its team/);
    await expect(sqlAs(ville, "select 1")).rejects.toBeInstanceOf(ForbiddenError);
    await expect(sqlAs(riku, "select 1", "P-CLOSED")).rejects.toThrow(
      /is closed: its workspace is open only while/,
    );
    await expect(sqlAs(riku, "select 1", "P-EMPTY")).rejects.toBeInstanceOf(ConflictError);
    await expect(sqlAs(riku, "select 1", "P-EMPTY")).rejects.toThrow(/no finished release/);
    await expect(sqlAs(stina, "select 1")).rejects.toBeInstanceOf(ForbiddenError);
  });

  it("lists the workspaces a researcher may use", async () => {
    const list = await listWorkspaces(ctx(riku));
    expect(list.map((w) => [w.permit, w.release])).toEqual([
      ["P-EMPTY", null],
      ["P-WS", "P-WS-r1"],
    ]);
    expect(list[1]?.tables).toEqual(["clinical.lab", "clinical.person"]);
    expect(await listWorkspaces(ctx(ville))).toEqual([]);
  });
});

describe.skipIf(!bwrapWorks)(needsBwrap("the sandbox"), () => {
  // Each refusal is DuckDB's own (files, extensions, settings) or a function that is not there.
  const refused = (text: string) =>
    expect(sqlAs(riku, text)).rejects.toThrow(
      /Permission Error|disabled by configuration|configuration has been locked|does not exist/,
    );
  const keyFile = () => join(home.dir, "keys", "lake.key");
  const control = () => join(home.dir, "control.sqlite");
  const lake = () => join(home.dir, "lake.duckdb");

  it.each([
    ["read_csv", () => "select * from read_csv('/etc/passwd')"],
    ["read_text", () => "select * from read_text('/etc/hostname')"],
    ["glob", () => "select * from glob('/*')"],
    ["sniff_csv", () => "select * from sniff_csv('/etc/passwd')"],
    ["COPY TO", () => "copy (select 1) to '/tmp/x.csv'"],
    ["ATTACH the lake", () => `attach '${lake()}' as l`],
    ["INSTALL", () => "install httpfs"],
    ["LOAD", () => "load httpfs"],
    ["SET external access", () => "set enable_external_access = true"],
    ["RESET external access", () => "reset enable_external_access"],
    ["getenv", () => "select getenv('HOME')"],
    ["the lake key by read_text", () => `select * from read_text('${keyFile()}')`],
    ["the lake key by read_blob", () => `select * from read_blob('${keyFile()}')`],
    ["the control store by read_csv", () => `select * from read_csv('${control()}')`],
    ["the control store by ATTACH", () => `attach '${control()}' as c (type sqlite)`],
    [
      "a path out of the release",
      () => "select * from read_text('/release/data/../../usr/lib/os-release')",
    ],
  ])(
    "refuses %s",
    async (_name, text) => {
      await refused(text());
    },
    60_000,
  );

  it("has no network: node inside cannot reach a loopback server outside", async () => {
    const server: Server = createServer((s) => s.end("hello"));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const probe = spawnSync(
        "bwrap",
        [
          "--unshare-all",
          "--die-with-parent",
          "--ro-bind",
          "/",
          "/",
          process.execPath,
          "-e",
          `require("net").connect(${port},"127.0.0.1").on("connect",()=>{console.log("connected");process.exit(0)}).on("error",e=>{console.log(e.code);process.exit(1)})`,
        ],
        { encoding: "utf8", timeout: 20_000 },
      );
      expect(probe.stdout.trim()).toBe("ECONNREFUSED");
      // The same probe outside the sandbox connects: the refusal is the sandbox's.
      const outside = spawnSync(
        process.execPath,
        [
          "-e",
          `require("net").connect(${port},"127.0.0.1").on("connect",()=>{console.log("connected");process.exit(0)}).on("error",e=>{console.log(e.code);process.exit(1)})`,
        ],
        { encoding: "utf8", timeout: 20_000 },
      );
      expect(outside.stdout.trim()).toBe("connected");
    } finally {
      server.close();
    }
  }, 60_000);

  it("stops a runaway query at its time limit, and the next query runs", async () => {
    const original = home.config.workspace.timeoutSeconds;
    (home.config.workspace as { timeoutSeconds: number }).timeoutSeconds = 2;
    try {
      const started = Date.now();
      await expect(
        sqlAs(riku, "select sum(a.range * b.range) from range(1000000) a, range(1000000) b"),
      ).rejects.toThrow(/ran longer than 2 s \(workspace\.timeoutSeconds\)/);
      expect(Date.now() - started).toBeLessThan(15_000);
    } finally {
      (home.config.workspace as { timeoutSeconds: number }).timeoutSeconds = original;
    }
    expect((await sqlAs(riku, "select 1 as x")).rows).toEqual([[1]]);
  }, 60_000);

  it("stops a memory-hungry query at its cap, and the next query runs", async () => {
    const original = home.config.workspace.memoryLimit;
    (home.config.workspace as { memoryLimit: string }).memoryLimit = "200MB";
    try {
      await expect(
        sqlAs(riku, "select string_agg(i::varchar) from range(200000000) t(i)"),
      ).rejects.toThrow(/more than its memory cap of 200MB/);
    } finally {
      (home.config.workspace as { memoryLimit: string }).memoryLimit = original;
    }
    expect((await sqlAs(riku, "select count(*) from clinical.lab")).rowCount).toBe(1);
  }, 60_000);
});

describe.skipIf(!bwrapWorks)(needsBwrap("kaivo workspace"), () => {
  it("runs the SQL on standard input as the --as user, as a table or JSON", () => {
    const env = { KAIVO_HOME: home.dir, PATH: process.env.PATH ?? "" };
    const sql = "select count(*) as n from clinical.person";
    const table = kaivo(["workspace", "sql", "P-WS", "--as", "riku"], env, sql);
    expect(table.stderr).toBe("");
    expect(table.stdout).toMatch(
      new RegExp(`^n\\s*\\n-+\\s*\\n${persons}\\s*\\n1 row\\(s\\) from P-WS-r1`),
    );
    const json = kaivo(["workspace", "sql", "P-WS", "--json", "--as", "riku"], env, sql);
    expect(JSON.parse(json.stdout)).toMatchObject({ rows: [[String(persons)]], rowCount: 1 });
    const refused = kaivo(["workspace", "sql", "P-WS", "--as", "ville"], env, sql);
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toMatch(/No permit P-WS with ville on its team/);
    const list = kaivo(["workspace", "list", "--as", "riku"], env);
    expect(list.stdout).toMatch(/^P-WS {2}P-WS-r1 {2}clinical\.lab, clinical\.person/m);
  }, 120_000);
});

describe("without bubblewrap", () => {
  it("refuses to run, naming the problem and the fix, never unsandboxed", async () => {
    const path = process.env.PATH;
    process.env.PATH = "/nonexistent";
    const error = await sqlAs(riku, "select 1")
      .catch((e: unknown) => e)
      .finally(() => {
        process.env.PATH = path;
      });
    expect(error).toBeInstanceOf(SandboxUnavailableError);
    expect((error as SandboxUnavailableError).message).toMatch(
      /bubblewrap \(bwrap\) is not on PATH/,
    );
    expect((error as SandboxUnavailableError).hint).toMatch(/apt-get install bubblewrap/);
  });
});
