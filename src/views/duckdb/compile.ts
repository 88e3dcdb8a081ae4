import { choiceTypesOf, elementOf } from "../fhir-model.js";
import { inlineConstants } from "../fhirpath.js";
import { type Expr, toIR, Unsupported } from "../ir.js";
import type { ColumnPlan, OutputColumn, SelectPlan, ViewPlan } from "../plan.js";
import { quote, SchemaNode } from "./schema.js";

/** A typed SQL value: a scalar (NULL when empty) or, when `many`, a LIST. */
interface Val {
  sql: string;
  many: boolean;
  /** FHIR type code, or "boolean" / "integer" / "decimal" / "string" for computed values. */
  type: string;
  /** For complex values: where their children are defined, and the schema node they read. */
  base?: string;
  node?: SchemaNode;
}

interface Scope {
  focus: Val;
  rowIndex: string;
}

/**
 * How the query reads its files. `typed`: every file holds only the view's resource type (as a
 * bulk export's files do), so read_ndjson parses straight into the schema: the fast path.
 * `mixed`: files may hold other types too, so each line is first filtered on its resourceType.
 */
export type ReadMode = "typed" | "mixed";

export interface CompiledSql {
  /** The query for a list of NDJSON files. */
  sql: (files: readonly string[], mode: ReadMode) => string;
  /** A bare scan of the same files with the same schema, as a baseline for benchmarks. */
  scan: (files: readonly string[]) => string;
  /**
   * The query over a relation of parsed lines (`file_no`, `line`, and `r`, the resource as
   * `schema` types it), with no resource-type filter: each row carries its line's `file_no` and
   * `line`, and `__many` is true where a column without `collection` found several values (its
   * value is then NULL, not an error). Only for views compiled with `{ lines: true }`.
   */
  fromParsed: (source: string) => string;
  /** The part of the resource the view reads. */
  schema: SchemaNode;
  columns: OutputColumn[];
}

export type CompileResult = { ok: true; sql: CompiledSql } | { ok: false; reason: string };

const literalSql = (text: string) => `'${text.replace(/'/g, "''")}'`;
const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const nonNullList = (sql: string, x: string) => `list_filter([${sql}], ${x} -> ${x} IS NOT NULL)`;

/**
 * Translates a planned view into one DuckDB query over read_ndjson with an explicit schema
 * derived from the paths the view reads. Returns the reason when the view uses something the
 * compiler does not translate; callers then use the reference evaluator and say so.
 */
export function compileToDuckdb(plan: ViewPlan, options: { lines?: boolean } = {}): CompileResult {
  try {
    return { ok: true, sql: new Compiler(plan, options.lines ?? false).compile() };
  } catch (error) {
    if (error instanceof Unsupported) return { ok: false, reason: error.message };
    throw error;
  }
}

class Compiler {
  readonly #root = new SchemaNode();
  #aliases = 0;
  #lambdas = 0;
  /** Conditions under which a singular column found several values (lines mode). */
  readonly #many: string[] = [];
  #unionDepth = 0;

  constructor(
    private readonly plan: ViewPlan,
    private readonly lines: boolean,
  ) {}

