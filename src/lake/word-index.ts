import type { Lake } from "./lake.js";
import { ident, int, type Sql, sql } from "./sql.js";

/**
 * The word index of note text, in the lake's `_search` schema: every token of every version of
 * an indexed column, with the version's `load_from` and `load_to`, so a posting is visible at a
 * snapshot exactly when its row is. Tokens come from the lake's column, which holds scrubbed text
 * only, so the index holds nothing the notes do not. Kept by the load's own transaction
 * (mergeLoad); docs/decisions/007-note-word-index.md says why and how queries use it.
 */

/**
 * A token: a run of letters, marks and digits (RE2 classes, the engine `contains` matches with).
 * Marks keep decomposed accents (a + U+0308) inside their word. The class is closed under RE2's
 * case folding (word-index.test.ts checks every code point), so a case-insensitive match of a run
 * of letters always lies inside one token.
 */
export const TOKEN_PATTERN = "[\\p{L}\\p{M}\\p{N}]+";

/**
 * A token case-folded: lower(), one code point for one, except İ, whose lower() is an i that RE2
 * does not match case-insensitively against İ; U+F8FF (private use, never in a token) stands in
 * for it meanwhile. So each letter of a folded token matches its original case-insensitively
 * (word-index.test.ts checks every code point), and a word of letters found in a folded token
 * is in the text. Accents are kept, as `contains` keeps them.
 */
export function fold(token: Sql): Sql {
  return sql`replace(lower(replace(${token}, 'İ', chr(63743))), chr(63743), 'İ')`;
}

/** One indexed column, as `_search.indexed` lists it. */
export interface IndexedColumn {
  tableId: number;
  registry: string;
  table: string;
  column: string;
}

/** Whether the lake has the index's schema (a lake from before it does not). */
async function hasIndex(lake: Lake): Promise<boolean> {
  const [row] = await lake.query(
    sql`select count(*) n from information_schema.tables where table_schema = '_search' and table_name = 'indexed' and table_catalog = current_database()`,
  );
  return Number(row?.n ?? 0) > 0;
}

/** The columns the index covers (none on a lake from before it). */
export async function indexedColumns(lake: Lake): Promise<IndexedColumn[]> {
  if (!(await hasIndex(lake))) return [];
  const rows = await lake.query(
    sql`select table_id, registry, table_name, column_name from _search.indexed order by table_id`,
  );
  return rows.map((r) => ({
    tableId: Number(r.table_id),
    registry: String(r.registry),
    table: String(r.table_name),
    column: String(r.column_name),
  }));
}

async function ensureSchema(lake: Lake): Promise<void> {
  await lake.query(sql`create schema if not exists _search`);
  await lake.query(sql`create table if not exists _search.indexed (
    table_id integer not null, registry varchar not null, table_name varchar not null,
    column_name varchar not null, built_load integer not null)`);
  // Words once, postings by number: a posting is four integers and a record key.
  await lake.query(
    sql`create table if not exists _search.vocabulary (word_id integer not null, word varchar not null)`,
  );
  await lake.query(sql`create table if not exists _search.postings (
    table_id integer not null, record_key varchar, load_from integer not null, load_to integer,
    word_id integer not null)`);
}

/**
 * Brings the index of one table's text column up to a load, inside the load's transaction and
 * after its rows were merged: postings of versions the load closed are closed with them, and the
 * versions it added are tokenised. A column not yet indexed (a lake from before the index) is
 * indexed whole, every version, so it is covered at every snapshot from then on.
 */
export async function indexLoad(
  lake: Lake,
  target: { registry: string; table: string; column: string },
  loadId: number,
): Promise<void> {
  await ensureSchema(lake);
  const [known] = await lake.query(
    sql`select table_id from _search.indexed where registry = ${target.registry} and table_name = ${target.table} and column_name = ${target.column}`,
  );
  const rows = ident(target.registry, target.table);
  const load = int(loadId);
  let tableId: Sql;
  let versions: Sql;
  if (known) {
    tableId = int(Number(known.table_id));
    await lake.query(
      sql`update _search.postings set load_to = ${load} where table_id = ${tableId} and load_to is null
        and record_key in (select record_key from ${rows} where load_to = ${load})`,
    );
    versions = sql`select * from ${rows} where load_from = ${load}`;
  } else {
    const [next] = await lake.query(
      sql`select coalesce(max(table_id), 0) + 1 as n from _search.indexed`,
    );
    const id = Number(next?.n ?? 1);
    tableId = int(id);
    await lake.query(
      sql`insert into _search.indexed values (${tableId}, ${target.registry}, ${target.table}, ${target.column}, ${load})`,
    );
    versions = sql`select * from ${rows}`;
  }
  // Distinct per note (a list function), not over all postings at once: no large aggregate.
  await lake.query(sql`create or replace temp table _index_tokens as
    select record_key, load_from, load_to,
      unnest(list_distinct(list_transform(regexp_extract_all(${ident(target.column)}, ${TOKEN_PATTERN}), lambda token: ${fold(sql`token`)}))) as word
    from (${versions}) where ${ident(target.column)} is not null`);
  await lake.query(sql`insert into _search.vocabulary
    select (select coalesce(max(word_id), 0) from _search.vocabulary) + row_number() over (order by word), word
    from (select distinct word from _index_tokens) n
    where not exists (select 1 from _search.vocabulary v where v.word = n.word)`);
  // Postings in word order, so a lookup reads only the row groups of its words (zone maps);
  // a load keeps its rows' order only when asked to.
  const [order] = await lake.query(
    sql`select current_setting('preserve_insertion_order')::boolean as keep`,
  );
  await lake.query(sql`set preserve_insertion_order = true`);
  try {
    await lake.query(sql`insert into _search.postings
      select ${tableId}, t.record_key, t.load_from, t.load_to, v.word_id
      from _index_tokens t join _search.vocabulary v on v.word = t.word order by v.word_id`);
  } finally {
    await lake.query(
      order?.keep === false
        ? sql`set preserve_insertion_order = false`
        : sql`set preserve_insertion_order = true`,
    );
  }
  await lake.query(sql`drop table _index_tokens`);
}
