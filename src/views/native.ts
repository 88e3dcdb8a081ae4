import { choiceTypesOf, elementOf } from "./fhir-model.js";
import { type Evaluator, inlineConstants, referenceKey } from "./fhirpath.js";
import { type Expr, toIR, Unsupported } from "./ir.js";
import type { Constant } from "./model.js";

type Collection = unknown[];
type Fn = (focus: Collection, rowIndex: number) => Collection;

interface Typed {
  fn: Fn;
  /** FHIR type code, or a computed type: "boolean", "integer", "decimal", "string". */
  type: string;
  /** For complex values: where their children are defined. */
  base?: string;
}

export interface NativeExpression {
  evaluate: Evaluator;
  /** Where the children of the results are defined, when they are complex values. */
  base?: string;
}

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const TEMPORAL = new Set(["date", "dateTime", "instant", "time"]);
const isPrimitive = (type: string) => /^(System\.|[a-z])/.test(type);

/**
 * Compiles the common subset of FHIRPath (navigation, ofType on choice elements, first, where,
 * exists, empty, count, not, join, extension, getResourceKey, getReferenceKey, comparisons,
 * and/or, %rowIndex) into plain JavaScript closures typed by the FHIR R4 model. It is the
 * reference evaluator's fast path; anything else throws Unsupported and fhirpath.js runs it.
 * Dates and times are never compared here: fhirpath.js's precision rules apply to them.
 */
export function compileNative(
  expression: string,
  constants: readonly Constant[],
  focusBase: string | undefined,
  atResource: boolean,
): NativeExpression {
  if (!focusBase) throw new Unsupported("a focus of unknown type");
  const ir = toIR(inlineConstants(expression, constants));
  const focus: Typed = { fn: (f) => f, type: focusBase, base: focusBase };
  const typed = new NativeCompiler(atResource).compile(ir, focus);
  const fn = typed.fn;
  return {
    evaluate: (f, rowIndex) =>
      fn(f === null || f === undefined ? [] : Array.isArray(f) ? f : [f], rowIndex),
    ...(typed.base ? { base: typed.base } : {}),
  };
}

function singleBoolean(values: Collection): boolean | undefined {
  return values.length === 1 && typeof values[0] === "boolean" ? (values[0] as boolean) : undefined;
}

class NativeCompiler {
  constructor(private readonly atResource: boolean) {}

  compile(e: Expr, focus: Typed): Typed {
    switch (e.k) {
      case "member":
        return this.member(e.base ? this.compile(e.base, focus) : focus, e.name);
      case "fn":
        return this.fn(e, focus);
      case "literal": {
        if (e.type !== "string" && e.type !== "number" && e.type !== "boolean")
          throw new Unsupported("a date literal");
        const value = [e.value];
        const type =
          e.type === "number" ? (Number.isInteger(e.value) ? "integer" : "decimal") : e.type;
        return { fn: () => value, type };
      }
      case "rowIndex":
        return { fn: (_f, ri) => [ri], type: "integer" };
      case "index": {
        const base = this.compile(e.base, focus);
        const index = this.compile(e.index, focus);
        return {
          ...base,
          fn: (f, ri) => {
            const i = index.fn(f, ri)[0];
            const items = base.fn(f, ri);
            return typeof i === "number" && i >= 0 && i < items.length ? [items[i]] : [];
          },
        };
      }
      case "binary":
        return this.binary(e.op, this.compile(e.left, focus), this.compile(e.right, focus));
      case "typeName":
        throw new Unsupported("a type name outside ofType()");
    }
  }

  private member(base: Typed, name: string): Typed {
    if (!base.base) throw new Unsupported(`.${name} on a ${base.type}`);
    const info = elementOf(base.base, name);
    if (!info)
      throw new Unsupported(
        choiceTypesOf(base.base, name)
          ? `${name} without ofType()`
          : `element ${base.base}.${name}`,
      );
    const source = base.fn;
    return {
      type: info.type,
      ...(info.primitive ? {} : { base: info.childBase }),
      fn: (f, ri) => {
        const out: Collection = [];
        for (const item of source(f, ri)) {
          if (item === null || typeof item !== "object") continue;
          const value = (item as Record<string, unknown>)[name];
          if (value === undefined || value === null) continue;
          if (Array.isArray(value)) {
            for (const v of value) if (v !== null && v !== undefined) out.push(v);
          } else out.push(value);
        }
        return out;
      },
    };
  }

