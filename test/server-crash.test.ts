import { type ChildProcess, spawn } from "node:child_process";
import { cpSync, existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyChain } from "../src/audit/log.js";
import type { Actor } from "../src/auth/roles.js";
import { addUser } from "../src/auth/users.js";
import { type Home, initHome } from "../src/home/home.js";
import { readJob } from "../src/jobs/job-store.js";
import { JOB_KINDS } from "../src/jobs/kinds.js";
import { JobRunner } from "../src/jobs/runner.js";
import { inboxDir } from "../src/lake/host.js";
import { type ControlStore, openControlStore } from "../src/store/control-store.js";
import { DEFAULT_SYNTH_OPTIONS, runSynth } from "../src/synth/synth.js";
import { tempDir } from "./support/stores.js";

/**
 * kill -9 of `kaivo serve` while a job runs, then a restart: the job resumes (a load is one
 * transaction, so running it again completes it) or fails visibly, never stays "running", and
 * the lake holds the load exactly once.
 */
const MAIN = join(import.meta.dirname, "../dist/cli/main.js");
const stina: Actor = { name: "stina", role: "steward" };
const tmp = tempDir("kaivo-server-crash-");
let home: Home;
let store: ControlStore;
let server: ChildProcess | undefined;

function serve(): Promise<ChildProcess> {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\`.`);
  const child = spawn(process.execPath, [MAIN, "serve", "--port", "0"], {
    env: { PATH: process.env.PATH, KAIVO_HOME: home.dir, NODE_ENV: "test" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  return new Promise((resolve, reject) => {
    let err = "";
    child.stderr?.on("data", (d: Buffer) => {
      err += d.toString();
      if (/Kaivo serves .* at http/.test(err)) resolve(child);
    });
    child.once("exit", (code) => reject(new Error(`kaivo serve exited (${code}): ${err}`)));
  });
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 120_000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  const data = join(tmp.dir, "synth");
  await runSynth({ ...DEFAULT_SYNTH_OPTIONS, patients: 600, seed: 4, out: data });
  home = initHome(join(tmp.dir, "home"), {}).home;
  store = await openControlStore(home);
  await addUser(store, { name: "system", role: "admin" }, stina);
  cpSync(data, join(inboxDir(home), "ehr"), { recursive: true });
}, 120_000);

afterAll(async () => {
  server?.kill("SIGKILL");
  await store?.close();
  tmp.remove();
});

describe("kill -9 of the server during a job", () => {
  it("resumes the load at the next start; the lake has it once and the audit chain holds", async () => {
    server = await serve();
    // Asked for from another process on the same control store: the server's runner takes it.
    const asker = new JobRunner(home, store, undefined, JOB_KINDS);
    const job = await asker.submit(stina, "ingest", { path: "ehr/fhir" }, "crash test");
    await until("the job to run", async () =>
      (await readJob(store, job.id))?.status === "running" ? true : undefined,
    );
    await new Promise((r) => setTimeout(r, 700));
    server.kill("SIGKILL");
    await new Promise((r) => server?.once("exit", r));
    const cut = await readJob(store, job.id);
    expect(cut?.status).toBe("running");

    server = await serve();
    const after = await until("the job to finish", async () => {
      const j = await readJob(store, job.id);
      return j && ["done", "failed", "cancelled"].includes(j.status) ? j : undefined;
    });
    expect(after.status, after.error ?? "").toBe("done");
    expect(after.attempts).toBe(2);
    const loads = (after.result as { loads: Array<{ loadId: number; inserted: number }> }).loads;
    expect(loads.map((l) => l.loadId)).toEqual([1]);
    const actions = await store.db
      .selectFrom("audit_log")
      .select("action")
      .where("target", "=", `job:${job.id}`)
      .orderBy("seq")
      .execute();
    expect(actions.map((a) => a.action)).toEqual(["job.resumed", "job.done"]);
    expect((await verifyChain(store)).ok).toBe(true);
    server.kill("SIGTERM");
    await new Promise((r) => server?.once("exit", r));
    server = undefined;
  }, 300_000);
});
