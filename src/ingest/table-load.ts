import { existsSync, statSync } from "node:fs";
import type { DuckDBConnection } from "@duckdb/node-api";
import { recordKeySql } from "../identity/pseudonym.js";
import { type ScrubContext, scrubText } from "../identity/scrub.js";
import type { Vault } from "../identity/vault.js";
import { type CompiledSql, compileToDuckdb } from "../views/duckdb/compile.js";
import { literal, quote } from "../views/duckdb/schema.js";
import type { SelectPlan } from "../views/plan.js";
import { badCodeReason, codeShapeSql, unlistedCodeReason } from "./code-systems.js";
import { CHECKS_DB, checksAppender, PATIENTS } from "./line-checks.js";
import { lakeColumns, needsSubject, personScrubContext } from "./record-mapping.js";
import { bump, type TableReport } from "./report.js";
import { streamRows } from "./stream-rows.js";
import type { LakeTable } from "./table-config.js";

// One lake table's part of a load, in SQL: its view compiled to DuckDB over the lines that passed
// the checks (its type's check table), the checks only the view's output can make, note text
// scrubbed in JavaScript, and the staged rows (`stg_<table>`) keyed, pseudonymized and hashed.

export interface TableLoad {
  table: LakeTable;
  /** Undefined when the view uses something the compiler does not translate: every line goes the exact path. */
  compiled: CompiledSql | undefined;
  /** The type's check table (see LineChecks). */
  chk: string;
  /** The check table's column holding each passing line as the view reads it. */
  parsed: string;
  rows: string;
  scrubbed: string;
  /** Each distinct referenced id with its record key. */
  refKeys: string;
  /** NDJSON of the rows the exact path produced, in lake columns. */
  exactFile: string;
  stage: string;
}

export function tableLoad(table: LakeTable, exactFile: string, chk: string): TableLoad {
  const compiled = compileToDuckdb(table.plan, { lines: true });
  return {
    table,
    compiled: compiled.ok ? compiled.sql : undefined,
    chk,
    parsed: `r_${table.name}`,
    rows: `_rows_${table.name}`,
    refKeys: `_refkeys_${table.name}`,
    scrubbed: `${CHECKS_DB}.scrubbed_${table.name}`,
    exactFile,
    stage: `stg_${table.name}`,
  };
}

