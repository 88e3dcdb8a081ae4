// Live counts (issue 17, item 8): a steward's feasibility of each example cohort on the
// benchmark lake of bench/cohorts.mjs, uncached (the cache emptied first) and asked again
// (cached), and, when BENCH_BASE names the root of an older Kaivo build (one without the word
// index or the cache), that build's feasibility on the same lake. The builds take turns, run by
// run, so a machine shared with other work slows them alike.
// Usage: node bench/live-counts.mjs   (BENCH_PATIENTS=20000 BENCH_REPLICAS=10 BENCH_RUNS=5
//   BENCH_DIR=/tmp BENCH_BASE=/path/to/older/kaivo BENCH_COHORTS=joint-pain-crp,mi-pci
//   BENCH_COHORT_DIR=examples/cohorts)
import { readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const patients = Number(process.env.BENCH_PATIENTS ?? 100000);
const replicas = Number(process.env.BENCH_REPLICAS ?? 10);
const runs = Number(process.env.BENCH_RUNS ?? 5);
const base = process.env.BENCH_DIR ?? tmpdir();
const older = process.env.BENCH_BASE;
const only = process.env.BENCH_COHORTS?.split(",");
const root = join(import.meta.dirname, "..");
const home = join(base, `kaivo-bench-cohorts-${patients}x${replicas}`);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const build = async (dir) => ({
  ...(await import(join(dir, "dist/feasibility/feasibility-service.js"))),
  ...(await import(join(dir, "dist/home/home.js"))),
  ...(await import(join(dir, "dist/store/control-store.js"))),
});
const now = await build(root);
const then = older ? await build(older) : undefined;
const h = now.initHome(home, {}).home;
const store = await now.openControlStore(h);
const ctx = { home: h, store, actor: { name: "stina", role: "steward" } };
const examples = process.env.BENCH_COHORT_DIR ?? join(root, "examples/cohorts");
console.log(
  `live counts: ${patients * replicas} people, ${runs} runs, medians (ms); older build: ${older ?? "none"}`,
);
console.log("cohort                       | persons | uncached | cached | older build");
for (const file of readdirSync(examples).sort()) {
  const name = file.replace(/\.json$/, "");
  if (only && !only.includes(name)) continue;
  const def = JSON.parse(readFileSync(join(examples, file), "utf8"));
  const [uncached, cached, old] = [[], [], []];
  let persons;
  for (let i = 0; i < runs; i++) {
    now.assessmentCache.clear();
    let t0 = performance.now();
    const r = await now.feasibility(ctx, def);
    uncached.push(performance.now() - t0);
    t0 = performance.now();
    const again = await now.feasibility(ctx, def);
    cached.push(performance.now() - t0);
    if (JSON.stringify(again) !== JSON.stringify(r))
      console.log(`  ! ${name}: cached answer differs`);
    persons = r.persons;
    if (then) {
      t0 = performance.now();
      const o = await then.feasibility(ctx, def);
      old.push(performance.now() - t0);
      if (o.persons !== r.persons) console.log(`  ! ${name}: older build counts ${o.persons}`);
    }
  }
  console.log(
    `${name.padEnd(28)} | ${String(persons).padStart(7)} | ${median(uncached).toFixed(0).padStart(8)} | ${median(cached).toFixed(0).padStart(6)} | ${then ? median(old).toFixed(0).padStart(11) : "-"}`,
  );
}
await store.close();
