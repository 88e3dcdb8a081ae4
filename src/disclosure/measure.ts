import type { Lake } from "../lake/lake.js";
import { int, join, type Sql, sql } from "../lake/sql.js";
import { RECORD_KEYS } from "./record-keys.js";
import { BUCKETS_PER_HASH, type Bucket, emptySketch, HASHES, type Sketch } from "./sketch.js";

/** A count to be shown: an ID and a query whose `pseudo_id` column lists the people counted. */
export interface CellQuery {
  id: string;
  persons: Sql;
}

/** What disclosure control needs of a cell: its size, cell key and sketch. */
export interface MeasuredCell {
  n: number;
  /** The cell key in [0, 1): the sum of the members' record keys (low 32 bits) mod 2^32. */
  key: number;
  sketch: Sketch;
}

const MOD = 1n << 64n;
const EMPTY_CELL = (): MeasuredCell => ({ n: 0, key: 0, sketch: emptySketch() });

/**
 * Measures many cells in one pass: distinct (cell, person) pairs are joined to the record keys and
 * summed per sketch bucket. A person without a record key stops the answer rather than go
 * uncounted.
 */
export async function measureCells(
  lake: Lake,
  cells: CellQuery[],
): Promise<Map<string, MeasuredCell>> {
  const out = new Map<string, MeasuredCell>(cells.map((c) => [c.id, EMPTY_CELL()]));
  if (cells.length === 0) return out;
  const ids = cells.map((c) => c.id);
  const members = join(
    cells.map((c, i) => sql`select ${int(i)} as cell, pseudo_id from (${c.persons})`),
    sql` union all `,
  );
  await lake.query(
    sql`create or replace temp table _disclosure_cells as select distinct cell, pseudo_id from (${members}) where pseudo_id is not null`,
  );
  await measureTempCells(lake, (cell) => ids[Number(cell)] as string, out);
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
      if (!out.has(id)) out.set(id, EMPTY_CELL());
      return id;
    },
    out,
  );
  return out;
}

/** Sizes, cell keys and sketches of the cells in `_disclosure_cells` (cell, pseudo_id). */
async function measureTempCells(
  lake: Lake,
  idOf: (cell: unknown) => string,
  out: Map<string, MeasuredCell>,
): Promise<void> {
  const [missing] = await lake.query(
    sql`select count(*) n from _disclosure_cells c anti join ${RECORD_KEYS} k on k.pseudo_id = c.pseudo_id`,
  );
  if (Number(missing?.n ?? 0) > 0)
    throw new Error(
      "Some people in the lake have no record key, so their counts cannot be perturbed: open the lake for writing once (for example `kaivo catalog refresh`) to assign them.",
    );
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
  for (const [id, sum] of low) (out.get(id) as MeasuredCell).key = Number(sum) / 2 ** 32;
  await lake.query(sql`drop table if exists _disclosure_cells`);
}
