// Benchmark for the workspace sandbox: a release of a synthetic cohort (BENCH_PATIENTS people,
// type 2 diabetes), then the first query's latency (a whole sandboxed start) and an aggregate
// over the release's lab table in the sandbox against the same query in an unsandboxed
// in-process DuckDB over the same Parquet files, with the ratio (goal: within 1.5x; start < 3 s).
// Usage: npm run build && node bench/workspace.mjs   (BENCH_PATIENTS=3000 BENCH_RUNS=5)
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";

const patients = Number(process.env.BENCH_PATIENTS ?? 3000);
const runs = Number(process.env.BENCH_RUNS ?? 5);
const root = join(import.meta.dirname, "..");
const load = (p) => import(join(root, "dist", p));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const { runSynth, DEFAULT_SYNTH_OPTIONS } = await load("synth/synth.js");
const { initHome } = await load("home/home.js");
const { openControlStore } = await load("store/control-store.js");
const { addUser } = await load("auth/users.js");
const { ingest } = await load("ingest/ingest-service.js");
const { validateCohort } = await load("cohort/cohort-service.js");
const permits = await load("permits/permit-service.js");
const { createRelease } = await load("release/release-service.js");
const { runWorkspaceSql } = await load("workspace/workspace-service.js");

const dir = mkdtempSync(join(tmpdir(), "kaivo-bench-workspace-"));
try {
  await runSynth({ ...DEFAULT_SYNTH_OPTIONS, patients, seed: 7, out: join(dir, "synth") });
  const { home } = initHome(join(dir, "home"), {});
  const store = await openControlStore(home);
  const as = (name, role) => ({ home, store, actor: { name, role } });
  for (const [name, role] of [
    ["riku", "researcher"],
    ["reija", "reviewer"],
    ["stina", "steward"],
  ])
    await addUser(store, { name: "system", role: "admin" }, { name, role });
  await ingest(as("stina", "steward"), join(dir, "synth"));
  const cohort = await validateCohort(as("riku", "researcher"), {
    name: "t2d",
    codeSets: { t2d: { system: "icd10", codes: ["E11*"] } },
    entry: { events: { table: "clinical.diagnosis", codeSet: "t2d" } },
  });
  await permits.draftPermit(as("riku", "researcher"), {
    id: "BENCH-1",
    title: "Bench",
    organisation: "Bench",
    legalBasis: "Secondary Use Act",
    purpose: "Benchmark of the workspace.",
    validUntil: "2099-12-31",
    scope: {
      cohort: { name: "t2d", hash: cohort.hash },
      tables: { "clinical.person": ["sex"], "clinical.lab": ["event_date", "local_code", "value"] },
      period: { from: "1990-01-01", to: "2025-12-31" },
      formats: ["parquet"],
      rules: { birthDate: "year", dateShiftDays: 0, postalCodeDigits: 3, outputThreshold: 5 },
    },
  });
  await permits.submitPermit(as("riku", "researcher"), "BENCH-1", "ready");
  await permits.reviewPermit(as("reija", "reviewer"), "BENCH-1", "ok");
  await permits.approvePermit(as("reija", "reviewer"), "BENCH-1", "ok");
  await permits.activatePermit(as("stina", "steward"), "BENCH-1", "go");
  const release = await createRelease(as("stina", "steward"), "BENCH-1");
  const lab = release.tables.find((t) => t.name === "clinical.lab");
  console.log(`release: ${release.persons} persons, clinical.lab ${lab?.rows} rows`);

  const query =
    "select local_code, count(*) n, avg(value) mean, quantile_cont(value, 0.5) median from clinical.lab group by 1 order by 1";
  const sandbox = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await runWorkspaceSql(as("riku", "researcher"), "BENCH-1", query);
    sandbox.push(performance.now() - t);
  }
  const t0 = performance.now();
  await runWorkspaceSql(as("riku", "researcher"), "BENCH-1", "select 1");
  const start = performance.now() - t0;

  const file = join(release.path, "data", "clinical.lab.parquet");
  const plain = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const db = await DuckDBInstance.create(":memory:", { threads: "2", memory_limit: "1GB" });
    const c = await db.connect();
    await c.run("create schema clinical");
    await c.run(`create view clinical.lab as select * from read_parquet('${file}')`);
    await c.runAndReadAll(query);
    c.closeSync();
    db.closeSync();
    plain.push(performance.now() - t);
  }
  await store.close();
  const s = median(sandbox);
  const p = median(plain);
  console.log(`start (select 1, median of 1): ${start.toFixed(0)} ms`);
  console.log(`aggregate in the sandbox (median of ${runs}): ${s.toFixed(0)} ms`);
  console.log(`aggregate in-process DuckDB (median of ${runs}): ${p.toFixed(0)} ms`);
  console.log(`ratio: ${(s / p).toFixed(2)}x`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
