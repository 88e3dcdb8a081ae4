import type { VariableMeta } from "../catalog/metadata.js";
import type { Filter } from "./definition.js";

const NUMERIC = new Set(["DOUBLE", "BIGINT", "INTEGER"]);
const NUMBER_TEXT = /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/;

function isDate(v: unknown): boolean {
  if (typeof v !== "string" || !/^\d{4}-\d\d-\d\d$/.test(v)) return false;
  const d = new Date(`${v}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === v;
}

/** What a value must be for a column of this type, or undefined when any scalar will do. */
function expected(type: string): { what: string; fits: (v: unknown) => boolean } | undefined {
  if (NUMERIC.has(type))
    return {
      what: "a number",
      fits: (v) =>
        (typeof v === "number" && Number.isFinite(v)) ||
        (typeof v === "string" && NUMBER_TEXT.test(v)),
    };
  if (type === "DATE") return { what: "a date (YYYY-MM-DD)", fits: isDate };
  if (type === "BOOLEAN") return { what: "true or false", fits: (v) => typeof v === "boolean" };
  if (type === "VARCHAR")
    return {
      what: "text or a number",
      fits: (v) => typeof v === "string" || typeof v === "number",
    };
  return undefined;
}

/**
 * Filter values that do not fit their column's type, each with the key it is at (`gt`,
 * `in[2]`): found here, they are the user's mistake with a path, not a failed query.
 */
export function filterValueProblems(
  f: Filter,
  variable: VariableMeta,
): Array<{ at: string; message: string }> {
  const type = variable.type;
  const rule = expected(type);
  const problems: Array<{ at: string; message: string }> = [];
  const name = variable.variable;
  if (!rule) {
    if (Object.keys(f).some((k) => k !== "column" && k !== "isNull"))
      problems.push({ at: "column", message: `${name} is ${type}: filter it with isNull only` });
    return problems;
  }
  if (f.contains && type !== "VARCHAR")
    problems.push({ at: "contains", message: `${name} is ${type}, not text: contains needs text` });
  const check = (at: string, v: unknown) => {
    if (!rule.fits(v))
      problems.push({ at, message: `${name} is ${type}: ${at} must be ${rule.what}` });
  };
  f.in?.forEach((v, j) => {
    check(`in[${j}]`, v);
  });
  for (const key of ["gt", "gte", "lt", "lte"] as const)
    if (f[key] !== undefined) check(key, f[key]);
  return problems;
}
