// Benchmark for `kaivo ingest`: MB/s, resources/s and peak RSS loading `kaivo synth` output
// (100 k people by default) into a fresh lake, with the ratio to a bare DuckDB read_ndjson scan
// (auto-detected schema, materialised) of the same files measured in the same run. A third figure,
// "views only", runs the lake tables' compiled views over a typed read_ndjson of the same files
// into a DuckDB file and commits: the load without its checks, keys, vault, note scrubbing and
// versioned merge, to show what those cost.
// Usage: npm run bench:ingest   (BENCH_PATIENTS=100000 BENCH_RUNS=1 BENCH_DIR=/tmp)
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { loadLakeTables } from "../dist/ingest/table-config.js";
import { compileToDuckdb } from "../dist/views/duckdb/compile.js";
import { openDuckdb } from "../dist/views/duckdb/run.js";

const patients = Number(process.env.BENCH_PATIENTS ?? 100000);
const runs = Number(process.env.BENCH_RUNS ?? 1);
const base = process.env.BENCH_DIR ?? tmpdir();
const data = join(base, `kaivo-bench-views-${patients}`);
const root = join(import.meta.dirname, "..");
const cli = join(root, "dist/cli/main.js");

if (!existsSync(join(data, "fhir", "manifest.json"))) {
  execFileSync(
    process.execPath,
    [cli, "synth", "--patients", String(patients), "--seed", "1", "--out", data],
    { stdio: "inherit" },
  );
}
const manifest = JSON.parse(readFileSync(join(data, "fhir", "manifest.json"), "utf8"));
const files = manifest.output.map((o) => ({ type: o.type, file: join(data, "fhir", o.url) }));
const bytes = files.reduce((a, f) => a + statSync(f.file).size, 0);
const resources = manifest.output.reduce((a, o) => a + o.count, 0);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
/** CPU seconds (all threads) since `from`, a process.cpuUsage() reading. */
const cpuSince = (from) => {
  const u = process.cpuUsage(from);
  return (u.user + u.system) / 1e6;
};

async function bareScan() {
  const db = await openDuckdb();
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  for (const type of new Set(files.map((f) => f.type))) {
    const list = files
      .filter((f) => f.type === type)
      .map((f) => `'${f.file}'`)
      .join(", ");
    await db.connection.run(
      `create or replace temp table t as select * from read_ndjson([${list}], format = 'newline_delimited', maximum_object_size = 67108864)`,
    );
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu = cpuSince(cpu0);
  db.close();
  return { seconds, cpu };
}

async function viewsOnly() {
  const dir = mkdtempSync(join(base, "kaivo-bench-views-only-"));
  const instance = await DuckDBInstance.create(join(dir, "lake.duckdb"), {
    memory_limit: "1GB",
    temp_directory: join(dir, "spill"),
  });
  const c = await instance.connect();
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  await c.run("SET preserve_insertion_order = false");
  await c.run("BEGIN");
  for (const table of loadLakeTables()) {
    const paths = files.filter((f) => f.type === table.resourceType).map((f) => f.file);
    const compiled = compileToDuckdb(table.plan, {});
    if (paths.length === 0 || !compiled.ok) continue;
    await c.run(`CREATE TABLE "${table.name}" AS ${compiled.sql.sql(paths, "typed")}`);
  }
  await c.run("COMMIT");
  await c.run("CHECKPOINT");
  const seconds = (performance.now() - t0) / 1000;
  const cpu = cpuSince(cpu0);
  c.closeSync();
  instance.closeSync();
  rmSync(dir, { recursive: true, force: true });
  return { seconds, cpu };
}

function ingestOnce() {
  const home = mkdtempSync(join(base, "kaivo-bench-ingest-home-"));
  const env = { ...process.env, KAIVO_HOME: home };
  execFileSync(process.execPath, [cli, "init"], { env, stdio: "ignore" });
  execFileSync(
    process.execPath,
    [cli, "user", "add", "stina", "--role", "steward", "--as", "admin"],
    { env, stdio: "ignore" },
  );
  const script = `
    const t0 = performance.now();
    const { execFileSync } = await import("node:child_process");
    const { ingest } = await import(${JSON.stringify(join(root, "dist/ingest/ingest-service.js"))});
    const { openHome } = await import(${JSON.stringify(join(root, "dist/home/home.js"))});
    const { openControlStore } = await import(${JSON.stringify(join(root, "dist/store/control-store.js"))});
    const home = openHome(process.env.KAIVO_HOME);
    const store = await openControlStore(home);
    const [report] = await ingest({ home, store, actor: { name: "stina", role: "steward" } }, ${JSON.stringify(join(data, "fhir"))});
    await store.close();
    const u = process.cpuUsage();
    console.log(JSON.stringify({ seconds: (performance.now() - t0) / 1000, cpu: (u.user + u.system) / 1e6, peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024), steps: report.seconds }));`;
  const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], {
    env,
    encoding: "utf8",
    maxBuffer: 1 << 20,
  });
  rmSync(home, { recursive: true, force: true });
  return JSON.parse(out.trim().split("\n").pop());
}

console.log(
  `ingest benchmark: ${patients} people, ${(bytes / 1e6).toFixed(0)} MB, ${resources} resources, ${runs} run(s), medians`,
);
const bare = [];
const views = [];
const ingests = [];
for (let i = 0; i < runs; i++) {
  bare.push(await bareScan());
  views.push(await viewsOnly());
  ingests.push(ingestOnce());
}
const bareS = median(bare.map((r) => r.seconds));
const viewsS = median(views.map((r) => r.seconds));
const ingestS = median(ingests.map((r) => r.seconds));
const bareCpu = median(bare.map((r) => r.cpu));
const ingestCpu = median(ingests.map((r) => r.cpu));
console.log(
  `bare read_ndjson scan: ${bareS.toFixed(1)} s, ${(bytes / 1e6 / bareS).toFixed(0)} MB/s`,
);
console.log(
  `views only:            ${viewsS.toFixed(1)} s, ${(bytes / 1e6 / viewsS).toFixed(0)} MB/s (typed read, compiled views, written and committed)`,
);
console.log(
  `kaivo ingest:          ${ingestS.toFixed(1)} s, ${(bytes / 1e6 / ingestS).toFixed(1)} MB/s, ${Math.round(resources / ingestS)} resources/s, peak RSS ${Math.max(...ingests.map((r) => r.peakRssMb))} MB`,
);
console.log(
  `ingest / bare: ${(bareS / ingestS).toFixed(3)}; views only / bare: ${(bareS / viewsS).toFixed(3)}`,
);
// Wall time on a machine whose cores are all busy follows the CPU work: the same ratio in CPU.
console.log(
  `CPU seconds (all threads): bare ${bareCpu.toFixed(1)} (${(bareCpu / bareS).toFixed(2)} cores), views only ${median(views.map((r) => r.cpu)).toFixed(1)}, ingest ${ingestCpu.toFixed(1)} (${(ingestCpu / ingestS).toFixed(2)} cores); bare / ingest in CPU: ${(bareCpu / ingestCpu).toFixed(3)}`,
);
const median0 = ingests.find((r) => r.seconds === ingestS) ?? ingests[0];
console.log(
  `steps of the median run (s): ${Object.entries(median0.steps ?? {})
    .map(([k, v]) => `${k} ${v}`)
    .join(", ")}; the rest is the catalog refresh and start-up`,
);