  compile(): CompiledSql {
    const resource: Val = {
      sql: "r",
      many: false,
      type: this.plan.resource,
      base: this.plan.resource,
      node: this.#root,
    };
    this.#root.use("resourceType", {
      type: "string",
      repeating: false,
      childBase: "string",
      primitive: true,
    });
    const scope: Scope = { focus: resource, rowIndex: "0" };
    const body = this.select(this.plan.root, scope);
    const where = this.plan.where.map((w) => {
      const v = this.expr(this.parse(w.path), scope);
      if (v.many || v.type !== "boolean") throw new Unsupported(`${w.at} is not a single boolean`);
      return `coalesce(${v.sql}, false)`;
    });
    const columns = body.columns.map(([name, sql]) => `${sql} AS ${quote(name)}`).join(",\n  ");
    const resourceType = literalSql(this.plan.resource);
    // The resource filter and the view's where go below the forEach joins: filtering after a
    // LATERAL join is several times slower in DuckDB.
    const filter = where.map((w) => ` AND ${w}`).join("");
    const readTyped = (list: string) =>
      `read_ndjson(${list}, columns = ${this.#root.columnsArgument()}, format = 'newline_delimited', maximum_object_size = 67108864)`;
    const from = (files: readonly string[], mode: ReadMode) => {
      const list = `[${files.map(literalSql).join(", ")}]`;
      return mode === "typed"
        ? `(SELECT * FROM ${readTyped(list)} AS r WHERE r."resourceType" = ${resourceType}${filter}) AS r`
        : `(SELECT * FROM (SELECT from_json(json, ${literalSql(JSON.stringify(this.#root.jsonStructure()))}) AS r FROM read_json_objects(${list}, format = 'newline_delimited', maximum_object_size = 67108864) WHERE json ->> 'resourceType' = ${resourceType}) AS t WHERE TRUE${filter}) AS t`;
    };
    const many =
      this.#many.length > 0 ? this.#many.map((m) => `coalesce(${m}, false)`).join(" OR ") : "FALSE";
    const fromParsed = (source: string) =>
      `SELECT t.file_no, t.line, ${columns}, ${many} AS __many\nFROM (SELECT * FROM (${source}) AS t WHERE TRUE${filter}) AS t\n${body.joins.join("\n")}`;
    return {
      sql: (files, mode) =>
        `SELECT\n  ${columns}\nFROM ${from(files, mode)}\n${body.joins.join("\n")}`,
      scan: (files) => `SELECT * FROM ${readTyped(`[${files.map(literalSql).join(", ")}]`)}`,
      fromParsed,
      schema: this.#root,
      columns: this.plan.columns,
    };
  }

  /** FHIRPath to IR, with the view's constants already written in as literals. */
  private parse(path: string): Expr {
    return toIR(inlineConstants(path, this.plan.constants));
  }

  private alias(): string {
    return `s${++this.#aliases}`;
  }

  private lambda(): string {
    return `x${++this.#lambdas}`;
  }

  private select(
    select: SelectPlan,
    outer: Scope,
  ): { joins: string[]; columns: Array<[string, string]> } {
    const joins: string[] = [];
    let scope = outer;
    if (select.kind === "repeat") throw new Unsupported("repeat");
    if (select.kind === "forEach" || select.kind === "forEachOrNull") {
      const items = this.expr(this.parse((select.iterate[0] as { path: string }).path), outer);
      const list = this.asList(items);
      const a = this.alias();
      const lateral = `LATERAL (SELECT unnest(${list}) AS v, unnest(range(len(${list}))) AS i) AS ${a}`;
      joins.push(
        select.kind === "forEach" ? `CROSS JOIN ${lateral}` : `LEFT JOIN ${lateral} ON TRUE`,
      );
      scope = {
        focus: { ...items, sql: `${a}.v`, many: false },
        rowIndex: select.kind === "forEach" ? `${a}.i` : `coalesce(${a}.i, 0)`,
      };
    }
    const columns: Array<[string, string]> = select.columns.map((c) => [
      c.name,
      this.column(c, scope),
    ]);
    for (const s of select.selects) {
      const inner = this.select(s, scope);
      joins.push(...inner.joins);
      columns.push(...inner.columns);
    }
    if (select.unionAll.length > 0) {
      const u = this.alias();
      this.#unionDepth++;
      const branches = select.unionAll.map((b) => {
        const inner = this.select(b, scope);
        const cols = inner.columns.map(([n, sql]) => `${sql} AS ${quote(n)}`).join(", ");
        return inner.joins.length > 0
          ? `SELECT ${cols} FROM (SELECT 1) AS one ${inner.joins.join(" ")}`
          : `SELECT ${cols}`;
      });
      this.#unionDepth--;
      joins.push(`CROSS JOIN LATERAL (${branches.join(" UNION ALL ")}) AS ${u}`);
      for (const name of select.unionAll[0]?.names ?? [])
        columns.push([name, `${u}.${quote(name)}`]);
    }
    return { joins, columns };
  }

  private column(c: ColumnPlan, scope: Scope): string {
    const v = this.expr(this.parse(c.path), scope);
    if (!isPrimitiveType(v.type)) throw new Unsupported(`column ${c.name} returns a complex value`);
    if (c.collection) return v.many ? v.sql : nonNullList(v.sql, this.lambda());
    if (!v.many) return v.sql;
    if (this.lines) {
      // Inside a unionAll branch the condition could not be seen by the outer query.
      if (this.#unionDepth > 0) throw new Unsupported("a singular column inside unionAll");
      this.#many.push(`len(${v.sql}) > 1`);
      return `CASE WHEN len(${v.sql}) > 1 THEN NULL ELSE (${v.sql})[1] END`;
    }
    const message = `column "${c.name}" (${c.at}) gave several values; a column without collection: true takes at most one`;
    return `CASE WHEN len(${v.sql}) > 1 THEN error(${literalSql(message)}) ELSE (${v.sql})[1] END`;
  }

  private asList(v: Val): string {
    return v.many ? v.sql : nonNullList(v.sql, this.lambda());
  }

  private expr(e: Expr, scope: Scope): Val {
    switch (e.k) {
      case "member":
        return this.member(e.base ? this.expr(e.base, scope) : scope.focus, e.name);
      case "fn":
        return this.fn(e, scope);
      case "literal":
        if (e.type === "number")
          return {
            sql: String(e.value),
            many: false,
            type: Number.isInteger(e.value) ? "integer" : "decimal",
          };
        if (e.type === "boolean")
          return { sql: e.value ? "TRUE" : "FALSE", many: false, type: "boolean" };
        return { sql: literalSql(String(e.value)), many: false, type: e.type };
      case "rowIndex":
        return { sql: scope.rowIndex, many: false, type: "integer" };
      case "binary":
        return this.binary(e.op, this.expr(e.left, scope), this.expr(e.right, scope));
      case "index": {
        const base = this.expr(e.base, scope);
        const index = this.expr(e.index, scope);
        if (index.many || index.type !== "integer")
          throw new Unsupported("an index that is not an integer");
        return { ...base, sql: `(${this.asList(base)})[(${index.sql}) + 1]`, many: false };
      }
      case "typeName":
        throw new Unsupported("a type name outside ofType()");
    }
  }

  private member(base: Val, name: string): Val {
    if (!base.base || !base.node) throw new Unsupported(`.${name} on a ${base.type}`);
    const info = elementOf(base.base, name);
    if (!info) {
      throw new Unsupported(
        choiceTypesOf(base.base, name)
          ? `${name} without ofType()`
          : `unknown element ${base.base}.${name}`,
      );
    }
    const node = base.node.use(name, info);
    const field = quote(name);
    const child = { type: info.type, ...(node ? { node, base: info.childBase } : {}) };
    if (!base.many) return { ...child, sql: `${base.sql}.${field}`, many: info.repeating };
    const x = this.lambda();
    const notNull = `list_filter(${base.sql}, ${x} -> ${x}.${field} IS NOT NULL)`;
    const sql = info.repeating
      ? `flatten(list_transform(${notNull}, ${x} -> ${x}.${field}))`
      : `list_transform(${notNull}, ${x} -> ${x}.${field})`;
    return { ...child, sql, many: true };
  }

  private fn(e: Extract<Expr, { k: "fn" }>, scope: Scope): Val {
    if (e.name === "ofType") {
      const target = e.args[0];
      if (e.base?.k !== "member" || target?.k !== "typeName")
        throw new Unsupported("ofType() other than on a choice element");
      const owner = e.base.base ? this.expr(e.base.base, scope) : scope.focus;
      if (!owner.base || !choiceTypesOf(owner.base, e.base.name))
        throw new Unsupported("ofType() on a non-choice element");
      return this.member(owner, `${e.base.name}${cap(target.name)}`);
    }
    if (e.name === "$this") return scope.focus;
    const base = e.base ? this.expr(e.base, scope) : scope.focus;
    switch (e.name) {
      case "first":
        return base.many ? { ...base, sql: `(${base.sql})[1]`, many: false } : base;
      case "exists":
      case "empty": {
        if (e.args.length > 0) throw new Unsupported(`${e.name}() with an argument`);
        const present = base.many
          ? `coalesce(len(${base.sql}), 0) > 0`
          : `(${base.sql}) IS NOT NULL`;
        return {
          sql: e.name === "exists" ? present : `NOT (${present})`,
          many: false,
          type: "boolean",
        };
      }
      case "count":
        return {
          sql: base.many
            ? `coalesce(len(${base.sql}), 0)`
            : `CASE WHEN (${base.sql}) IS NULL THEN 0 ELSE 1 END`,
          many: false,
          type: "integer",
        };
      case "not":
        if (base.type !== "boolean" || base.many) throw new Unsupported("not() of a non-boolean");
        return { sql: `NOT (${base.sql})`, many: false, type: "boolean" };
      case "where": {
        const condition = e.args[0];
        if (!condition) throw new Unsupported("where() without a condition");
        const x = this.lambda();
        const cond = this.expr(condition, {
          focus: { ...base, sql: x, many: false },
          rowIndex: scope.rowIndex,
        });
        if (cond.many || cond.type !== "boolean")
          throw new Unsupported("where() condition that is not a single boolean");
        return base.many
          ? { ...base, sql: `list_filter(${base.sql}, ${x} -> coalesce(${cond.sql}, false))` }
          : {
              ...base,
              sql: `(SELECT CASE WHEN coalesce(${cond.sql}, false) THEN ${x} END FROM (SELECT ${base.sql} AS ${x}))`,
            };
      }
      case "join": {
        const separator = e.args[0];
        if (separator && separator.k !== "literal")
          throw new Unsupported("join() with a computed separator");
        const sep = literalSql(separator ? String(separator.value) : "");
        const list = this.asList(base);
        return {
          sql: `coalesce(array_to_string(${list}, ${sep}), '')`,
          many: false,
          type: "string",
        };
      }
      case "extension": {
        const url = e.args[0];
        if (url?.k !== "literal" || url.type !== "string")
          throw new Unsupported("extension() with a computed url");
        const extensions = this.member(base, "extension");
        const x = this.lambda();
        extensions.node?.use("url", {
          type: "uri",
          repeating: false,
          childBase: "uri",
          primitive: true,
        });
        return {
          ...extensions,
          sql: `list_filter(${this.asList(extensions)}, ${x} -> ${x}."url" = ${literalSql(String(url.value))})`,
          many: true,
        };
      }
      case "getResourceKey":
        if (base !== scope.focus || base.sql !== "r")
          throw new Unsupported("getResourceKey() below the resource");
        return this.member(base, "id");
      case "getReferenceKey": {
        const type = e.args[0]?.k === "typeName" ? e.args[0].name : undefined;
        const reference = this.member(base, "reference");
        const pattern = literalSql("([^/]+)/([^/]+?)(?:/_history/[^/]+)?$");
        // Relative references (Type/id) take string functions; anything else a regular expression.
        const slow = (ref: string) =>
          type
            ? `CASE WHEN regexp_extract(${ref}, ${pattern}, 1) = ${literalSql(type)} THEN nullif(regexp_extract(${ref}, ${pattern}, 2), '') END`
            : `nullif(regexp_extract(${ref}, ${pattern}, 2), '')`;
        const key = (ref: string) =>
          type
            ? `CASE WHEN starts_with(${ref}, ${literalSql(`${type}/`)}) AND strpos(substr(${ref}, ${type.length + 2}), '/') = 0 THEN nullif(substr(${ref}, ${type.length + 2}), '') ELSE ${slow(ref)} END`
            : `CASE WHEN starts_with(${ref}, 'urn:uuid:') THEN nullif(substr(${ref}, 10), '') WHEN starts_with(${ref}, 'urn:oid:') THEN nullif(substr(${ref}, 9), '') WHEN length(${ref}) - length(replace(${ref}, '/', '')) = 1 THEN nullif(split_part(${ref}, '/', 2), '') ELSE ${slow(ref)} END`;
        if (!reference.many) return { sql: key(reference.sql), many: false, type: "string" };
        const x = this.lambda();
        return {
          sql: `list_filter(list_transform(${reference.sql}, ${x} -> ${key(x)}), ${x} -> ${x} IS NOT NULL)`,
          many: true,
          type: "string",
        };
      }
      default:
        throw new Unsupported(`${e.name}()`);
    }
  }

  private binary(op: string, left: Val, right: Val): Val {
    if (op === "and" || op === "or") {
      if (left.many || right.many || left.type !== "boolean" || right.type !== "boolean") {
        throw new Unsupported(`${op} of non-booleans`);
      }
      return {
        sql: `((${left.sql}) ${op.toUpperCase()} (${right.sql}))`,
        many: false,
        type: "boolean",
      };
    }
    if (!isPrimitiveType(left.type) || !isPrimitiveType(right.type))
      throw new Unsupported(`${op} on complex values`);
    const temporal = (v: Val) => ["date", "dateTime", "instant", "time"].includes(v.type);
    if ((temporal(left) || temporal(right)) && op !== "=" && op !== "!=")
      throw new Unsupported(`${op} on dates`);
    if (op === "+" || op === "-" || op === "&") return this.arithmetic(op, left, right);
    if (left.many || right.many) {
      if (op !== "=" && op !== "!=") throw new Unsupported(`${op} on collections`);
      // FHIRPath collection equality: empty if either side is empty, else item by item, in order.
      const l = this.asList(left);
      const r = this.asList(right);
      const equal = `CASE WHEN coalesce(len(${l}), 0) = 0 OR coalesce(len(${r}), 0) = 0 THEN NULL ELSE ${l} = ${r} END`;
      return { sql: op === "=" ? equal : `NOT (${equal})`, many: false, type: "boolean" };
    }
    return {
      sql: `((${left.sql}) ${op === "!=" ? "<>" : op} (${right.sql}))`,
      many: false,
      type: "boolean",
    };
  }

  private arithmetic(op: string, left: Val, right: Val): Val {
    if (left.many || right.many) throw new Unsupported(`${op} on collections`);
    const numeric = (v: Val) =>
      ["integer", "decimal", "positiveInt", "unsignedInt"].includes(v.type);
    if (op === "&") {
      return {
        sql: `(coalesce(CAST(${left.sql} AS VARCHAR), '') || coalesce(CAST(${right.sql} AS VARCHAR), ''))`,
        many: false,
        type: "string",
      };
    }
    if (numeric(left) && numeric(right)) {
      const type = left.type === "decimal" || right.type === "decimal" ? "decimal" : "integer";
      return { sql: `((${left.sql}) ${op} (${right.sql}))`, many: false, type };
    }
    if (op === "+" && !numeric(left) && !numeric(right))
      return { sql: `((${left.sql}) || (${right.sql}))`, many: false, type: "string" };
    throw new Unsupported(`${op} on ${left.type} and ${right.type}`);
  }
}

function isPrimitiveType(type: string): boolean {
  return /^(System\.|[a-z])/.test(type);
}
