import { duckdbPrimitive, type ElementInfo } from "../fhir-model.js";

interface Field {
  info: ElementInfo;
  node?: SchemaNode;
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

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
   * The same structure with every primitive read as JSON, so that a check can see what JSON type
   * each value really has (a typed read would turn a number into a string without a word).
   */
  untypedStructure(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [name, f] of this.fields) {
      const inner = f.node && f.node.fields.size > 0 ? f.node.untypedStructure() : "JSON";
      out[name] = f.info.repeating ? [inner] : inner;
    }
    return out;
  }

  /**
   * A SQL condition, over a value of untypedStructure() at `at` read from the JSON text `raw`,
   * that holds when every value has the JSON type the view expects: a string for strings, codes
   * and dates, a number for numbers, true or false for booleans, an object or array where the
   * view reads one. A non-strict read turns an object or array of the wrong kind into NULLs, so a
   * complex value that came out empty while its key appears in the text fails the check.
   */
  typeCheckSql(at: string, raw: string, lambda: () => string): string {
    const checks: string[] = [];
    for (const [name, f] of this.fields) {
      const value = `${at}.${quote(name)}`;
      const complex = f.node && f.node.fields.size > 0 ? f.node : undefined;
      const one = (x: string): string | undefined => {
        if (complex) {
          const inner = complex.typeCheckSql(x, raw, lambda);
          return f.info.repeating ? `(NOT ${complex.nullishSql(x)} AND ${inner})` : inner;
        }
        if (f.node) return undefined; // read whole, as JSON: any shape will do
        const first = `left(${x}::VARCHAR, 1)`;
        switch (duckdbPrimitive(f.info.type)) {
          case "VARCHAR":
            return `(${x} IS NULL OR ${first} IN ('"', 'n'))`;
          case "BOOLEAN":
            return `(${x} IS NULL OR ${x}::VARCHAR IN ('true', 'false', 'null'))`;
          default:
            return `(${x} IS NULL OR ${first} IN ('-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'n'))`;
        }
      };
      const mentioned = `contains(${raw}, ${`'${JSON.stringify(name).replace(/'/g, "''")}'`})`;
      if (f.info.repeating) {
        const x = lambda();
        const inner = one(x);
        const present = `(NOT ${mentioned} OR len(${value}) > 0)`;
        checks.push(
          inner
            ? `(${present} AND coalesce(list_bool_and(list_transform(${value}, ${x} -> ${inner})), TRUE))`
            : present,
        );
      } else {
        const inner = one(value);
        if (complex) checks.push(`(NOT ${mentioned} OR NOT ${complex.nullishSql(value)})`);
        if (inner) checks.push(inner);
      }
    }
    return checks.length > 0 ? `(${checks.join(" AND ")})` : "TRUE";
  }

  /** SQL: whether a value of this node read nothing (NULL, or every field empty). */
  nullishSql(at: string): string {
    const parts = [...this.fields].map(([name, f]) => {
      const value = `${at}.${quote(name)}`;
      if (f.info.repeating) return `coalesce(len(${value}), 0) = 0`;
      if (f.node && f.node.fields.size > 0) return f.node.nullishSql(value);
      return `${value} IS NULL`;
    });
    return `(${at} IS NULL OR (${parts.join(" AND ")}))`;
  }

  /** The `columns = {...}` argument of read_ndjson for a resource with this node as its root. */
  columnsArgument(): string {
    const entries = [...this.fields].map(
      ([name, f]) => `'${name}': '${this.fieldType(f).replace(/'/g, "''")}'`,
    );
    return `{${entries.join(", ")}}`;
  }
}

export { quote };
