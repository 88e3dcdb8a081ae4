import { duckdbPrimitive, type ElementInfo } from "../fhir-model.js";

interface Field {
  info: ElementInfo;
  node?: SchemaNode;
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;
/** A SQL string literal. */
const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;

/**
 * The part of a resource's structure a view reads, collected while compiling. It becomes the
 * explicit `columns` of read_ndjson, so DuckDB never guesses (and rewrites) a type.
 */
export class SchemaNode {
  readonly fields = new Map<string, Field>();

  /** Records that `name` is read; returns the child node for a complex element. */
  use(name: string, info: ElementInfo): SchemaNode | undefined {
    let field = this.fields.get(name);
    if (!field) {
      field = { info, ...(info.primitive ? {} : { node: new SchemaNode() }) };
      this.fields.set(name, field);
    }
    return field.node;
  }

  private fieldType(field: Field): string {
    const base = field.node
      ? field.node.fields.size > 0
        ? `STRUCT(${field.node.structFields()})`
        : "JSON"
      : duckdbPrimitive(field.info.type);
    return field.info.repeating ? `${base}[]` : base;
  }

  private structFields(): string {
    return [...this.fields].map(([name, f]) => `${quote(name)} ${this.fieldType(f)}`).join(", ");
  }

  /** The same structure as from_json() wants it: a JSON document of type names. */
  jsonStructure(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [name, f] of this.fields) {
      const inner = f.node
        ? f.node.fields.size > 0
          ? f.node.jsonStructure()
          : "JSON"
        : duckdbPrimitive(f.info.type);
      out[name] = f.info.repeating ? [inner] : inner;
    }
    return out;
  }

  /**
   * The structure a check reads: every primitive, and every list whole, as JSON text, so the
   * check sees what JSON type each value really has (a typed read would turn a number into a
   * string, and an object where a list belongs into NULL, without a word).
   */
  untypedStructure(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [name, f] of this.fields)
      out[name] =
        f.info.repeating || !f.node || f.node.fields.size === 0
          ? "JSON"
          : f.node.untypedStructure();
    return out;
  }

  /**
   * SQL turning a value of untypedStructure() at `at` into the value jsonStructure() would read
   * from the same JSON, for values that pass typeCheckSql. So one parse of a line serves both the
   * checks and the view.
   */
  typedSql(at: string): string {
    const fields = [...this.fields].map(
      ([name, f]) => `${quote(name)} := ${SchemaNode.typedFieldSql(`${at}.${quote(name)}`, f)}`,
    );
    return `struct_pack(${fields.join(", ")})`;
  }

  private static typedFieldSql(value: string, f: Field): string {
    const complex = f.node && f.node.fields.size > 0 ? f.node : undefined;
    if (f.info.repeating) {
      const element = complex
        ? complex.jsonStructure()
        : f.node
          ? "JSON"
          : duckdbPrimitive(f.info.type);
      return `from_json(${value}, ${literal(JSON.stringify([element]))})`;
    }
    if (complex) return `CASE WHEN ${value} IS NULL THEN NULL ELSE ${complex.typedSql(value)} END`;
    if (f.node) return value; // read whole, as JSON
    const type = duckdbPrimitive(f.info.type);
    return type === "VARCHAR" ? `(${value} ->> '$')` : `(${value})::${type}`;
  }

  /** The structure of one element of a list field, as the check reads it. */
  private elementStructure(f: Field): unknown {
    return f.node && f.node.fields.size > 0 ? f.node.untypedStructure() : "JSON";
  }

  /**
   * A SQL condition, over a value of untypedStructure() at `at`, that holds when every value has
   * the JSON type the view expects: a string for strings, codes and dates, a number for numbers,
   * true or false for booleans, an object or a list where the view reads one. A read of an object
   * from something else gives an object of NULLs, so an object of which the view reads nothing
   * fails too (the exact path then decides).
   */
  typeCheckSql(at: string, lambda: () => string): string {
    const checks: string[] = [];
    for (const [name, f] of this.fields) {
      const value = `${at}.${quote(name)}`;
      const complex = f.node && f.node.fields.size > 0 ? f.node : undefined;
      const one = (x: string): string | undefined => {
        if (complex)
          return `(${x} IS NULL OR (NOT ${complex.allNullSql(x)} AND ${complex.typeCheckSql(x, lambda)}))`;
        if (f.node) return undefined; // read whole, as JSON: any shape will do
        // ord() reads the first character's code: several times cheaper than left(x, 1) = '...'.
        const first = `ord(${x}::VARCHAR)`;
        switch (duckdbPrimitive(f.info.type)) {
          case "VARCHAR":
            return `(${x} IS NULL OR ${first} IN (34, 110))`; // '"', 'n' (null)
          case "BOOLEAN":
            return `(${x} IS NULL OR ${x}::VARCHAR IN ('true', 'false', 'null'))`;
          default:
            return `(${x} IS NULL OR ${first} BETWEEN 48 AND 57 OR ${first} IN (45, 110))`; // digit, '-', 'n'
        }
      };
      if (f.info.repeating) {
        const x = lambda();
        const inner = one(x);
        const structure = `'${JSON.stringify([this.elementStructure(f)]).replace(/'/g, "''")}'`;
        const items = inner
          ? ` AND coalesce(list_bool_and(list_transform(from_json(${value}, ${structure}), ${x} -> ${inner})), TRUE)`
          : "";
        checks.push(
          `(${value} IS NULL OR ${value}::VARCHAR = 'null' OR (ord(${value}::VARCHAR) = 91${items}))`, // '['
        );
      } else {
        const inner = one(value);
        if (inner) checks.push(inner);
      }
    }
    return checks.length > 0 ? `(${checks.join(" AND ")})` : "TRUE";
  }

  /** SQL: whether every field of an object value is NULL (the view read nothing from it). */
  allNullSql(at: string): string {
    return `(${[...this.fields].map(([name]) => `${at}.${quote(name)} IS NULL`).join(" AND ")})`;
  }

  /** The `columns = {...}` argument of read_ndjson for a resource with this node as its root. */
  columnsArgument(): string {
    const entries = [...this.fields].map(
      ([name, f]) => `'${name}': '${this.fieldType(f).replace(/'/g, "''")}'`,
    );
    return `{${entries.join(", ")}}`;
  }
}

export { literal, quote };
