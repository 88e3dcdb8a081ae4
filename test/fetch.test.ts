import { generateKeyPairSync } from "node:crypto";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "../src/auth/roles.js";
import { addUser } from "../src/auth/users.js";
import { fetchSource } from "../src/fetch/fetch-service.js";
import { parseConfig } from "../src/home/config.js";
import type { Home } from "../src/home/home.js";
import { ingest, lakeTables } from "../src/ingest/ingest-service.js";
import { JOB_KINDS } from "../src/jobs/kinds.js";
import { JobRunner } from "../src/jobs/runner.js";
import { LakeHost, registerHost, unregisterHost } from "../src/lake/host.js";
import { LOADED, startSchedules } from "../src/server/schedules.js";
import { DEFAULT_SYNTH_OPTIONS, runSynth } from "../src/synth/synth.js";
import { type BulkFile, type BulkServer, startBulkServer } from "./support/bulk-server.js";
import { CLI_TIMEOUT_MS, kaivoAsync } from "./support/cli.js";
import { type TestDeployment, tempDir, testDeployment } from "./support/stores.js";

const steward: Actor = { name: "stina", role: "steward" };
const admin: Actor = { name: "admin", role: "admin" };

/** A synthetic export as a Bulk Data server sends it: Patients plain, the rest gzipped. */
function bulkFiles(dir: string): { files: BulkFile[]; transactionTime: string } {
  const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as {
    transactionTime: string;
    output: Array<{ type: string; url: string }>;
  };
  return {
    transactionTime: manifest.transactionTime,
    files: manifest.output.map((o) => ({
      type: o.type,
      lines: readFileSync(join(dir, o.url), "utf8").split("\n").filter(Boolean),
      gzip: o.type !== "Patient",
    })),
  };
}

