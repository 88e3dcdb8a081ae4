// The note word index's size on a benchmark lake (bench/cohorts.mjs builds it): rows of the
// vocabulary and postings, and bytes, measured by copying the index and, for comparison, the
// note table into fresh DuckDB files (a lake file's size cannot be split by table).
// Usage: node bench/word-index.mjs   (BENCH_PATIENTS=20000 BENCH_REPLICAS=10 BENCH_DIR=/tmp)
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";

const patients = Number(process.env.BENCH_PATIENTS ?? 100000);
const replicas = Number(process.env.BENCH_REPLICAS ?? 10);
const base = process.env.BENCH_DIR ?? tmpdir();
const home = join(base, `kaivo-bench-cohorts-${patients}x${replicas}`);
const out = mkdtempSync(join(base, "kaivo-word-index-size-"));
const db = await DuckDBInstance.create(":memory:");
const c = await db.connect();
await c.run(`attach '${join(home, "lake.duckdb")}' as lake (read_only)`);
await c.run("use lake");
const one = async (q) => (await c.runAndReadAll(q)).getRowObjectsJson()[0];
const copySize = async (name, query) => {
  const file = join(out, `${name}.duckdb`);
  await c.run(`attach '${file}' as copy_${name}`);
  await c.run(`create table copy_${name}.t as ${query}`);
  await c.run(`detach copy_${name}`);
  return statSync(file).size;
};
const notes = await one(
  "select count(*) n, count(*) filter (where load_to is null) current_rows, sum(strlen(text)) text_bytes from clinical.note",
);
const vocabulary = await one("select count(*) n from _search.vocabulary");
const postings = await one("select count(*) n from _search.postings");
const mb = (b) => `${(b / 1e6).toFixed(1)} MB`;
const indexBytes =
  (await copySize("postings", "select * from _search.postings")) +
  (await copySize("vocabulary", "select * from _search.vocabulary"));
const noteBytes = await copySize("notes", "select * from clinical.note");
console.log(
  `notes: ${notes.n} rows (${notes.current_rows} current), text ${mb(Number(notes.text_bytes))}; note table file ${mb(noteBytes)}`,
);
console.log(
  `word index: ${vocabulary.n} words, ${postings.n} postings (${(Number(postings.n) / Number(notes.n)).toFixed(1)} per note); files ${mb(indexBytes)}`,
);
c.closeSync();
db.closeSync();
rmSync(out, { recursive: true, force: true });
