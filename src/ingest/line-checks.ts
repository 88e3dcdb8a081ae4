import type { DuckDBAppender, DuckDBConnection } from "@duckdb/node-api";
import { literal, quote, type SchemaNode } from "../views/duckdb/schema.js";
import { type LoadFile, numberedLinesSql } from "./numbered-lines.js";
import { DATE_FIELDS, needsSubject } from "./record-mapping.js";
import { subjectKeySql } from "./subject-reference.js";

// The SQL side of a load's record checks. Every line of a resource type gets a row in its check
// table (file_no, line, bytes, id, subject_key, early, reason, and each view's typed value). A
// NULL reason means the line passed; a reason quarantines it; 'suspect' sends it to the exact
// JavaScript path (record-mapping.ts), which decides, so what SQL cannot vouch for is never
// loaded on SQL's word.

/**
 * The in-memory database of a load's check tables and of what JavaScript appends while it streams
 * rows out of the lake's main connection: an appender there would commit on that connection part
 * way through and silently end the stream, so such appenders run on a connection of their own.
 */
export const CHECKS_DB = "kaivo_checks";
/** This load's patients: source id and lake pseudo-ID. */
export const PATIENTS = `${CHECKS_DB}.patients`;

/** An appender on `conn` for a table of CHECKS_DB, named in full (`kaivo_checks.<table>`). */
export function checksAppender(conn: DuckDBConnection, table: string): Promise<DuckDBAppender> {
  const name = table.slice(CHECKS_DB.length + 1);
  if (table !== `${CHECKS_DB}.${name}`) throw new Error(`${table} is not in ${CHECKS_DB}.`);
  return conn.createAppender(name, "main", CHECKS_DB);
}

/**
 * Reasons JavaScript gives lines while the main connection streams them: appended on another
 * connection (`writer`) as they come, then written into the check table in one UPDATE.
 */
export class LineReasons {
  static readonly TABLE = `${CHECKS_DB}.line_reasons`;
  #open = true;

  private constructor(private readonly appender: DuckDBAppender) {}

  static async open(writer: DuckDBConnection): Promise<LineReasons> {
    await writer.run(
      `CREATE OR REPLACE TABLE ${LineReasons.TABLE} (file_no INTEGER, line BIGINT, reason VARCHAR)`,
    );
    return new LineReasons(await checksAppender(writer, LineReasons.TABLE));
  }

  add(fileNo: number, line: number, reason: string): void {
    this.appender.appendInteger(fileNo);
    this.appender.appendBigInt(BigInt(line));
    this.appender.appendVarchar(reason);
    this.appender.endRow();
  }

  /** Stops taking reasons (also when the load fails part way). */
  close(): void {
    if (this.#open) this.appender.closeSync();
    this.#open = false;
  }

  /** Gives the lines in `chk` their reasons, and drops the list. */
  async applyTo(c: DuckDBConnection, chk: string): Promise<void> {
    this.close();
    await c.run(`UPDATE ${chk} AS k SET reason = j.reason FROM ${LineReasons.TABLE} AS j
      WHERE k.file_no = j.file_no AND k.line = j.line`);
    await c.run(`DROP TABLE ${LineReasons.TABLE}`);
  }
}

type Structure = string | Structure[] | { [name: string]: Structure };

/** SQL: the line is not blank. trim() copies the string, so only short lines are trimmed. */
export const NOT_BLANK = "raw IS NOT NULL AND (strlen(raw) > 16 OR trim(raw) <> '')";

/** `b` added into `a` where `a` does not already read it. */
function merge(a: Structure, b: Structure): Structure {
  if (typeof a !== "object" || typeof b !== "object" || Array.isArray(a) || Array.isArray(b))
    return a;
  const out: Record<string, Structure> = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = k in out ? merge(out[k] as Structure, v) : v;
  return out;
}

/** SQL for the JSON text of a single (non-repeating) leaf at `path` under `at`, or NULL. */
function leafSql(structure: Structure, at: string, path: string[]): string {
  let node = structure;
  let sql = at;
  for (let i = 0; i < path.length; i++) {
    const name = path[i] as string;
    if (node === "JSON")
      return `json_extract(${sql}, ${literal(`$.${path.slice(i).join(".")}`)})::VARCHAR`;
    if (typeof node !== "object" || Array.isArray(node) || !(name in node)) return "NULL";
    node = node[name] as Structure;
    if (Array.isArray(node)) return "NULL";
    sql = `${sql}.${quote(name)}`;
  }
  return `${sql}::VARCHAR`;
}

/**
 * One resource type's line checks, into its check table `chk`: every line is parsed once (every
 * value the views read kept as JSON), then given the checks the exact path makes, in its order.
 * Blank lines get no row. A line that passes also gets, in each view's column, the value that
 * view reads, typed, from the same parse: the views then run over `chk` without reading or parsing
 * the line again.
 *
 * Numbering a file's lines (WITH ORDINALITY) reads it on one thread, and one statement reads its
 * files one after another; so the table is made empty first and each file checked into it by a
 * statement of its own, which any connection may run, several at once (CheckAhead does).
 */
export class LineChecks {
  readonly #select: (file: LoadFile) => string;

  constructor(
    type: string,
    private readonly files: readonly LoadFile[],
    views: Array<{ column: string; schema: SchemaNode }>,
    limitDay: string,
    readonly chk: string,
  ) {
    this.#select = checkSelect(type, views, limitDay);
  }

