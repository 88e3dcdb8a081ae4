import { spawn } from "node:child_process";
import { cpSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "../src/auth/roles.js";
import { addUser } from "../src/auth/users.js";
import { validateCohort } from "../src/cohort/cohort-service.js";
import { feasibility } from "../src/feasibility/feasibility-service.js";
import type { Home } from "../src/home/home.js";
import { writeServerLock } from "../src/home/server-lock.js";
import { lakeSnapshots } from "../src/ingest/ingest-service.js";
import { JOB_KINDS } from "../src/jobs/kinds.js";
import { JobRunner } from "../src/jobs/runner.js";
import { inboxDir, LakeHost, registerHost, unregisterHost } from "../src/lake/host.js";
import { Lake } from "../src/lake/lake.js";
import { sql } from "../src/lake/sql.js";
import {
  activatePermit,
  approvePermit,
  draftPermit,
  reviewPermit,
  submitPermit,
} from "../src/permits/permit-service.js";
import type { ControlStore } from "../src/store/control-store.js";
import { DEFAULT_SYNTH_OPTIONS, runSynth } from "../src/synth/synth.js";
import { DIALECTS, type TestDeployment, tempDir, testDeployment } from "./support/stores.js";

/**
 * The server's lake host and job runner in this process, on a real home: writes queue behind one
 * another and beside concurrent reads, cancelling interrupts, direct mode is refused while a
 * server holds the home.
 */
const stina: Actor = { name: "stina", role: "steward" };
const riku: Actor = { name: "riku", role: "researcher" };
const reija: Actor = { name: "reija", role: "reviewer" };
const tmp = tempDir("kaivo-server-jobs-");
let home: Home;
let store: ControlStore;
let deployment: TestDeployment;
/** The jobs table on PostgreSQL when CI provides it (its ids come back as strings there). */
const dialect = DIALECTS.includes("postgres") ? "postgres" : "sqlite";
let host: LakeHost;
let jobs: JobRunner;
const t2d = JSON.parse(
  readFileSync(join(import.meta.dirname, "../examples/cohorts/t2d-hba1c.json"), "utf8"),
);

beforeAll(async () => {
  const data = join(tmp.dir, "synth");
  await runSynth({ ...DEFAULT_SYNTH_OPTIONS, patients: 300, seed: 3, days: 1, out: data });
  deployment = await testDeployment(dialect);
  home = deployment.home;
  store = deployment.store;
  for (const a of [stina, riku, reija]) await addUser(store, { name: "system", role: "admin" }, a);
  host = await LakeHost.start(home);
  registerHost(host);
  cpSync(data, join(inboxDir(home), "ehr"), { recursive: true });
  jobs = new JobRunner(home, store, host, JOB_KINDS);
  await jobs.start();
}, 120_000);

afterAll(async () => {
  await jobs?.stop();
  if (host) {
    unregisterHost(host);
    host.close();
  }
  await deployment?.cleanup();
  tmp.remove();
});

async function activePermit(id: string) {
  const as = (actor: Actor) => ({ home, store, actor });
  const cohort = await validateCohort(as(riku), t2d, "t2d");
  await draftPermit(as(riku), {
    id,
    title: "Server test study",
    organisation: "University of Helsinki",
    legalBasis: "Secondary Use Act 552/2019, scientific research",
    purpose: "Testing that releases queue behind loads.",
    validUntil: new Date(Date.now() + 365 * 86_400_000).toISOString().slice(0, 10),
    scope: {
      cohort: { name: cohort.name, hash: cohort.hash },
      tables: { "clinical.person": ["sex", "birth_date"], "clinical.diagnosis": ["code"] },
      period: { from: "1990-01-01", to: "2025-12-31" },
    },
  });
  await submitPermit(as(riku), id, "ready");
  await reviewPermit(as(reija), id, "taking it");
  await approvePermit(as(reija), id, "fine");
  await activatePermit(as(stina), id, "go");
}

describe("jobs on the server's lake", () => {
  it("runs two ingests and a release one after the other while 20 feasibility requests read beside them", async () => {
    const first = await jobs.submit(stina, "ingest", { path: "ehr/fhir" }, "initial export");
    const done1 = await jobs.waitFor(first.id);
    expect(done1.status, done1.error ?? "").toBe("done");
    await activePermit("SRV-1");
    const second = await jobs.submit(stina, "ingest", { path: "ehr/day-1" }, "daily export");
    const release = await jobs.submit(stina, "release", { permit: "SRV-1" }, "first release");
    expect([second.status, release.status]).toEqual(["queued", "queued"]);
    // Reads now run on connections of their own while the second load writes.
    const reads = Array.from({ length: 20 }, (_, i) =>
      feasibility({ home, store, actor: i % 2 ? stina : riku }, t2d, { source: "t2d" }),
    );
    const results = await Promise.allSettled(reads);
    const failed = results.filter((r) => r.status === "rejected");
    // Researchers run into their own rate limit (10 a minute); nothing else may fail.
    for (const f of failed)
      expect(String((f as PromiseRejectedResult).reason?.message)).toMatch(/at most|limit|budget/i);
    expect(results.filter((r) => r.status === "fulfilled").length).toBeGreaterThanOrEqual(10);
    const done2 = await jobs.waitFor(second.id);
    expect(done2.status, done2.error ?? "").toBe("done");
    const snapshots = await lakeSnapshots({ home, store, actor: stina });
    expect(snapshots.map((s) => s.loadId)).toEqual([1, 2]);
    expect((done2.result as { loads: Array<{ loadId: number }> }).loads[0]?.loadId).toBe(2);
    const released = await jobs.waitFor(release.id);
    expect(released.status, released.error ?? "").toBe("done");
    // Queued behind the daily load, the release is of its snapshot.
    expect(released.result).toMatchObject({ permit: "SRV-1", number: 1, snapshot: 2 });
  }, 300_000);

  it("checks a job before queueing it: permission, parameters, the inbox", async () => {
    await expect(jobs.submit(riku, "ingest", { path: "ehr/fhir" }, "x")).rejects.toThrow(/may not/);
    await expect(jobs.submit(stina, "ingest", { path: "../keys" }, "x")).rejects.toThrow(
      /relative to the server's inbox/,
    );
    await expect(jobs.submit(stina, "ingest", { path: "nothing-here" }, "x")).rejects.toThrow(
      /no nothing-here in the inbox/,
    );
    await expect(jobs.submit(stina, "ingest", { path: 5 }, "x")).rejects.toThrow(/not valid/);
    await expect(jobs.submit(stina, "nonsense", {}, "x")).rejects.toThrow(/no job of kind/);
    const queued = await store.db
      .selectFrom("jobs")
      .selectAll()
      .where("status", "=", "queued")
      .execute();
    expect(queued).toEqual([]);
  });

  it("lets readers see a consistent lake and refuses their writes", async () => {
    const lake = await Lake.open(home, { readOnly: true });
    try {
      await expect(lake.query(sql`delete from main._loads`)).rejects.toThrow(/read-only/);
    } finally {
      lake.close();
    }
  });

  it("shows researchers their own jobs only, and stewards all", async () => {
    expect((await jobs.list(riku)).length).toBe(0);
    expect((await jobs.list(stina)).length).toBeGreaterThanOrEqual(2);
    const someone = (await jobs.list(stina))[0];
    await expect(jobs.get(riku, someone?.id ?? 0)).rejects.toThrow(/no job/);
  });

  it("cancels a queued job, and interrupts a running one so nothing of it lands", async () => {
    // A writer holding the slot keeps the next job queued long enough to cancel it.
    const release = await host.acquireWriter();
    const blocked = await jobs.submit(stina, "optout.refresh", {}, "after register change");
    const queued = await jobs.submit(stina, "optout.refresh", {}, "again");
    await jobs.cancel(stina, queued.id);
    release();
    expect((await jobs.waitFor(blocked.id)).status).toBe("done");
    const cancelled = await jobs.waitFor(queued.id);
    expect(cancelled.status).toBe("cancelled");
    expect(cancelled.startedAt).toBeNull();

    const loadsBefore = (await lakeSnapshots({ home, store, actor: stina })).length;
    cpSync(join(tmp.dir, "synth", "fhir"), join(inboxDir(home), "again"), { recursive: true });
    // A changed export (another source) is a new load: long enough to interrupt.
    const running = await jobs.submit(stina, "ingest", { path: "again", source: "other" }, "test");
    await new Promise<void>((resolve) => {
      const stop = jobs.subscribe(running.id, (e) => {
        if (e.status === "running") {
          stop();
          resolve();
        }
      });
    });
    await new Promise((r) => setTimeout(r, 300));
    await jobs.cancel(stina, running.id);
    const after = await jobs.waitFor(running.id);
    expect(after.status, after.error ?? "").toBe("cancelled");
    expect((await lakeSnapshots({ home, store, actor: stina })).length).toBe(loadsBefore);
    // The lake takes the same load afterwards: the interrupted one left nothing behind.
    const rerun = await jobs.submit(stina, "ingest", { path: "again", source: "other" }, "rerun");
    expect((await jobs.waitFor(rerun.id)).status).toBe("done");
    expect((await lakeSnapshots({ home, store, actor: stina })).length).toBe(loadsBefore + 1);
  }, 300_000);

  it("refuses direct mode while a server process holds the home", async () => {
    const other = spawn("sleep", ["30"]);
    try {
      // Another process's lock: this process is then "direct mode" for a second home object.
      const direct = { ...home, dir: home.dir };
      unregisterHost(host);
      writeServerLock(direct, { pid: other.pid ?? 0, url: "http://127.0.0.1:9", startedAt: "" });
      await expect(Lake.open(direct, { readOnly: true })).rejects.toThrow(
        /A Kaivo server \(process \d+, http:\/\/127\.0\.0\.1:9\) holds this home's lake/,
      );
    } finally {
      other.kill();
      registerHost(host);
    }
  });
});
