// Benchmark for the ViewDefinition engine: three views over `kaivo synth` output (100 k people by
// default), each with the reference evaluator (fhirpath.js, streaming NDJSON) and the compiled
// DuckDB query, against a bare read_ndjson scan of the same files measured in the same run.
//
// Bare scan and compiled view are both materialised inside DuckDB (CREATE TEMP TABLE ... AS), so
// neither can skip work; "to JS" also counts handing every row to Node.
// Usage: npm run bench:views   (BENCH_PATIENTS=100000 BENCH_RUNS=3 BENCH_DIR=/tmp)
import { execFileSync } from "node:child_process";
import { createReadStream, existsSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { compileToDuckdb } from "../dist/views/duckdb/compile.js";
import { openDuckdb, runCompiled } from "../dist/views/duckdb/run.js";
import { planView } from "../dist/views/plan.js";
import { evaluateResource } from "../dist/views/reference.js";

const patients = Number(process.env.BENCH_PATIENTS ?? 100000);
const runs = Number(process.env.BENCH_RUNS ?? 3);
const out = join(process.env.BENCH_DIR ?? tmpdir(), `kaivo-bench-views-${patients}`);
const root = join(import.meta.dirname, "..");

if (!existsSync(join(out, "fhir", "manifest.json"))) {
  console.log(`generating ${patients} people into ${out} ...`);
  execFileSync(
    process.execPath,
    [
      join(root, "dist/cli/main.js"),
      "synth",
      "--patients",
      String(patients),
      "--seed",
      "1",
      "--out",
      out,
    ],
    { stdio: "inherit" },
  );
}
const manifest = JSON.parse(readFileSync(join(out, "fhir", "manifest.json"), "utf8"));
const filesOf = (type) =>
  manifest.output.filter((o) => o.type === type).map((o) => join(out, "fhir", o.url));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const time = async (fn) => {
  const t0 = performance.now();
  const rows = await fn();
  return { seconds: (performance.now() - t0) / 1000, rows };
};

async function reference(plan, files) {
  let rows = 0;
  for (const file of files) {
    const lines = createInterface({
      input: createReadStream(file, "utf8"),
      crlfDelay: Number.POSITIVE_INFINITY,
    });
    for await (const line of lines)
      if (line) rows += evaluateResource(plan, JSON.parse(line)).length;
  }
  return rows;
}

const db = await openDuckdb();
const ctas = async (sql) => {
  await db.connection.run("DROP TABLE IF EXISTS bench_t");
  await db.connection.run(`CREATE TEMP TABLE bench_t AS ${sql}`);
  const r = await db.connection.runAndReadAll("SELECT count(*) AS n FROM bench_t");
  return Number(r.getRowObjectsJson()[0].n);
};

console.log(`views benchmark: ${patients} people, ${runs} runs, medians; machine: 2 cores`);
console.log(
  "view        | MB    | bare scan MB/s | compiled MB/s (rows/s)   | compiled/bare | to JS rows/s | reference MB/s (rows/s) | reference/bare",
);
for (const name of ["patient", "condition", "observation"]) {
  const view = JSON.parse(readFileSync(join(root, "views/fhir", `${name}.json`), "utf8"));
  const plan = planView(view);
  const compiled = compileToDuckdb(plan);
  if (!compiled.ok) throw new Error(`${name} does not compile: ${compiled.reason}`);
  const files = filesOf(plan.resource);
  const mb = files.reduce((a, f) => a + statSync(f).size, 0) / 1e6;
  const sql = compiled.sql.sql(files, "typed");
  const bareSql = compiled.sql.scan(files);
  const bare = [];
  const fast = [];
  const toJs = [];
  const ref = [];
  for (let i = 0; i < runs; i++) {
    bare.push(await time(() => ctas(bareSql)));
    fast.push(await time(() => ctas(sql)));
    toJs.push(
      await time(async () => {
        let n = 0;
        for await (const chunk of runCompiled(db.connection, compiled.sql, files, "typed"))
          n += chunk.length;
        return n;
      }),
    );
    ref.push(await time(() => reference(plan, files)));
  }
  const s = (xs) => median(xs.map((x) => x.seconds));
  const rows = fast[0].rows;
  if (ref[0].rows !== rows || toJs[0].rows !== rows)
    throw new Error(`${name}: row counts differ (${rows}, ${toJs[0].rows}, ${ref[0].rows})`);
  const bareMbps = mb / s(bare);
  console.log(
    [
      name.padEnd(11),
      mb.toFixed(0).padStart(5),
      bareMbps.toFixed(0).padStart(14),
      `${(mb / s(fast)).toFixed(0)} (${Math.round(rows / s(fast))})`.padStart(24),
      (mb / s(fast) / bareMbps).toFixed(2).padStart(13),
      String(Math.round(rows / s(toJs))).padStart(12),
      `${(mb / s(ref)).toFixed(1)} (${Math.round(rows / s(ref))})`.padStart(23),
      (mb / s(ref) / bareMbps).toFixed(3).padStart(14),
    ].join(" | "),
  );
}
db.close();