  private fn(e: Extract<Expr, { k: "fn" }>, focus: Typed): Typed {
    if (e.name === "ofType") {
      const target = e.args[0];
      if (e.base?.k !== "member" || target?.k !== "typeName")
        throw new Unsupported("ofType() other than on a choice element");
      const owner = e.base.base ? this.compile(e.base.base, focus) : focus;
      if (!owner.base || !choiceTypesOf(owner.base, e.base.name))
        throw new Unsupported("ofType() on a non-choice element");
      return this.member(owner, `${e.base.name}${cap(target.name)}`);
    }
    if (e.name === "$this") return focus;
    const base = e.base ? this.compile(e.base, focus) : focus;
    const src = base.fn;
    switch (e.name) {
      case "first":
        return { ...base, fn: (f, ri) => src(f, ri).slice(0, 1) };
      case "exists":
      case "empty": {
        if (e.args.length > 0) throw new Unsupported(`${e.name}() with an argument`);
        const want = e.name === "exists";
        return { type: "boolean", fn: (f, ri) => [src(f, ri).length > 0 === want] };
      }
      case "count":
        return { type: "integer", fn: (f, ri) => [src(f, ri).length] };
      case "not":
        return {
          type: "boolean",
          fn: (f, ri) => {
            const b = singleBoolean(src(f, ri));
            return b === undefined ? [] : [!b];
          },
        };
      case "where": {
        const condition = e.args[0];
        if (!condition) throw new Unsupported("where() without a condition");
        const cond = this.compile(condition, { ...base, fn: (f) => f });
        return {
          ...base,
          fn: (f, ri) => src(f, ri).filter((item) => singleBoolean(cond.fn([item], ri)) === true),
        };
      }
      case "join": {
        const separator = e.args[0];
        if (separator && separator.k !== "literal")
          throw new Unsupported("join() with a computed separator");
        const sep = separator ? String(separator.value) : "";
        return { type: "string", fn: (f, ri) => [src(f, ri).map(String).join(sep)] };
      }
      case "extension": {
        const url = e.args[0];
        if (url?.k !== "literal" || url.type !== "string")
          throw new Unsupported("extension() with a computed url");
        const extensions = this.member(base, "extension");
        return {
          ...extensions,
          fn: (f, ri) =>
            extensions.fn(f, ri).filter((x) => (x as { url?: unknown }).url === url.value),
        };
      }
      case "getResourceKey":
        if (!this.atResource || e.base)
          throw new Unsupported("getResourceKey() below the resource");
        return {
          type: "id",
          fn: (f) =>
            f.map((r) => (r as { id?: unknown }).id).filter((id) => typeof id === "string"),
        };
      case "getReferenceKey": {
        const type = e.args[0]?.k === "typeName" ? e.args[0].name : undefined;
        return {
          type: "id",
          fn: (f, ri) => {
            const out: Collection = [];
            for (const ref of src(f, ri)) {
              const key = referenceKey((ref as { reference?: unknown })?.reference, type);
              if (key !== undefined) out.push(key);
            }
            return out;
          },
        };
      }
      default:
        throw new Unsupported(`${e.name}()`);
    }
  }

  private binary(op: string, left: Typed, right: Typed): Typed {
    const l = left.fn;
    const r = right.fn;
    if (op === "and" || op === "or") {
      return {
        type: "boolean",
        fn: (f, ri) => {
          const a = singleBoolean(l(f, ri));
          const b = singleBoolean(r(f, ri));
          if (op === "and") {
            if (a === false || b === false) return [false];
            return a === true && b === true ? [true] : [];
          }
          if (a === true || b === true) return [true];
          return a === false && b === false ? [false] : [];
        },
      };
    }
    if (TEMPORAL.has(left.type) || TEMPORAL.has(right.type))
      throw new Unsupported(`${op} on dates`);
    if (!isPrimitive(left.type) || !isPrimitive(right.type))
      throw new Unsupported(`${op} on complex values`);
    if (op === "=" || op === "!=") {
      return {
        type: "boolean",
        fn: (f, ri) => {
          const a = l(f, ri);
          const b = r(f, ri);
          if (a.length === 0 || b.length === 0) return [];
          const equal = a.length === b.length && a.every((x, i) => x === b[i]);
          return [op === "=" ? equal : !equal];
        },
      };
    }
    if (op === "&") {
      return { type: "string", fn: (f, ri) => [`${l(f, ri)[0] ?? ""}${r(f, ri)[0] ?? ""}`] };
    }
    const compare: Record<string, (a: never, b: never) => unknown> = {
      "<": (a, b) => a < b,
      ">": (a, b) => a > b,
      "<=": (a, b) => a <= b,
      ">=": (a, b) => a >= b,
      "+": (a, b) => (a as number) + (b as number),
      "-": (a, b) => (a as number) - (b as number),
    };
    const apply = compare[op];
    if (!apply) throw new Unsupported(`operator ${op}`);
    const numeric = op === "-" || (op === "+" && left.type !== "string");
    return {
      type: op === "+" || op === "-" ? (left.type === "string" ? "string" : "decimal") : "boolean",
      fn: (f, ri) => {
        const a = l(f, ri);
        const b = r(f, ri);
        if (a.length !== 1 || b.length !== 1) return [];
        if (numeric && (typeof a[0] !== "number" || typeof b[0] !== "number")) return [];
        if (typeof a[0] !== typeof b[0]) return [];
        return [apply(a[0] as never, b[0] as never)];
      },
    };
  }
}