/** Runs the view over the lines that passed, then quarantines or sends on what its rows show. */
export async function mapTable(c: DuckDBConnection, t: TableLoad): Promise<void> {
  if (!t.compiled) {
    await c.run(`UPDATE ${t.chk} SET reason = 'suspect' WHERE reason IS NULL`);
    return;
  }
  await c.run(
    `CREATE OR REPLACE TEMP TABLE ${t.rows} AS ${t.compiled.fromParsed(
      `SELECT file_no, line, ${t.parsed} AS r FROM ${t.chk} WHERE reason IS NULL`,
    )}`,
  );
  const { table } = t;
  // A view with neither forEach, unionAll nor where gives each line exactly one row: its checks
  // need no grouping by line, and no line can be without a row.
  const oneRow = !rowsPerRecordVary(table.plan.root) && table.plan.where.length === 0;
  const any = (condition: string) => (oneRow ? `(${condition})` : `bool_or(${condition})`);
  const checks = [`WHEN ${any("r.__many")} THEN 'suspect'`];
  let join = "";
  if (table.text) {
    const x = `r.${quote(table.text.column)}`;
    checks.push(
      `WHEN ${any(`${x} IS NOT NULL AND try(decode(from_base64(${x}))) IS NULL`)} THEN 'suspect'`,
    );
  }
  // A reason built from a row's value: in a group of rows, the first that fails names it.
  const pick = (expr: string, condition: string) =>
    oneRow ? expr : `min(CASE WHEN ${condition} THEN ${expr} END)`;
  const reasonAround = (r: { before: string; after: string }, x: string, condition: string) =>
    `${literal(r.before)} || ${pick(codeShapeSql(x), condition)} || ${literal(r.after)}`;
  if (table.codeFormat) {
    const f = table.codeFormat;
    const x = `r.${quote(f.column)}`;
    // The URI of a row's system, a coding without one being in the table's own system.
    const uri = f.systemColumn
      ? `coalesce(nullif(r.${quote(f.systemColumn)}, ''), ${literal(f.system.uris[0] as string)})`
      : undefined;
    for (const system of f.registry.systems) {
      if (!uri && system.id !== f.system.id) continue;
      const inSystem = uri
        ? `${uri} IN (${system.uris.map((u) => literal(u)).join(", ")})`
        : "TRUE";
      const bad = `${x} IS NOT NULL AND ${inSystem} AND NOT regexp_matches(${x}, ${literal(system.pattern.source)})`;
      checks.push(`WHEN ${any(bad)} THEN ${reasonAround(badCodeReason(f.column, system), x, bad)}`);
    }
  }
  if (table.knownCodes) {
    await c.run(`CREATE OR REPLACE TEMP TABLE _codes (code VARCHAR)`);
    const appender = await c.createAppender("_codes");
    for (const code of table.knownCodes.codes) {
      appender.appendVarchar(code);
      appender.endRow();
    }
    appender.closeSync();
    const x = `r.${quote(table.knownCodes.column)}`;
    join = `LEFT JOIN _codes AS kc ON kc.code = ${x}`;
    const bad = `${x} IS NOT NULL AND kc.code IS NULL`;
    const reason = unlistedCodeReason(table.knownCodes.column, table.knownCodes.file);
    checks.push(`WHEN ${any(bad)} THEN ${reasonAround(reason, x, bad)}`);
  }
  await c.run(`UPDATE ${t.chk} AS k SET reason = w.reason FROM (
      SELECT r.file_no, r.line, CASE ${checks.join(" ")} END AS reason
      FROM ${t.rows} AS r ${join} ${oneRow ? "" : "GROUP BY r.file_no, r.line"}) AS w
    WHERE w.reason IS NOT NULL AND k.reason IS NULL AND k.file_no = w.file_no AND k.line = w.line`);
  if (oneRow) return;
  await c.run(`UPDATE ${t.chk} AS k SET reason = 'no rows for the table' WHERE reason IS NULL
    AND NOT EXISTS (SELECT 1 FROM ${t.rows} AS r WHERE r.file_no = k.file_no AND r.line = k.line)`);
}

/** The join that gives each row its person's pseudo-ID. */
function personJoin(table: LakeTable): string {
  if (table.resourceType === "Patient") return `LEFT JOIN ${PATIENTS} AS p ON p.source_id = k.id`;
  if (needsSubject(table.resourceType))
    return `LEFT JOIN ${PATIENTS} AS p ON p.source_id = k.subject_key`;
  return "LEFT JOIN (SELECT NULL::VARCHAR AS pseudo_id) AS p ON TRUE";
}

/**
 * Scrubs the note text of the rows that passed, in JavaScript (the scrubber's patterns need
 * look-behind, which DuckDB's regular expressions lack), into `scrubbed_<table>`, appended on
 * `writer` while `c` streams the texts.
 */
export async function scrubNotes(
  c: DuckDBConnection,
  writer: DuckDBConnection,
  t: TableLoad,
  vault: Vault,
  report: TableReport,
): Promise<void> {
  if (!t.table.text || !t.compiled) return;
  await c.run(
    `CREATE OR REPLACE TABLE ${t.scrubbed} (rid BIGINT, text VARCHAR, redactions VARCHAR)`,
  );
  const x = `r.${quote(t.table.text.column)}`;
  const texts = streamRows(
    c,
    `SELECT r.rowid AS rid, p.pseudo_id, coalesce(decode(from_base64(${x})), '') AS text
    FROM ${t.rows} AS r JOIN ${t.chk} AS k USING (file_no, line) ${personJoin(t.table)}
    WHERE k.reason IS NULL`,
  );
  const appender = await checksAppender(writer, t.scrubbed);
  const contexts = new Map<string, ScrubContext>();
  const contextOf = (pseudoId: string) => {
    let context = contexts.get(pseudoId);
    if (!context) {
      if (contexts.size >= 10_000) contexts.clear();
      context = personScrubContext(vault, pseudoId);
      contexts.set(pseudoId, context);
    }
    return context;
  };
  for await (const chunk of texts) {
    for (const [rid, pseudoId, text] of chunk) {
      const scrubbed = scrubText(String(text), pseudoId ? contextOf(String(pseudoId)) : {});
      for (const [k, n] of Object.entries(scrubbed.redactions)) bump(report.redactions, k, n);
      appender.appendBigInt(rid as bigint);
      appender.appendVarchar(scrubbed.text);
      appender.appendVarchar(JSON.stringify(scrubbed.redactions));
      appender.endRow();
    }
  }
  appender.closeSync();
}

