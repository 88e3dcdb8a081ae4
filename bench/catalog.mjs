// Benchmark for catalog profiling: what profiling and quality checks add to the load that
// triggers them. Ingests `kaivo synth` output (100 k people by default) into a fresh home with the
// CLI, then reads how long each load's profile and checks took (_catalog.profile_runs), and
// reports them as a share of the rest of the ingest, measured in the same run.
// Usage: npm run bench:catalog   (BENCH_PATIENTS=100000 BENCH_RUNS=3 BENCH_DIR=/tmp)
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";

const patients = Number(process.env.BENCH_PATIENTS ?? 100000);
const runs = Number(process.env.BENCH_RUNS ?? 3);
const base = process.env.BENCH_DIR ?? tmpdir();
const data = join(base, `kaivo-bench-views-${patients}`);
const cli = join(import.meta.dirname, "..", "dist/cli/main.js");
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

if (!existsSync(join(data, "fhir", "manifest.json"))) {
  execFileSync(
    process.execPath,
    [cli, "synth", "--patients", String(patients), "--seed", "1", "--out", data],
    { stdio: "inherit" },
  );
}

const results = [];
for (let i = 0; i < runs; i++) {
  const home = mkdtempSync(join(base, "kaivo-bench-catalog-"));
  const env = { ...process.env, KAIVO_HOME: home };
  try {
    execFileSync(process.execPath, [cli, "init", "--admin", "root"], { env, stdio: "ignore" });
    execFileSync(
      process.execPath,
      [cli, "user", "add", "stina", "--role", "steward", "--as", "root"],
      {
        env,
        stdio: "ignore",
      },
    );
    const t0 = performance.now();
    execFileSync(process.execPath, [cli, "ingest", data, "--json", "--as", "stina"], {
      env,
      stdio: "ignore",
    });
    const total = (performance.now() - t0) / 1000;
    const instance = await DuckDBInstance.create(join(home, "lake.duckdb"), {
      access_mode: "READ_ONLY",
    });
    const c = await instance.connect();
    const rows = (
      await c.runAndReadAll("select load_id, seconds, tables from _catalog.profile_runs order by 1")
    ).getRowObjectsJson();
    c.closeSync();
    instance.closeSync();
    const profiling = rows.reduce((a, r) => a + Number(r.seconds), 0);
    results.push({ total, profiling, load: total - profiling, perLoad: rows });
    console.log(
      `run ${i + 1}: ingest ${total.toFixed(1)} s, of which profiling and checks ${profiling.toFixed(1)} s (${rows
        .map((r) => `load ${r.load_id}: ${Number(r.seconds).toFixed(2)} s, ${r.tables} tables`)
        .join("; ")})`,
    );
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}
const load = median(results.map((r) => r.load));
const profiling = median(results.map((r) => r.profiling));
console.log(
  `catalog benchmark: ${patients} people, ${runs} run(s), medians\n` +
    `load without profiling ${load.toFixed(1)} s | profiling and quality checks ${profiling.toFixed(1)} s | added ${((profiling / load) * 100).toFixed(1)} % (goal: at most 20 %)`,
);
