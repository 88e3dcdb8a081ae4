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

  /** The `columns = {...}` argument of read_ndjson for a resource with this node as its root. */
  columnsArgument(): string {
    const entries = [...this.fields].map(
      ([name, f]) => `'${name}': '${this.fieldType(f).replace(/'/g, "''")}'`,
    );
    return `{${entries.join(", ")}}`;
  }
}

export { quote };
