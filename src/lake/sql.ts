import {
  DOUBLE,
  type DuckDBConnection,
  type Json,
  LIST,
  listValue,
  VARCHAR,
} from "@duckdb/node-api";

/**
 * A value bound to a statement: the only way a string from outside reaches SQL. Lists bind as
 * DuckDB lists (a set of IDs in one parameter) and bytes as a BLOB.
 */
export type SqlParam =
  | string
  | number
  | boolean
  | null
  | Uint8Array
  | readonly string[]
  | readonly number[];

type Segment = { text: string } | { param: SqlParam };

/**
 * A piece of SQL whose text comes only from template literals in our source and from other
 * fragments; every interpolated value becomes a bound parameter, and identifiers enter only
 * through `ident`. So user text can change a statement's values but never its shape: it cannot
 * end a comment, close a quote or add a statement. Build with the `sql` tag.
 */
export class Sql {
  readonly #segments: readonly Segment[];

  private constructor(segments: readonly Segment[]) {
    this.#segments = segments;
  }

  /** @internal the tag and the helpers below build fragments; nothing else can. */
  static build(strings: readonly string[], values: ReadonlyArray<Sql | SqlParam>): Sql {
    const out: Segment[] = [];
    strings.forEach((text, i) => {
      if (text) out.push({ text });
      if (i >= values.length) return;
      const v = values[i];
      if (v instanceof Sql) out.push(...v.#segments);
      else out.push({ param: checkParam(v as SqlParam) });
    });
    return new Sql(out);
  }

  /** The statement text with `$1`, `$2`, … placeholders, and the values in their order. */
  compile(): { text: string; params: SqlParam[] } {
    let text = "";
    const params: SqlParam[] = [];
    for (const s of this.#segments) {
      if ("text" in s) text += s.text;
      else {
        params.push(s.param);
        text += `$${params.length}`;
      }
    }
    return { text, params };
  }

  /** Whether the fragment has no text at all. */
  get isEmpty(): boolean {
    return this.#segments.length === 0;
  }
}

function checkParam(v: SqlParam): SqlParam {
  const scalar = (x: unknown) =>
    typeof x === "string" ||
    typeof x === "boolean" ||
    (typeof x === "number" && Number.isFinite(x));
  if (v === null || scalar(v) || v instanceof Uint8Array) return v;
  if (Array.isArray(v) && v.every((x) => typeof x === "string" || scalar(x))) return v;
  throw new TypeError("A SQL parameter is a finite number, a string, a boolean, bytes or a list.");
}

/** The `sql` tag: literal text is SQL, every `${value}` a parameter, every `${fragment}` SQL. */
export function sql(strings: TemplateStringsArray, ...values: Array<Sql | SqlParam>): Sql {
  // A hand-made array would let any string in as SQL text: only real template literals pass.
  if (!Object.isFrozen(strings) || !Array.isArray(strings.raw))
    throw new TypeError("sql is a template tag: write sql`...`.");
  return Sql.build(strings, values);
}

/** Names Kaivo gives registries, tables, columns and temp tables. */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

/**
 * The one function that quotes an identifier. Names reach it only after they were matched
 * against the catalog; the character check is a second wall, so a catalog entry that somehow
 * held SQL still could not break out of the quotes.
 */
export function quoteIdent(name: string): string {
  if (!IDENTIFIER.test(name))
    throw new TypeError(`Not a Kaivo identifier: ${JSON.stringify(name.slice(0, 40))}.`);
  return `"${name}"`;
}

/** An identifier (a catalog-checked table or column name) as SQL. */
export function ident(...path: string[]): Sql {
  return Sql.build([path.map(quoteIdent).join(".")], []);
}

/** Fragments joined by a separator (`, ` by default). */
export function join(parts: readonly Sql[], separator: Sql = sql`, `): Sql {
  const strings: string[] = [""];
  const values: Sql[] = [];
  parts.forEach((p, i) => {
    if (i > 0) {
      values.push(separator);
      strings.push("");
    }
    values.push(p);
    strings.push("");
  });
  return Sql.build(strings, values);
}

/** A checked 32-bit integer, bound and cast, for day offsets, counts and load ids. */
export function int(n: number): Sql {
  if (!Number.isInteger(n) || Math.abs(n) > 2 ** 31 - 1)
    throw new TypeError(`Not a 32-bit integer: ${n}.`);
  // INTEGER, not BIGINT: DuckDB adds an INTEGER to a DATE, not a BIGINT.
  return sql`CAST(${n} AS INTEGER)`;
}

/** A checked integer as literal text, for comments and generated names (never a value). */
export function integerText(n: number): Sql {
  if (!Number.isSafeInteger(n)) throw new TypeError(`Not an integer: ${n}.`);
  return Sql.build([String(n)], []);
}

/** A calendar date (YYYY-MM-DD), bound and cast. */
export function date(day: string): Sql {
  return sql`CAST(${day} AS DATE)`;
}

/** An empty fragment, for optional parts. */
export const EMPTY: Sql = Sql.build([], []);

/**
 * Runs one statement on a connection as a prepared statement: DuckDB refuses to prepare more
 * than one statement, so even SQL that went wrong cannot run a second statement.
 */
export async function runSql(
  connection: DuckDBConnection,
  statement: Sql,
): Promise<Array<Record<string, Json>>> {
  const { text, params } = statement.compile();
  const prepared = await connection.prepare(text);
  try {
    // Lists carry their type: an empty one has no item to infer it from.
    params.forEach((p, i) => {
      if (p instanceof Uint8Array) prepared.bindBlob(i + 1, p);
      else if (Array.isArray(p))
        prepared.bindList(
          i + 1,
          listValue(p),
          LIST(p.length > 0 && typeof p[0] === "number" ? DOUBLE : VARCHAR),
        );
      else prepared.bindValue(i + 1, p as string | number | boolean | null);
    });
    return (await prepared.runAndReadAll()).getRowObjectsJson();
  } finally {
    prepared.destroySync();
  }
}