  /** Creates the (empty) check table, its columns as a file's check gives them. */
  async create(c: DuckDBConnection): Promise<void> {
    const [first] = this.files;
    if (!first) throw new Error(`No files to check into ${this.chk}.`);
    await c.run(`CREATE OR REPLACE TABLE ${this.chk} AS ${this.#select(first)} LIMIT 0`);
  }

  /** Checks one of the files into the table. */
  async checkFile(c: DuckDBConnection, file: LoadFile): Promise<void> {
    await c.run(`INSERT INTO ${this.chk} ${this.#select(file)}`);
  }
}

/** SQL selecting the check table's rows for one of a type's files. */
function checkSelect(
  type: string,
  views: Array<{ column: string; schema: SchemaNode }>,
  limitDay: string,
): (file: LoadFile) => string {
  const schemas = views.map((v) => v.schema);
  let lambdas = 0;
  const lambda = () => `k${++lambdas}`;
  let structure: Structure = {};
  for (const s of schemas) structure = merge(structure, s.untypedStructure() as Structure);
  const extras: Record<string, Structure> = {
    resourceType: "JSON",
    id: "JSON",
    subject: "JSON",
    period: { start: "JSON", end: "JSON" },
  };
  for (const f of DATE_FIELDS) extras[f] = "JSON";
  structure = merge(structure, extras);
  const text = (path: string[]) => leafSql(structure, "c", path);
  const isString = (sql: string) => `ord(${sql}) = 34`; // '"'; ord() is cheaper than left()
  const dates = [...DATE_FIELDS.map((f) => [f]), ["period", "start"], ["period", "end"]].map(
    (p) => {
      const t = text(p);
      return `(${isString(t)} AND substr(${t}, 2, 10) > ${literal(limitDay)})`;
    },
  );
  const subject = text(["subject"]);
  const reference = text(["subject", "reference"]);
  const subjectChecks = needsSubject(type)
    ? `WHEN ${subject} IS NULL THEN 'missing subject'
       WHEN ord(${subject}) <> 123 THEN 'wrong type: subject'`
    : "";
  const typesOk = schemas.map((s) => s.typeCheckSql("c", lambda)).join(" AND ");
  const id = text(["id"]);
  const typed = views
    .map(
      (v) =>
        `,\n      CASE WHEN coalesce(early, late) IS NULL THEN ${v.schema.typedSql("c")} END AS ${v.column}`,
    )
    .join("");
  return (file: LoadFile) => `
    SELECT file_no, line, bytes, id, subject_key, early, coalesce(early, late) AS reason${typed} FROM (
      SELECT file_no, line, bytes, c,
        CASE WHEN ${isString(id)} THEN (${id})::JSON ->> '$' END AS id,
        CASE WHEN ${isString(reference)} THEN ${subjectKeySql(`((${reference})::JSON ->> '$')`)} END AS subject_key,
        CASE
          WHEN c IS NULL THEN 'suspect'
          WHEN ${text(["resourceType"])} IS DISTINCT FROM ${literal(JSON.stringify(type))} THEN 'unexpected resource type'
          WHEN ${id} IS NULL OR NOT ${isString(id)} OR ${id} = '""' THEN 'wrong type: id'
        END AS early,
        CASE
          ${subjectChecks}
          WHEN ${dates.join(" OR ")} THEN 'date in the future'
          WHEN NOT (${typesOk}) THEN 'suspect'
        END AS late
      FROM (SELECT file_no, line, strlen(raw) AS bytes, try(from_json(raw, ${literal(JSON.stringify(structure))})) AS c
            FROM (${numberedLinesSql([file])}) AS l WHERE ${NOT_BLANK}) AS parsed
    )`;
}

/** A second line with an id already seen earlier in the export (file order, then line) is a duplicate. */
export async function markDuplicates(c: DuckDBConnection, chk: string): Promise<void> {
  await c.run(`UPDATE ${chk} AS k SET reason = 'duplicate record' FROM (
      SELECT file_no, line FROM (
        SELECT file_no, line, row_number() OVER (PARTITION BY id ORDER BY file_no, line) AS n
        FROM ${chk} WHERE early IS NULL AND id IN
          (SELECT id FROM ${chk} WHERE early IS NULL GROUP BY id HAVING count(*) > 1))
      WHERE n > 1) AS d
    WHERE k.file_no = d.file_no AND k.line = d.line`);
}

/**
 * Resolves subjects: from this load's patients (PATIENTS), else through the vault (the
 * callback, for the distinct ids not found); a line whose patient is nowhere is quarantined.
 */
export async function markUnresolvedSubjects(
  c: DuckDBConnection,
  chk: string,
  findInVault: (sourceId: string) => string | undefined,
): Promise<void> {
  const missing = (
    await c.runAndReadAll(`SELECT DISTINCT subject_key FROM ${chk} k WHERE reason IS NULL
      AND (subject_key IS NULL OR NOT EXISTS (SELECT 1 FROM ${PATIENTS} p WHERE p.source_id = k.subject_key))`)
  ).getRows();
  if (missing.length === 0) return; // every subject is a patient of this load
  let unresolved = false;
  const appender = await checksAppender(c, PATIENTS);
  for (const [sourceId] of missing) {
    const pseudoId = sourceId === null ? undefined : findInVault(String(sourceId));
    if (!pseudoId) {
      unresolved = true;
      continue;
    }
    appender.appendVarchar(String(sourceId));
    appender.appendVarchar(pseudoId);
    appender.endRow();
  }
  appender.closeSync();
  if (!unresolved) return;
  await c.run(`UPDATE ${chk} SET reason = 'unresolvable subject' WHERE reason IS NULL
    AND (subject_key IS NULL OR subject_key NOT IN (SELECT source_id FROM ${PATIENTS}))`);
}
