import type { Lake } from "../lake/lake.js";
import { integerText, join, type Sql, sql } from "../lake/sql.js";
import { RECORD_KEYS } from "./record-keys.js";
import { type KeySample, SAMPLE_SIZE, sampleOf } from "./sample.js";
import {
  addKey,
  BUCKETS_PER_HASH,
  type Bucket,
  emptySketch,
  HASHES,
  mod64,
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

export const emptyCell = (): MeasuredCell => ({
  n: 0,
  key: 0,
  sketch: emptySketch(),
  sample: null,
});

/**
 * Measures many cells in one pass: distinct (cell, person) pairs are joined to the record keys
 * once and summed per sketch bucket. A person without a record key stops the answer rather than
 * go uncounted.
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
  await keyCells(lake, sql`select distinct cell, pseudo_id from (${members})`);
  const [check] = await lake.query(
    sql`select count(*) filter (where not list_contains(${ids}::varchar[], cell)) as unknown,
          count(*) filter (where record_key is null) as keyless
        from _disclosure_cells`,
  );
  if (Number(check?.unknown ?? 0) > 0)
    throw new Error("A cell of an answer is not among its labels.");
  await measureTempCells(lake, (cell) => String(cell), out, {
    samples: true,
    keyless: Number(check?.keyless ?? 0),
  });
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
  await keyCells(
    lake,
    sql`select distinct cell::varchar as cell, pseudo_id from (${members}) where cell is not null`,
  );
  const [check] = await lake.query(
    sql`select count(*) filter (where record_key is null) as keyless from _disclosure_cells`,
  );
  await measureTempCells(
    lake,
    (cell) => {
      const id = String(cell);
      if (!out.has(id)) out.set(id, emptyCell());
      return id;
    },
    out,
    { samples: false, keyless: Number(check?.keyless ?? 0) },
  );
  return out;
}

/**
 * `_disclosure_cells`: each distinct (cell, person) pair of `pairs` with the person's record key
 * (null where they have none) and its 32-bit halves, and the halves of its check (the product of
 * the key's halves): sums of 32-bit parts stay exact in BIGINT, so the sketch's sums need neither
 * hugeint nor a second join with the keys.
 */
async function keyCells(lake: Lake, pairs: Sql): Promise<void> {
  await lake.query(
    sql`create or replace temp table _disclosure_cells as
        select d.cell, k.record_key,
          (k.record_key >> 32)::bigint as key_hi, (k.record_key & 4294967295)::bigint as key_lo,
          (((k.record_key >> 32) * (k.record_key & 4294967295)) >> 32)::bigint as check_hi,
          (((k.record_key >> 32) * (k.record_key & 4294967295)) & 4294967295)::bigint as check_lo
        from (select cell, pseudo_id from (${pairs}) where pseudo_id is not null) d
        left join ${RECORD_KEYS} k on k.pseudo_id = d.pseudo_id`,
  );
}

const TWO_32 = 1n << 32n;
// One grouped scan per sub-table, joined by union all: cheaper than one scan of the rows repeated
// HASHES times by a cross join, since each group by is over cells x 16 buckets only.
const SKETCH_SUMS = join(
  Array.from(
    { length: HASHES },
    (_, i) =>
      sql`select cell, ${integerText(i * BUCKETS_PER_HASH)} + ((record_key >> ${integerText(32 + 4 * i)}) & 15) as bucket,
            count(*) as n, sum(key_hi)::varchar as key_hi, sum(key_lo)::varchar as key_lo,
            sum(check_hi)::varchar as check_hi, sum(check_lo)::varchar as check_lo
          from _disclosure_cells where record_key is not null group by all`,
  ),
  sql` union all `,
);

/**
 * Sizes, cell keys and sketches of the cells in `_disclosure_cells` (see keyCells), and their key
 * samples if asked. A person without a record key (`keyless`) stops the answer rather than go
 * uncounted.
 */
async function measureTempCells(
  lake: Lake,
  idOf: (cell: unknown) => string,
  out: Map<string, MeasuredCell>,
  options: { samples: boolean; keyless: number },
): Promise<void> {
  if (options.keyless > 0) {
    await lake.query(sql`drop table if exists _disclosure_cells`);
    throw new Error(
      "Some people in the lake have no record key, so their counts cannot be perturbed: the next load (`kaivo ingest`) or opt-out change gives them one, when it refreshes the catalog.",
    );
  }
  const low = new Map<string, bigint>();
  for (const r of await lake.query(SKETCH_SUMS)) {
    const id = idOf(r.cell);
    const cell = out.get(id) as MeasuredCell;
    const b = Number(r.bucket);
    const bucket = cell.sketch[b] as Bucket;
    const keyLow = BigInt(String(r.key_lo));
    bucket.count = Number(r.n);
    bucket.ids = mod64(BigInt(String(r.key_hi)) * TWO_32 + keyLow);
    bucket.checks = mod64(BigInt(String(r.check_hi)) * TWO_32 + BigInt(String(r.check_lo)));
    // Sub-table 0 holds every member once: its buckets give the size and the cell key.
    if (b < BUCKETS_PER_HASH) {
      cell.n += Number(r.n);
      low.set(id, ((low.get(id) ?? 0n) + keyLow) % TWO_32);
    }
  }
  for (const [id, sum] of low) (out.get(id) as MeasuredCell).key = Number(sum) / 2 ** 32;
  const samples = !options.samples
    ? []
    : await lake.query(
        sql`select cell, min(record_key, ${SAMPLE_SIZE})::varchar[] as keys
        from _disclosure_cells group by cell`,
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
