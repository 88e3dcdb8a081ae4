// The disclosure ledger's cost per feasibility answer as an application's ledger fills: a
// researcher's QUERIES queries (default: the query budget), each a cohort of 500 to 5,000 of
// 20,000 people broken down like feasibility (total; 4 sexes, 6 age bands, 15 years), most of them
// refinements of the one before. Each answer goes through the real engine on a SQLite control
// store; the baseline is the same cells perturbed without the ledger, measured in the same run.
// Usage: npm run bench:ledger   (QUERIES=24 RUNS=3)
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = join(import.meta.dirname, "..");
const load = (p) => import(join(root, "dist", p));
const { initHome } = await load("home/home.js");
const { openControlStore } = await load("store/control-store.js");
const { policyFrom } = await load("disclosure/policy.js");
const { discloseCells, perturbedCount } = await load("disclosure/engine.js");
const { measureKeys } = await load("disclosure/measure.js");
const { Population } = await load("disclosure/adversaries/population.js");

const runs = Number(process.env.RUNS ?? 3);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function run(seed) {
  const dir = mkdtempSync(join(tmpdir(), "kaivo-ledger-"));
  try {
    const { home } = initHome(dir, {});
    const store = await openControlStore(home);
    const policy = policyFrom(home.config);
    const queries = Number(process.env.QUERIES ?? policy.queryBudget ?? 24);
    const population = new Population(`ledger:${seed}`);
    const people = population.people(20_000).map((p) => ({ ...p, year: population.int(0, 14) }));
    const scope = { scope: "query", actor: "r", application: "A", definitionHash: null };
    let cohort = people.slice(0, 5000);
    const engine = [];
    const baseline = [];
    let cellsAnswered = 0;
    for (let q = 0; q < queries; q++) {
      // Mostly refine the cohort; now and then start from another.
      cohort =
        q % 6 === 5 || cohort.length < 600
          ? people.filter(() => population.uniform() < 0.2)
          : cohort.filter(() => population.uniform() < 0.85);
      const keys = (ps) => ps.map((p) => p.key);
      const cells = new Map([["persons", measureKeys(keys(cohort))]]);
      const breakdown = new Map();
      for (const sex of ["female", "male", "other", "unknown"])
        breakdown.set(`sex:${sex}`, measureKeys(keys(cohort.filter((p) => p.sex === sex))));
      for (let band = 0; band < 6; band++)
        breakdown.set(`band:${band}`, measureKeys(keys(cohort.filter((p) => p.band === band))));
      for (let year = 0; year < 15; year++)
        breakdown.set(`year:${year}`, measureKeys(keys(cohort.filter((p) => p.year === year))));
      let started = performance.now();
      await discloseCells(store, policy, scope, cells);
      await discloseCells(store, policy, scope, breakdown);
      engine.push(performance.now() - started);
      started = performance.now();
      for (const c of [...cells.values(), ...breakdown.values()]) perturbedCount(c, policy);
      baseline.push(performance.now() - started);
      cellsAnswered += 1 + breakdown.size;
    }
    const rows = await store.db
      .selectFrom("disclosure_ledger")
      .select((eb) => eb.fn.countAll().as("n"))
      .executeTakeFirst();
    await store.close();
    return { queries, engine, baseline, cellsAnswered, ledgerRows: Number(rows?.n ?? 0) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const results = [];
for (let r = 0; r < runs; r++) results.push(await run(String(r)));
const first = results.map((x) => median(x.engine.slice(0, 5)));
const last = results.map((x) => median(x.engine.slice(-5)));
const base = results.map((x) => median(x.baseline));
const { queries, cellsAnswered, ledgerRows } = results[0];
console.log(`${queries} queries of ${cellsAnswered / queries} cells per run, ${runs} runs`);
console.log(`ledger rows at the end of run 1: ${ledgerRows}`);
console.log(`engine ms per query, first 5 queries (median of runs): ${median(first).toFixed(1)}`);
console.log(`engine ms per query, last 5 queries  (median of runs): ${median(last).toFixed(1)}`);
console.log(`baseline ms per query, perturbation alone:            ${median(base).toFixed(2)}`);
console.log(`ratio last/baseline: ${(median(last) / median(base)).toFixed(0)}x`);
