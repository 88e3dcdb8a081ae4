// Benchmark for cohorts and feasibility on a lake of at least 1 M people.
// The lake is built once and cached: `kaivo synth` output of 100 k people is ingested, then every
// person-level row is replicated REPLICAS times under new pseudo-IDs (and new record and visit
// keys), so the lake holds REPLICAS x 100 k people with the synthetic data's distributions. For
// each example cohort it reports the median latency of `feasibility` (everything a user waits
// for: open the lake, compile, run, attrition, breakdowns), of the compiled cohort alone, and of a
// hand-written DuckDB query for the same cohort, all measured in the same run, with the ratios.
// Every measurement runs on a freshly opened lake (a cold DuckDB buffer pool), as a CLI command does.
// Usage: npm run bench:cohorts   (BENCH_PATIENTS=100000 BENCH_REPLICAS=10 BENCH_RUNS=5 BENCH_DIR=/tmp)
import { readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A benchmark's own SQL (trusted text), straight on the lake's connection. */
const rows = async (lake, text) => (await lake.connection.runAndReadAll(text)).getRowObjectsJson();

const patients = Number(process.env.BENCH_PATIENTS ?? 100000);
const replicas = Number(process.env.BENCH_REPLICAS ?? 10);
const runs = Number(process.env.BENCH_RUNS ?? 5);
const base = process.env.BENCH_DIR ?? tmpdir();
const root = join(import.meta.dirname, "..");
const data = join(base, `kaivo-bench-views-${patients}`);
const home = join(base, `kaivo-bench-cohorts-${patients}x${replicas}`);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const { millionLake } = await import("./million-lake.mjs");
const { HAND } = await import("./hand-queries.mjs");
const { initHome } = await import(join(root, "dist/home/home.js"));
const { openControlStore } = await import(join(root, "dist/store/control-store.js"));
const { Lake } = await import(join(root, "dist/lake/lake.js"));
const { feasibility, assessmentCache } = await import(
  join(root, "dist/feasibility/feasibility-service.js")
);
const { compileFor, materialise } = await import(join(root, "dist/cohort/cohort-service.js"));

await millionLake({ patients, replicas, data, home });

const h = initHome(home, {}).home;
const store = await openControlStore(h);
const ctx = { home: h, store, actor: { name: "stina", role: "steward" } };
// A researcher's answers also go through the disclosure engine and its ledger; no limits here.
const researcher = {
  home: {
    ...h,
    config: {
      ...h.config,
      feasibility: { perMinute: 1e6, perDay: 1e6 },
      disclosure: { ...h.config.disclosure, queryBudget: null },
    },
  },
  store,
  actor: { name: "bench-researcher", role: "researcher" },
};
const { addUser } = await import(join(root, "dist/auth/users.js"));
await addUser(store, { name: "system", role: "admin" }, researcher.actor).catch(() => undefined);
const examples = join(root, "examples/cohorts");
const lakeOpen = await Lake.open(h);
// A lake replicated before record keys existed gets them for its replicas here.
const { assignRecordKeys } = await import(join(root, "dist/disclosure/record-keys.js"));
await assignRecordKeys(lakeOpen);
const [{ people }] = await rows(
  lakeOpen,
  "select count(*) people from clinical.person where load_to is null",
);
lakeOpen.close();
console.log(
  `cohorts benchmark: ${Number(people)} people in the lake, ${runs} runs per cohort, medians; machine: 2 cores`,
);
console.log(
  "cohort                       | persons | feasibility ms | cached ms | researcher ms | compiled cohort ms | hand-written ms | compiled/hand | feasibility/hand",
);
for (const file of readdirSync(examples).sort()) {
  const name = file.replace(/\.json$/, "");
  const def = JSON.parse(readFileSync(join(examples, file), "utf8"));
  const feas = [];
  const cached = [];
  const asResearcher = [];
  const compiled = [];
  const hand = [];
  let persons = 0;
  let handCount = 0;
  for (let i = 0; i < runs; i++) {
    // Uncached unless said: the cache of measured assessments is emptied before each request.
    assessmentCache.clear();
    let t0 = performance.now();
    const r = await feasibility(ctx, def);
    feas.push(performance.now() - t0);
    persons = r.persons;
    // The same request again, as the portal asks on every edit: the lake's work is cached.
    t0 = performance.now();
    await feasibility(ctx, def);
    cached.push(performance.now() - t0);
    assessmentCache.clear();
    t0 = performance.now();
    await feasibility(researcher, def);
    asResearcher.push(performance.now() - t0);
    // Each on a freshly opened lake, as a CLI command runs: DuckDB's buffer pool starts cold.
    let lake = await Lake.open(h);
    try {
      t0 = performance.now();
      const { compiled: c } = await compileFor(ctx, lake, def);
      await materialise(lake, c);
      await rows(lake, `select count(distinct pseudo_id) n from cohort_members`);
      compiled.push(performance.now() - t0);
    } finally {
      lake.close();
    }
    lake = await Lake.open(h);
    try {
      t0 = performance.now();
      handCount = Number((await rows(lake, HAND[name]))[0].n);
      hand.push(performance.now() - t0);
    } finally {
      lake.close();
    }
  }
  if (handCount !== persons)
    console.log(`  ! ${name}: hand-written query counts ${handCount}, the compiler ${persons}`);
  const [f, rs, c, m] = [median(feas), median(asResearcher), median(compiled), median(hand)];
  console.log(
    `${name.padEnd(28)} | ${String(persons).padStart(7)} | ${f.toFixed(0).padStart(14)} | ${median(cached).toFixed(0).padStart(9)} | ${rs.toFixed(0).padStart(13)} | ${c.toFixed(0).padStart(18)} | ${m.toFixed(0).padStart(15)} | ${(c / m).toFixed(2).padStart(13)} | ${(f / m).toFixed(2).padStart(16)}`,
  );
}
await store.close();
