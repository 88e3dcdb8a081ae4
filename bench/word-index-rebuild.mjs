// Rebuilds the word index of a benchmark lake (bench/cohorts.mjs) whole, in one transaction, and
// times it: what a lake from before the index pays at its next load, and how long tokenising
// every note version takes.
// Usage: node bench/word-index-rebuild.mjs   (BENCH_PATIENTS=20000 BENCH_REPLICAS=10 BENCH_DIR=/tmp)
import { tmpdir } from "node:os";
import { join } from "node:path";

const patients = Number(process.env.BENCH_PATIENTS ?? 100000);
const replicas = Number(process.env.BENCH_REPLICAS ?? 10);
const base = process.env.BENCH_DIR ?? tmpdir();
const root = join(import.meta.dirname, "..");
const { initHome } = await import(join(root, "dist/home/home.js"));
const { Lake } = await import(join(root, "dist/lake/lake.js"));
const { indexLoad } = await import(join(root, "dist/lake/word-index.js"));
const home = initHome(join(base, `kaivo-bench-cohorts-${patients}x${replicas}`), {}).home;
const lake = await Lake.open(home);
try {
  const [{ latest }] = (
    await lake.connection.runAndReadAll("select max(load_id) latest from main._loads")
  ).getRowObjectsJson();
  const t0 = performance.now();
  await lake.transaction(async () => {
    await lake.connection.run("drop schema if exists _search cascade");
    await indexLoad(lake, { registry: "clinical", table: "note", column: "text" }, Number(latest));
  });
  console.log(`word index built whole in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  await lake.connection.run("checkpoint");
} finally {
  lake.close();
}
