import type { Lake } from "../lake/lake.js";
import { join, type Sql, sql } from "../lake/sql.js";
import { RECORD_KEYS } from "./record-keys.js";
import { type KeySample, SAMPLE_SIZE, sampleOf } from "./sample.js";
import {
  addKey,
  BUCKETS_PER_HASH,
  type Bucket,
  emptySketch,
  HASHES,
  type Sketch,
} from "./sketch.js";

/** A count to be shown: an ID and a query whose `pseudo_id` column lists the people counted. */
export interface CellQuery {
  id: string;
  persons: Sql;
}

/**
 * Many cells from one query: `members` lists (cell, pseudo_id) pairs, with cell one of `ids`.
 * Cells of `ids` nobody falls in are measured as empty; a cell not in `ids` is an error, so the
 * labels of an answer never depend on who is in it.
 */
export interface CellGroup {
  ids: readonly string[];
  members: Sql;
}

/** What disclosure control needs of a cell: its size, cell key, sketch and key sample. */
export interface MeasuredCell {
  n: number;
  /** The cell key in [0, 1): the sum of the members' record keys (low 32 bits) mod 2^32. */
  key: number;
  sketch: Sketch;
  /** Measured for answers to researchers (feasibility), not for catalog profiles. */
  sample: KeySample | null;
}

const MOD = 1n << 64n;
export const emptyCell = (): MeasuredCell => ({
  n: 0,
  key: 0,
  sketch: emptySketch(),
  sample: null,
});

/**
 * Measures many cells in one pass: distinct (cell, person) pairs are joined to the record keys and
 * summed per sketch bucket. A person without a record key stops the answer rather than go
 * uncounted.
 */
export async function measureCells(
  lake: Lake,
  cells: Array<CellQuery | CellGroup>,
): Promise<Map<string, MeasuredCell>> {
  const ids = cells.flatMap((c) => ("id" in c ? [c.id] : c.ids));
  if (new Set(ids).size !== ids.length) throw new Error("Two cells of an answer share an ID.");
  const out = new Map<string, MeasuredCell>(ids.map((id) => [id, emptyCell()]));
  if (cells.length === 0) return out;
  const members = join(
    cells.map((c) =>
      "id" in c
        ? sql`select ${c.id}::varchar as cell, pseudo_id from (${c.persons})`
        : sql`select cell::varchar as cell, pseudo_id from (${c.members})`,
    ),
    sql` union all `,
  );
  await lake.query(
    sql`create or replace temp table _disclosure_cells as select distinct cell, pseudo_id from (${members}) where pseudo_id is not null`,
  );
  const [unknown] = await lake.query(
    sql`select count(*) n from (select distinct cell from _disclosure_cells) where not list_contains(${ids}::varchar[], cell)`,
  );
  if (Number(unknown?.n ?? 0) > 0) throw new Error("A cell of an answer is not among its labels.");
  await measureTempCells(lake, (cell) => String(cell), out, { samples: true });
  return out;
}

/**
 * Measures cells given by one query of `cell` (an ID, text) and `pseudo_id` columns, for many
 * cells of one table in one scan (a catalog profile's values and years). Only cells with a member
 * are returned: the caller adds the empty ones it expects.
 */
export async function measureGroupedCells(
  lake: Lake,
  members: Sql,
): Promise<Map<string, MeasuredCell>> {
  const out = new Map<string, MeasuredCell>();
  await lake.query(
    sql`create or replace temp table _disclosure_cells as select distinct cell::varchar as cell, pseudo_id from (${members}) where pseudo_id is not null and cell is not null`,
  );
  await measureTempCells(
    lake,
    (cell) => {
      const id = String(cell);
      if (!out.has(id)) out.set(id, emptyCell());
      return id;
    },
    out,
    { samples: false },
  );
  return out;
}

/**
 * Sizes, cell keys and sketches of the cells in `_disclosure_cells` (cell, pseudo_id), and their
 * key samples if asked.
 */
async function measureTempCells(
  lake: Lake,
  idOf: (cell: unknown) => string,
  out: Map<string, MeasuredCell>,
  options: { samples: boolean },
): Promise<void> {
  // Each cell's members, to compare with those the record keys' join counts: fewer there means
  // someone has no record key (cheaper than an anti join of every member with the keys).
  const members = new Map<string, number>();
  for (const r of await lake.query(
    sql`select cell, count(*) as n from _disclosure_cells group by cell`,
  ))
    members.set(idOf(r.cell), Number(r.n));
  const rows = await lake.query(
    sql`select c.cell, h.i * ${BUCKETS_PER_HASH} + ((k.record_key >> (32 + 4 * h.i)) & 15) as bucket,
          count(*) as n,
          sum(k.record_key::hugeint)::varchar as ids,
          sum(((k.record_key >> 32) * (k.record_key & 4294967295))::hugeint)::varchar as checks,
          sum((k.record_key & 4294967295)::hugeint)::varchar as low
        from _disclosure_cells c join ${RECORD_KEYS} k on k.pseudo_id = c.pseudo_id
        cross join (select unnest(range(${HASHES})) as i) h
        group by all`,
  );
  const low = new Map<string, bigint>();
  for (const r of rows) {
    const id = idOf(r.cell);
    const cell = out.get(id) as MeasuredCell;
    const b = Number(r.bucket);
    const bucket = cell.sketch[b] as Bucket;
    bucket.count = Number(r.n);
    bucket.ids = BigInt(String(r.ids)) % MOD;
    bucket.checks = BigInt(String(r.checks)) % MOD;
    // Sub-table 0 holds every member once: its buckets give the size and the cell key.
    if (b < BUCKETS_PER_HASH) {
      cell.n += Number(r.n);
      low.set(id, ((low.get(id) ?? 0n) + BigInt(String(r.low))) % (1n << 32n));
    }
  }
  for (const [id, n] of members)
    if ((out.get(id) as MeasuredCell).n !== n)
      throw new Error(
        "Some people in the lake have no record key, so their counts cannot be perturbed: the next load (`kaivo ingest`) or opt-out change gives them one, when it refreshes the catalog.",
      );
  for (const [id, sum] of low) (out.get(id) as MeasuredCell).key = Number(sum) / 2 ** 32;
  const samples = !options.samples
    ? []
    : await lake.query(
        sql`select c.cell, min(k.record_key, ${SAMPLE_SIZE})::varchar[] as keys
        from _disclosure_cells c join ${RECORD_KEYS} k on k.pseudo_id = c.pseudo_id group by c.cell`,
      );
  for (const r of samples) {
    const cell = out.get(idOf(r.cell)) as MeasuredCell;
    const keys = (r.keys as string[]).map((k) => BigInt(k));
    cell.sample =
      cell.n <= SAMPLE_SIZE
        ? sampleOf(keys)
        : { ...sampleOf(keys), theta: keys.reduce((a, b) => (a > b ? a : b)) };
  }
  await lake.query(sql`drop table if exists _disclosure_cells`);
}

/** The same measurement of a set given its members' record keys, in memory (for evaluations). */
export function measureKeys(keys: Iterable<bigint>): MeasuredCell {
  const cell = emptyCell();
  const all: bigint[] = [];
  let low = 0n;
  for (const key of keys) {
    cell.n++;
    low = (low + (key & 0xffffffffn)) % (1n << 32n);
    addKey(cell.sketch, key);
    all.push(key);
  }
  cell.key = Number(low) / 2 ** 32;
  cell.sample = sampleOf(all);
  return cell;
}
