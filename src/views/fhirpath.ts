import fhirpath from "fhirpath";
import r4 from "fhirpath/fhir-context/r4/index.js";
import { temporalBoundary } from "./boundary.js";
import { CONSTANT_TYPES, type Constant, type ConstantKey } from "./model.js";

/** A compiled FHIRPath expression: evaluate on a focus (a resource or part of one). */
export type Evaluator = (focus: unknown, rowIndex: number) => unknown[];

/** Variables FHIRPath or SQL on FHIR define; anything else after % must be a view constant. */
const BUILT_IN_VARIABLES = new Set([
  "rowIndex",
  "resource",
  "rootResource",
  "context",
  "ucum",
  "sct",
  "loinc",
]);

export class UnknownConstantError extends Error {}

/**
 * The key a reference points at, matching getResourceKey() of the target (its id): the id of
 * `Type/id`, an absolute URL ending so, or `urn:uuid:`. With a type, a reference to another type
 * has no key.
 */
export function referenceKey(reference: unknown, type?: string): string | undefined {
  if (typeof reference !== "string") return undefined;
  const urn = /^urn:(?:uuid|oid):/.exec(reference);
  if (urn) return type ? undefined : reference.slice(urn[0].length) || undefined;
  const parts = reference.replace(/\/_history\/[^/]+$/, "").split("/");
  const id = parts[parts.length - 1];
  const refType = parts[parts.length - 2];
  if (!id || !refType) return undefined;
  if (type && refType !== type) return undefined;
  return id;
}

/** A fhirpath.js ResourceNode, as functions with internalStructures receive their input. */
interface Node {
  data?: unknown;
  fhirNodeDataType?: string;
  path?: string;
}

const TEMPORAL = new Set(["date", "dateTime", "instant", "time"]);

/**
 * Boundaries of decimal, date, dateTime and time values from the resource. Other inputs
 * (literals among them) give an empty result.
 */
function boundary(high: boolean) {
  return (inputs: Node[], precision?: number) => {
    if (inputs.length !== 1) return [];
    const node = inputs[0] as Node;
    const type = node.fhirNodeDataType ?? "";
    // Decimals arrive as fhirpath.js FP_Decimal objects; the precision is what JSON.parse kept
    // (1.0 arrives as 1, so its boundaries are 0.5 and 1.5, not 0.95 and 1.05).
    const number =
      typeof node.data === "object" ? (node.data as { value?: unknown } | null)?.value : node.data;
    if (typeof number === "number") {
      const decimals = (String(number).split(".")[1] ?? "").length;
      const step = 0.5 * 10 ** -decimals;
      return [Number((number + (high ? step : -step)).toFixed(decimals + 1))];
    }
    if (typeof node.data !== "string" || !TEMPORAL.has(type)) return [];
    const kind = type === "instant" ? "dateTime" : (type as "date" | "dateTime" | "time");
    const result = temporalBoundary(node.data, kind, high, precision);
    return result === undefined ? [] : [result];
  };
}

const userInvocationTable = {
  // SQL on FHIR: join() of an empty collection is the empty string.
  join: {
    fn: (inputs: unknown[], separator?: string) => [inputs.map(String).join(separator ?? "")],
    arity: { 0: [], 1: ["String"] },
  },
  lowBoundary: { fn: boundary(false), arity: { 0: [], 1: ["Integer"] }, internalStructures: true },
  highBoundary: { fn: boundary(true), arity: { 0: [], 1: ["Integer"] }, internalStructures: true },
  getResourceKey: {
    fn: (inputs: Array<{ id?: unknown }>) =>
      inputs.map((r) => r?.id).filter((id): id is string => typeof id === "string"),
    arity: { 0: [] },
  },
  getReferenceKey: {
    fn: (inputs: Array<{ reference?: unknown }>, type?: { name?: string }) =>
      inputs
        .map((r) => referenceKey(r?.reference, type?.name))
        .filter((k): k is string => k !== undefined),
    arity: { 0: [], 1: ["TypeSpecifier"] },
  },
};

function literal(constant: Constant): string {
  const key = Object.keys(constant).find((k) => k.startsWith("value")) as ConstantKey;
  const value = constant[key];
  switch (CONSTANT_TYPES[key]) {
    case "boolean":
    case "number":
      return String(value);
    case "date":
    case "dateTime":
      return `@${value}`;
    case "time":
      return `@T${value}`;
    default:
      return `'${String(value).replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
  }
}

/**
 * Replaces %name of each view constant by its FHIRPath literal, so typed constants (dates,
 * times) compare as their type does. Strings and `quoted` identifiers are left alone; an
 * undefined %name is an error.
 */
export function inlineConstants(expression: string, constants: readonly Constant[]): string {
  const literals = new Map(constants.map((c) => [c.name, literal(c)]));
  let out = "";
  for (let i = 0; i < expression.length; ) {
    const ch = expression[i] as string;
    if (ch === "'" || ch === "`") {
      let j = i + 1;
      while (j < expression.length && expression[j] !== ch) j += expression[j] === "\\" ? 2 : 1;
      out += expression.slice(i, j + 1);
      i = j + 1;
    } else if (ch === "%") {
      const m = /^%(?:`([^`]+)`|([A-Za-z_][A-Za-z0-9_-]*))/.exec(expression.slice(i));
      const name = m?.[1] ?? m?.[2];
      if (!m || !name) {
        out += ch;
        i++;
        continue;
      }
      const value = literals.get(name);
      if (value !== undefined) out += value;
      else if (BUILT_IN_VARIABLES.has(name) || name.startsWith("vs-") || name.startsWith("ext-"))
        out += m[0];
      else throw new UnknownConstantError(`%${name} is not a constant of this view`);
      i += m[0].length;
    } else {
      out += ch;
      i++;
    }
  }
  return out;
}

/**
 * Parses and compiles once with fhirpath.js; throws on a syntax error or an undefined constant.
 * `base` names the type path of the focus when it is a plain object rather than a resource.
 */
export function compileFhirPath(
  expression: string,
  constants: readonly Constant[],
  base?: string,
): Evaluator {
  const text = inlineConstants(expression, constants);
  // With a base, fhirpath.js knows the type of plain objects (choice elements resolve).
  const compiled = fhirpath.compile(base ? { base, expression: text } : text, r4, {
    userInvocationTable,
  } as never) as (resource: unknown, vars?: Record<string, unknown>) => unknown[];
  return (focus, rowIndex) => compiled(focus as never, { rowIndex });
}