describe("kaivo fetch, then kaivo load, into a real lake", () => {
  const tmp = tempDir("kaivo-fetch-e2e-");
  let t: TestDeployment;
  let server: BulkServer;
  let expected: Record<string, number>;
  let home: Home;
  beforeAll(async () => {
    await runSynth({
      ...DEFAULT_SYNTH_OPTIONS,
      patients: 60,
      seed: 11,
      out: join(tmp.dir, "synth"),
    });
    const { files, transactionTime } = bulkFiles(join(tmp.dir, "synth", "fhir"));
    expected = Object.fromEntries(files.map((f) => [f.type, f.lines.length]));
    const pair = generateKeyPairSync("rsa", { modulusLength: 2048 });
    server = await startBulkServer(
      {
        output: files,
        transactionTime,
        pollsBeforeDone: 1,
        retryAfter: "1",
        rateLimitOnce: true,
        failMidStreamOnce: 1,
        errors: [
          JSON.stringify({
            resourceType: "OperationOutcome",
            issue: [{ severity: "error", code: "not-found", diagnostics: "Binary/x not found" }],
          }),
        ],
      },
      {
        clientId: "kaivo-test",
        publicKeyPem: pair.publicKey.export({ type: "spki", format: "pem" }).toString(),
        algorithm: "RS384",
      },
    );
    t = await testDeployment("sqlite");
    await addUser(t.store, admin, { name: "stina", role: "steward" });
    writeFileSync(
      join(t.home.dir, "keys", "bulk-ehr.pem"),
      pair.privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
      { mode: 0o600 },
    );
    const raw = {
      ...JSON.parse(readFileSync(t.home.configFile, "utf8")),
      fetch: {
        sources: {
          ehr: {
            baseUrl: server.baseUrl,
            auth: {
              tokenEndpoint: server.tokenUrl,
              clientId: "kaivo-test",
              keyFile: "keys/bulk-ehr.pem",
              algorithm: "RS384",
              scope: "system/*.rs",
            },
            pollMaxSeconds: 2,
          },
        },
      },
    };
    writeFileSync(t.home.configFile, JSON.stringify(raw, null, 2));
    home = { ...t.home, config: parseConfig(raw, t.home.configFile) };
  }, 120_000);
  afterAll(async () => {
    await server?.close();
    await t?.cleanup();
    tmp.remove();
  });

  it("fetches into inbox/ehr and loads what it fetched: every resource read, the people in the lake", async () => {
    const ctx = { home, store: t.store, actor: steward };
    const report = await fetchSource(ctx, "ehr", { load: true, baseDelayMs: 50 });
    expect(report.folder.startsWith(join(t.home.dir, "inbox", "ehr", "export-"))).toBe(true);
    expect(Object.fromEntries(report.output.map((f) => [f.type, f.count]))).toEqual(expected);
    expect(report.output.filter((f) => f.file.endsWith(".ndjson.gz")).length).toBe(
      report.output.length - 1,
    );
    expect(report.errors.issues).toEqual({ "not-found": 1 });
    const load = report.loads?.[0];
    expect(load?.alreadyLoaded).toBe(false);
    expect(load?.source).toBe("ehr");
    expect(load?.tables.person?.read).toBe(expected.Patient);
    expect(load?.tables.person?.inserted).toBe(60);
    const tables = await lakeTables(ctx);
    expect(tables.find((x) => x.table === "person")?.people).toBe(60);
    expect(tables.find((x) => x.table === "lab")?.rows).toBeGreaterThan(0);

    // The same export loaded again through `kaivo ingest` of the folder changes nothing.
    const again = await ingest(ctx, report.folder, { source: "ehr" });
    expect(again[0]?.alreadyLoaded).toBe(true);
  }, 120_000);

  it(
    "runs as `kaivo fetch ehr` from the CLI, the next export asking _since the last",
    async () => {
      server.scenario.rateLimitOnce = false;
      server.scenario.failMidStreamOnce = undefined;
      server.scenario.retryAfter = "0";
      server.scenario.transactionTime = "2026-01-05T00:00:00Z";
      const cli = (args: string[]) =>
        kaivoAsync([...args, "--as", "stina"], {
          env: { ...t.env, KAIVO_CONFIG_DIR: join(tmp.dir, "no-login") },
          cwd: tmp.dir,
        });
      const run = await cli(["fetch", "ehr", "--load"]);
      expect(run.stderr).toMatch(/asking for an export of what changed since/);
      expect(run.status).toBe(0);
      expect(run.stdout).toMatch(/Fetched ehr: export of 2026-01-05T00:00:00Z, changes since/);
      expect(run.stdout).toMatch(/into .*inbox\/ehr\/export-20260105T000000Z/);
      // The same records again: loaded, nothing changed in the lake.
      expect(run.stdout).toMatch(/Load \d+ \(ehr, export of 2026-01-05T00:00:00Z\)/);
      expect(run.stdout).toMatch(/person\s+60\s+0\s+0\s+60/);
      const list = await cli(["fetch"]);
      expect(list.stdout).toMatch(/^ehr\s+next _since 2026-01-05T00:00:00Z\n$/);
      expect(`${run.stdout}${run.stderr}`).not.toMatch(/bulk-token|BEGIN PRIVATE KEY/);
      const kicks = server.requests.filter((r) => r.path === "/fhir/$export");
      expect(kicks.at(-1)?.query._since).toBeDefined();
      expect(
        readdirSync(join(t.home.dir, "inbox", "ehr")).filter((n) => !n.startsWith(".")),
      ).toHaveLength(2);
    },
    CLI_TIMEOUT_MS,
  );

  it("leaves whole exports in the inbox that the server's schedule for the source loads", async () => {
    const served: Home = {
      ...home,
      config: {
        ...home.config,
        server: {
          ...home.config.server,
          schedules: [{ source: "ehr", cron: "30 2 * * *", user: "stina" }],
        },
      },
    };
    const host = await LakeHost.start(served);
    registerHost(host);
    const jobs = new JobRunner(served, t.store, host, JOB_KINDS);
    await jobs.start();
    try {
      const failures: string[] = [];
      const schedules = await startSchedules(
        served,
        t.store,
        jobs,
        { onFailure: (_source, f) => failures.push(f.error) },
        { quietMs: 0 },
      );
      try {
        const done = await schedules.runNow("ehr");
        expect(failures).toEqual([]);
        expect(done.map((j) => [j.status, (j.params as { path: string }).path])).toEqual([
          ["done", expect.stringMatching(/^ehr\/export-\d{8}T\d{6}Z$/)],
          ["done", "ehr/export-20260105T000000Z"],
        ]);
        expect(readdirSync(join(t.home.dir, "inbox", "ehr"))).toEqual([LOADED]);
      } finally {
        schedules.stop();
      }
    } finally {
      await jobs.stop();
      unregisterHost(host);
      host.close();
    }
  }, 120_000);

  it("fetches as a server job on a schedule with fetch, then loads what it fetched", async () => {
    server.scenario.transactionTime = "2026-01-09T00:00:00Z";
    const served: Home = {
      ...home,
      config: {
        ...home.config,
        server: {
          ...home.config.server,
          schedules: [{ source: "ehr", cron: "30 2 * * *", user: "stina", fetch: true }],
        },
      },
    };
    const host = await LakeHost.start(served);
    registerHost(host);
    const jobs = new JobRunner(served, t.store, host, JOB_KINDS);
    await jobs.start();
    try {
      const failures: string[] = [];
      const fetched: unknown[] = [];
      const schedules = await startSchedules(served, t.store, jobs, {
        onFailure: (_source, f) => failures.push(f.error),
        onFetched: (_source, job) => fetched.push(job.result),
      });
      try {
        const done = await schedules.runNow("ehr");
        expect(failures).toEqual([]);
        expect(fetched).toEqual([
          expect.objectContaining({
            source: "ehr",
            folder: "inbox/ehr/export-20260109T000000Z",
            transactionTime: "2026-01-09T00:00:00Z",
            since: "2026-01-05T00:00:00Z",
            files: Object.keys(expected).length,
          }),
        ]);
        // Fetched and renamed into place whole, it loads at once (no quiet period).
        expect(done.map((j) => [j.status, (j.params as { path: string }).path])).toEqual([
          ["done", "ehr/export-20260109T000000Z"],
        ]);
        expect(JSON.stringify(fetched)).not.toMatch(/bulk-token|BEGIN PRIVATE KEY/);
      } finally {
        schedules.stop();
      }
      // A schedule that fetches a source fetch.sources lacks is refused at start.
      const wrong: Home = {
        ...served,
        config: {
          ...served.config,
          server: {
            ...served.config.server,
            schedules: [{ source: "lab", cron: "30 2 * * *", user: "stina", fetch: true }],
          },
        },
      };
      await expect(startSchedules(wrong, t.store, jobs, { onFailure: () => {} })).rejects.toThrow(
        /fetch.sources has no source lab/,
      );
    } finally {
      await jobs.stop();
      unregisterHost(host);
      host.close();
    }
  }, 120_000);
});
