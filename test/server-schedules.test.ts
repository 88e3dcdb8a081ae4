import { cpSync, existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "../src/auth/roles.js";
import { addUser } from "../src/auth/users.js";
import type { Home } from "../src/home/home.js";
import { lakeSnapshots } from "../src/ingest/ingest-service.js";
import type { Job } from "../src/jobs/job.js";
import { JOB_KINDS } from "../src/jobs/kinds.js";
import { JobRunner } from "../src/jobs/runner.js";
import { inboxDir, LakeHost, registerHost, unregisterHost } from "../src/lake/host.js";
import { LOADED, startSchedules } from "../src/server/schedules.js";
import { DEFAULT_SYNTH_OPTIONS, runSynth } from "../src/synth/synth.js";
import { type TestDeployment, tempDir, testDeployment } from "./support/stores.js";

/**
 * Scheduled loads: the exports in a source's inbox folder load in name order as the schedule's
 * steward, move to .loaded/ when done; a broken one fails visibly, stays, stops the later ones,
 * and leaves the lake as it was.
 */
const stina: Actor = { name: "stina", role: "steward" };
const tmp = tempDir("kaivo-schedules-");
let t: TestDeployment;
let home: Home;
let host: LakeHost;
let jobs: JobRunner;
const failures: Array<{ source: string; failure: { job?: Job; error: string } }> = [];

beforeAll(async () => {
  const data = join(tmp.dir, "synth");
  await runSynth({ ...DEFAULT_SYNTH_OPTIONS, patients: 200, seed: 8, days: 1, out: data });
  t = await testDeployment("sqlite");
  await addUser(t.store, { name: "system", role: "admin" }, stina);
  await addUser(t.store, { name: "system", role: "admin" }, { name: "riku", role: "researcher" });
  home = {
    ...t.home,
    config: {
      ...t.home.config,
      server: {
        ...t.home.config.server,
        schedules: [{ source: "ehr", cron: "30 2 * * *", user: "stina" }],
      },
    },
  };
  const ehr = join(inboxDir(home), "ehr");
  mkdirSync(ehr, { recursive: true });
  cpSync(join(data, "fhir"), join(ehr, "2025-12-31"), { recursive: true });
  cpSync(join(data, "day-1", "fhir"), join(ehr, "2026-01-01"), { recursive: true });
  // Still being copied: a dot name is never picked up.
  cpSync(join(data, "day-1", "fhir"), join(ehr, ".incoming-2026-01-02"), { recursive: true });
  host = await LakeHost.start(home);
  registerHost(host);
  jobs = new JobRunner(home, t.store, host, JOB_KINDS);
  await jobs.start();
}, 120_000);

afterAll(async () => {
  await jobs?.stop();
  if (host) {
    unregisterHost(host);
    host.close();
  }
  await t?.cleanup();
  tmp.remove();
});

describe("scheduled loads", () => {
  it("refuses a schedule that runs as someone who may not load data", async () => {
    const bad = {
      ...home,
      config: {
        ...home.config,
        server: {
          ...home.config.server,
          schedules: [{ source: "ehr", cron: "* * * * *", user: "riku" }],
        },
      },
    };
    await expect(startSchedules(bad, t.store, jobs, { onFailure: () => {} })).rejects.toThrow(
      /runs as riku, who may not load data/,
    );
  });

  it("loads each complete export in name order as the schedule's steward and moves it to .loaded", async () => {
    const s = await startSchedules(
      home,
      t.store,
      jobs,
      { onFailure: (source, failure) => failures.push({ source, failure }) },
      { quietMs: 0 },
    );
    try {
      const done = await s.runNow("ehr");
      expect(done.map((j) => [j.status, (j.params as { path: string }).path])).toEqual([
        ["done", "ehr/2025-12-31"],
        ["done", "ehr/2026-01-01"],
      ]);
      expect(done.every((j) => j.requestedBy === "stina")).toBe(true);
      const ehr = join(inboxDir(home), "ehr");
      expect(readdirSync(join(ehr, LOADED)).sort()).toEqual(["2025-12-31", "2026-01-01"]);
      expect(existsSync(join(ehr, ".incoming-2026-01-02"))).toBe(true);
      expect((await lakeSnapshots({ home, store: t.store, actor: stina })).length).toBe(2);
      // Nothing new: nothing runs.
      expect(await s.runNow("ehr")).toEqual([]);
    } finally {
      s.stop();
    }
  }, 240_000);

  it("reports a broken export, leaves it and the lake as they were, and waits with the later ones", async () => {
    const ehr = join(inboxDir(home), "ehr");
    mkdirSync(join(ehr, "2026-01-03"));
    writeFileSync(join(ehr, "2026-01-03", "manifest.json"), "{ not a manifest");
    cpSync(join(ehr, ".incoming-2026-01-02"), join(ehr, "2026-01-04"), { recursive: true });
    const s = await startSchedules(
      home,
      t.store,
      jobs,
      { onFailure: (source, failure) => failures.push({ source, failure }) },
      { quietMs: 0 },
    );
    try {
      const done = await s.runNow("ehr");
      expect(done.filter((j) => j.status === "done")).toEqual([]);
      expect(failures.length).toBe(1);
      expect(failures[0]?.source).toBe("ehr");
      expect(failures[0]?.failure.error).toBeTruthy();
      expect(existsSync(join(ehr, "2026-01-03"))).toBe(true);
      expect(existsSync(join(ehr, "2026-01-04"))).toBe(true);
      expect((await lakeSnapshots({ home, store: t.store, actor: stina })).length).toBe(2);
    } finally {
      s.stop();
    }
  }, 240_000);
});
