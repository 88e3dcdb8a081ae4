// Benchmark for `kaivo release create` on the 1 M-person benchmark lake (bench/million-lake.mjs):
// a cohort of about 50 k people (hypertension diagnosed from 2010) with every standard table and
// all its variables, released under an active permit. Reports seconds and rows/s, and the ratio
// to a plain DuckDB COPY of the same rows (the cohort's rows in the period, lake columns as they
// are) to Parquet, measured in the same run.
// Usage: npm run bench:release   (BENCH_PATIENTS=100000 BENCH_REPLICAS=10 BENCH_RUNS=3 BENCH_DIR=/tmp)
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { millionLake } from "./million-lake.mjs";

const patients = Number(process.env.BENCH_PATIENTS ?? 100000);
const replicas = Number(process.env.BENCH_REPLICAS ?? 10);
const runs = Number(process.env.BENCH_RUNS ?? 3);
const base = process.env.BENCH_DIR ?? tmpdir();
const root = join(import.meta.dirname, "..");
const data = join(base, `kaivo-bench-views-${patients}`);
const home = join(base, `kaivo-bench-cohorts-${patients}x${replicas}`);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const load = (p) => import(join(root, "dist", p));

await millionLake({ patients, replicas, data, home });
const { initHome } = await load("home/home.js");
const { openControlStore } = await load("store/control-store.js");
const { Lake } = await load("lake/lake.js");
const { addUser } = await load("auth/users.js");
const { readCatalog } = await load("catalog/catalog-store.js");
const { validateCohort, compileFor, materialise } = await load("cohort/cohort-service.js");
const permits = await load("permits/permit-service.js");
const { createRelease } = await load("release/release-service.js");

const h = initHome(home, {}).home;
const store = await openControlStore(h);
const people = {
  riku: { name: "riku", role: "researcher" },
  reija: { name: "reija", role: "reviewer" },
  stina: { name: "stina", role: "steward" },
};
for (const a of [people.riku, people.reija])
  await addUser(store, { name: "system", role: "admin" }, a).catch(() => undefined);
const ctx = (actor) => ({ home: h, store, actor });

const COHORT = {
  name: "bench-hypertension",
  codeSets: { htn: { system: "icd10", codes: ["I10"] } },
  entry: {
    events: { table: "clinical.diagnosis", codeSet: "htn" },
    period: { from: "2010-01-01" },
  },
};
const STANDARD = [
  "person",
  "visit",
  "diagnosis",
  "procedure",
  "medication_request",
  "medication_administration",
  "lab",
  "note",
  "imaging_study",
  "biobank_sample",
];
const period = { from: "1980-01-01", to: "2026-12-31" };
const lake0 = await Lake.open(h);
const catalog = await readCatalog(lake0);
lake0.close();
const tables = Object.fromEntries(
  STANDARD.map((t) => [
    `clinical.${t}`,
    catalog.variables
      .filter(
        (v) =>
          v.registry === "clinical" &&
          v.table === t &&
          ["value", "key", "event"].includes(v.role) &&
          v.variable !== "record_key",
      )
      .map((v) => v.variable),
  ]),
);
const id = `BENCH-${Date.now()}`;
const cohort = await validateCohort(ctx(people.riku), COHORT);
await permits.draftPermit(ctx(people.riku), {
  id,
  title: "Release benchmark",
  organisation: "Benchmark",
  legalBasis: "Benchmark only",
  purpose: "Measure how long a release takes.",
  validUntil: "2099-12-31",
  scope: {
    cohort: { name: cohort.name, hash: cohort.hash },
    tables,
    period,
    formats: ["parquet"],
    rules: {
      birthDate: "year",
      dateShiftDays: 14,
      notes: true,
      postalCodeDigits: 3,
      outputThreshold: 5,
    },
  },
});
await permits.submitPermit(ctx(people.riku), id, "bench");
await permits.reviewPermit(ctx(people.reija), id, "bench");
await permits.approvePermit(ctx(people.reija), id, "bench");
await permits.activatePermit(ctx(people.stina), id, "bench");

const out = mkdtempSync(join(base, "kaivo-bench-release-"));
const releaseSeconds = [];
const copySeconds = [];
let result;
try {
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    result = await createRelease(ctx(people.stina), id, { outDir: out });
    releaseSeconds.push((performance.now() - t0) / 1000);

    // Baseline: the same rows copied to Parquet as the lake holds them, in one DuckDB session
    // opened as a release opens it (read-only, writing only into its folder).
    const lake = await Lake.open(h, { readOnly: true, folders: [out] });
    try {
      const { compiled } = await compileFor(ctx(people.stina), lake, COHORT);
      await materialise(lake, compiled);
      const t1 = performance.now();
      for (const t of STANDARD) {
        const cols = tables[`clinical.${t}`].map((c) => `e."${c}"`).join(", ");
        const dated =
          t === "person"
            ? ""
            : ` and e.event_date between date '${period.from}' and date '${period.to}'`;
        await lake.connection.run(
          `copy (select e.pseudo_id, e.record_key, ${cols} from clinical."${t}" e where e.load_to is null and e.pseudo_id in (select pseudo_id from cohort_members)${dated} order by e.pseudo_id, e.record_key) to '${join(out, `copy-${t}.parquet`)}' (format parquet)`,
        );
      }
      copySeconds.push((performance.now() - t1) / 1000);
    } finally {
      lake.close();
    }
    console.log(
      `run ${i + 1}: release ${releaseSeconds.at(-1).toFixed(1)} s (${Object.entries(result.phases)
        .map(([k, v]) => `${k} ${v} s`)
        .join(", ")}), plain copy ${copySeconds.at(-1).toFixed(1)} s`,
    );
  }
} finally {
  rmSync(out, { recursive: true, force: true });
  await permits.closePermit(ctx(people.stina), id, "benchmark done");
  await store.close();
}
const rows = result.tables.reduce((a, t) => a + t.rows, 0);
const r = median(releaseSeconds);
const c = median(copySeconds);
console.log(
  `release benchmark: ${result.persons} persons, ${rows} rows in ${result.tables.length} tables, ${runs} runs, medians; machine: 2 cores\n` +
    `release ${r.toFixed(1)} s (${Math.round(rows / r)} rows/s) | plain DuckDB COPY to Parquet ${c.toFixed(1)} s (${Math.round(rows / c)} rows/s) | release/copy ${(r / c).toFixed(2)} (goal: at most 2)`,
);
