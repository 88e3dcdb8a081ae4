import { randomBytes } from "node:crypto";
import type { Lake } from "../lake/lake.js";
import { EMPTY, ident, int, sql } from "../lake/sql.js";

/**
 * Every person in the lake carries a permanent random record key (64 bits, `main._record_keys`),
 * drawn once, from the operating system's random source, when they first appear. Cell keys of
 * perturbation and the ledger's sketches are made of them. They never leave the lake: not in a
 * release, an export, an answer or a log.
 */
export const RECORD_KEYS = ident("main", "_record_keys");

export async function ensureRecordKeyTable(lake: Lake): Promise<void> {
  await lake.query(
    sql`create table if not exists main._record_keys (pseudo_id varchar primary key, record_key ubigint not null)`,
  );
}

/**
 * Gives a record key to every person of the lake's tables who has none: after each load (inside
 * its transaction, looking only at the rows it wrote) and when a lake made before record keys is
 * opened for writing.
 */
export async function assignRecordKeys(lake: Lake, onlyLoad?: number): Promise<number> {
  await ensureRecordKeyTable(lake);
  const tables = await lake.query(
    sql`select table_schema s, table_name t from information_schema.columns
        where column_name = 'pseudo_id' and table_schema not in ('main', '_cohort', '_catalog')
          and table_catalog = current_database()
        order by 1, 2`,
  );
  let added = 0;
  for (const { s, t } of tables) {
    const missing = await lake.query(
      sql`select distinct e.pseudo_id from ${ident(String(s), String(t))} e
          anti join main._record_keys k on k.pseudo_id = e.pseudo_id
          where e.pseudo_id is not null${onlyLoad === undefined ? EMPTY : sql` and e.load_from = ${int(onlyLoad)}`}`,
    );
    if (missing.length === 0) continue;
    const ids = missing.map((r) => String(r.pseudo_id));
    const bytes = randomBytes(8 * ids.length);
    const keys = ids.map((_, i) => bytes.readBigUInt64BE(8 * i).toString());
    await lake.query(
      sql`insert into main._record_keys select unnest(${ids}::varchar[]), unnest(${keys}::varchar[])::ubigint`,
    );
    added += ids.length;
  }
  return added;
}

export async function hasRecordKeyTable(lake: Lake): Promise<boolean> {
  const [row] = await lake.query(
    sql`select count(*) n from information_schema.tables where table_schema = 'main' and table_name = '_record_keys' and table_catalog = current_database()`,
  );
  return Number(row?.n ?? 0) > 0;
}