/** An empty `stg_<table>`, for a table the export holds nothing for (it may still delete). */
export async function emptyStage(c: DuckDBConnection, t: TableLoad): Promise<void> {
  const columns = lakeColumns(t.table).filter(([n]) => n !== "load_from" && n !== "load_to");
  await c.run(
    `CREATE OR REPLACE TEMP TABLE ${t.stage} (${columns.map(([n, ty]) => `${quote(n)} ${ty}`).join(", ")})`,
  );
}

/** Whether the view can give a resource several rows: a forEach, or a unionAll of branches. */
function rowsPerRecordVary(select: SelectPlan): boolean {
  return (
    select.kind !== "plain" ||
    select.unionAll.length > 1 ||
    [...select.selects, ...select.unionAll].some(rowsPerRecordVary)
  );
}

/**
 * `stg_<table>`: the rows of lines that passed, in lake columns (record and reference keys by
 * HMAC under the lake key, the person's pseudo-ID, scrubbed text), with the exact path's rows,
 * and each record's content hash.
 */
export async function stageTable(c: DuckDBConnection, t: TableLoad, source: string): Promise<void> {
  const { table } = t;
  const columns = lakeColumns(table).filter(([n]) => n !== "load_from" && n !== "load_to");
  const own = columns.filter(
    ([n]) => !["record_key", "pseudo_id", "event_date", "source", "record_hash"].includes(n),
  );
  const parts: string[] = [];
  if (t.compiled) {
    const idColumn = table.plan.columns[0]?.name as string;
    const key = (sql: string) =>
      `CASE WHEN ${sql} IS NULL OR ${sql} = '' THEN NULL ELSE ${recordKeySql(source, "id", sql)} END`;
    const plan = new Map(table.plan.columns.map((col) => [col.name, col]));
    // References repeat (a visit's many labs): each distinct id is keyed once, then joined.
    const refs = own.map(([name]) => name).filter((name) => name.endsWith("_id"));
    if (refs.length > 0)
      await c.run(`CREATE OR REPLACE TEMP TABLE ${t.refKeys} AS
        SELECT id, ${recordKeySql(source, "id", "id")} AS key FROM (
          SELECT DISTINCT unnest([${refs.map((n) => `r.${quote(n)}`).join(", ")}]) AS id FROM ${t.rows} AS r)
        WHERE id IS NOT NULL AND id <> ''`);
    const refJoins = refs.map(
      (name, i) => `LEFT JOIN ${t.refKeys} AS rk${i} ON rk${i}.id = r.${quote(name)}`,
    );
    const select = own.map(([name]) => {
      if (table.text && name === "text") return "s.text AS text";
      if (table.text && name === "redactions") return "s.redactions::JSON AS redactions";
      const x = `r.${quote(name)}`;
      if (name.endsWith("_id")) return `rk${refs.indexOf(name)}.key AS ${quote(name)}`;
      if (plan.get(name)?.collection)
        return `coalesce(to_json(${x}), '[]'::JSON) AS ${quote(name)}`;
      return `${x} AS ${quote(name)}`;
    });
    // The first of the table's date columns that holds a date, as record-mapping.ts takes it.
    const dated = (table.eventDates ?? []).map((c) => {
      const ev = `r.${quote(c)}`;
      return `CASE WHEN regexp_matches(${ev}, '^\\d{4}-\\d\\d-\\d\\d') THEN try_cast(left(${ev}, 10) AS DATE) END`;
    });
    const eventDate = dated.length === 0 ? "NULL" : `coalesce(${dated.join(", ")})`;
    parts.push(`SELECT ${key(`r.${quote(idColumn)}`)} AS record_key, p.pseudo_id,
        ${eventDate} AS event_date,
        ${literal(source)} AS source, ${select.join(", ")}
      FROM ${t.rows} AS r JOIN ${t.chk} AS k USING (file_no, line) ${personJoin(table)}
      ${refJoins.join("\n      ")}
      ${table.text ? `LEFT JOIN ${t.scrubbed} AS s ON s.rid = r.rowid` : ""}
      WHERE k.reason IS NULL`);
  }
  if (existsSync(t.exactFile) && statSync(t.exactFile).size > 0) {
    const spec = `{${columns
      .filter(([n]) => n !== "record_hash")
      .map(([n, ty]) => `${literal(n)}: ${literal(ty)}`)
      .join(", ")}}`;
    parts.push(
      `SELECT * FROM read_ndjson(${literal(t.exactFile)}, columns = ${spec}, format = 'newline_delimited')`,
    );
  }
  if (parts.length === 0) return emptyStage(c, t);
  // A row's content as text: its values joined by U+001F, NULL as U+001E (cheaper than casting a
  // struct to text; values do not hold these control characters).
  const rowText = `concat_ws(chr(31), ${own.map(([n]) => `coalesce(${quote(n)}::VARCHAR, chr(30))`).join(", ")})`;
  const staged = `(${parts.join("\nUNION ALL BY NAME\n")}) AS staged`;
  if (rowsPerRecordVary(table.plan.root)) {
    // A record with several rows (forEach, unionAll) hashes the multiset of its rows: sums of the
    // rows' MD5 halves and the row count, which need no sort of the rows as an ordered string_agg
    // would. Grouped and joined back rather than a window over the table, which ran out of
    // memory on a large export where grouping and joining spill to disk.
    await c.run(`CREATE OR REPLACE TEMP TABLE ${t.stage}_rows AS
      SELECT *, md5_number_upper(${rowText}) AS __hu, md5_number_lower(${rowText}) AS __hl FROM ${staged}`);
    await c.run(`CREATE OR REPLACE TEMP TABLE ${t.stage} AS
      SELECT r.* EXCLUDE (__hu, __hl), h.record_hash FROM ${t.stage}_rows AS r
      JOIN (SELECT record_key, md5(concat_ws(':', count(*), sum(__hu), sum(__hl))) AS record_hash
            FROM ${t.stage}_rows GROUP BY record_key) AS h
      ON r.record_key IS NOT DISTINCT FROM h.record_key`);
    await c.run(`DROP TABLE ${t.stage}_rows`);
  } else
    await c.run(
      `CREATE OR REPLACE TEMP TABLE ${t.stage} AS SELECT *, md5(${rowText}) AS record_hash FROM ${staged}`,
    );
  await c.run(`DROP TABLE IF EXISTS ${t.rows}`);
  await c.run(`DROP TABLE IF EXISTS ${t.scrubbed}`);
  await c.run(`DROP TABLE IF EXISTS ${t.refKeys}`);
}

/**
 * Counts the staged rows whose code is in a system the registry does not know: they are loaded
 * unchecked, and the load report names the systems so that a steward can register them.
 */
export async function countUnregisteredCodes(
  c: DuckDBConnection,
  t: TableLoad,
  report: TableReport,
): Promise<void> {
  const f = t.table.codeFormat;
  if (!f?.systemColumn) return;
  const known = f.registry.systems.flatMap((s) => s.uris).map((u) => literal(u));
  const x = quote(f.systemColumn);
  const rows = (
    await c.runAndReadAll(`SELECT ${x} AS uri, count(*)::INTEGER AS n FROM ${t.stage}
      WHERE ${x} IS NOT NULL AND ${x} <> '' AND ${x} NOT IN (${known.join(", ")})
      GROUP BY ${x} ORDER BY ${x}`)
  ).getRowObjectsJS();
  for (const r of rows) {
    report.unregisteredCodeSystems ??= {};
    bump(report.unregisteredCodeSystems, String(r.uri), Number(r.n));
  }
}
