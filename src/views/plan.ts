import type { z } from "zod";
import { ViewDefinitionError } from "./errors.js";
import { compileFhirPath, type Evaluator, UnknownConstantError } from "./fhirpath.js";
import { Unsupported } from "./ir.js";
import {
  type Column,
  type Constant,
  type Select,
  type ViewDefinition,
  ViewDefinitionSchema,
} from "./model.js";
import { compileNative } from "./native.js";

export interface CompiledPath {
  path: string;
  /** Where the expression is in the view, for errors. */
  at: string;
  evaluate: Evaluator;
}

export interface ColumnPlan extends CompiledPath {
  name: string;
  type?: string;
  collection: boolean;
}

export interface SelectPlan {
  at: string;
  kind: "plain" | "forEach" | "forEachOrNull" | "repeat";
  /** The forEach / forEachOrNull expression, or the repeat expressions. */
  iterate: CompiledPath[];
  columns: ColumnPlan[];
  selects: SelectPlan[];
  unionAll: SelectPlan[];
  /** Every column this select produces, in output order. */
  names: string[];
}

export interface OutputColumn {
  name: string;
  type?: string;
  collection: boolean;
}

/** A validated view with every expression compiled once, shared by both evaluators. */
export interface ViewPlan {
  view: ViewDefinition;
  resource: string;
  constants: Constant[];
  where: CompiledPath[];
  root: SelectPlan;
  columns: OutputColumn[];
}

function zodPath(path: PropertyKey[]): string {
  return path
    .map((p, i) => (typeof p === "number" ? `[${p}]` : `${i === 0 ? "" : "."}${String(p)}`))
    .join("");
}

/**
 * Validates a ViewDefinition (shape, unique column names, matching unionAll branches, FHIRPath
 * syntax, defined constants) and compiles it. Every error names its place in the view.
 */
export interface PlanOptions {
  /** Use the plain-JavaScript fast path where it applies (default). Off: fhirpath.js only. */
  native?: boolean;
}

export function planView(raw: unknown, options: PlanOptions = {}): ViewPlan {
  const parsed = ViewDefinitionSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0] as z.core.$ZodIssue;
    const at = zodPath(issue.path);
    const problem =
      issue.code === "unrecognized_keys"
        ? `unknown key ${issue.keys.map((k) => `"${k}"`).join(", ")}`
        : issue.message;
    throw new ViewDefinitionError(at, problem);
  }
  const view = parsed.data as ViewDefinition;
  const constants = view.constant ?? [];
  const compile: Compile = (path, at, focus, allowNative = true) => {
    try {
      if (!allowNative || options.native === false) throw new Unsupported("fhirpath.js wanted");
      // The fast path: plain JavaScript for the common FHIRPath subset; fhirpath.js for the rest.
      const native = compileNative(path, constants, focus.base, focus.atResource);
      return { path, at, evaluate: native.evaluate, ...(native.base ? { base: native.base } : {}) };
    } catch (error) {
      if (!(error instanceof Unsupported)) return invalid(error, at);
    }
    try {
      const base = focus.atResource ? undefined : focus.base;
      return { path, at, evaluate: compileFhirPath(path, constants, base) };
    } catch (error) {
      return invalid(error, at);
    }
  };
  const resourceFocus: Focus = { base: view.resource, atResource: true };
  const root = planSelect({ select: view.select }, "", compile, resourceFocus, true);
  const owners = columnOwners(root);
  const seen = new Map<string, string>();
  for (const { name, at } of owners) {
    const first = seen.get(name);
    if (first !== undefined)
      throw new ViewDefinitionError(at, `column name "${name}" is already used at ${first}`);
    seen.set(name, at);
  }
  const types = new Map(owners.map((o) => [o.name, o.column]));
  return {
    view,
    resource: view.resource,
    constants,
    where: (view.where ?? []).map((w, i) => compile(w.path, `where[${i}].path`, resourceFocus)),
    root,
    columns: root.names.map((name) => {
      const c = types.get(name);
      return { name, ...(c?.type ? { type: c.type } : {}), collection: c?.collection ?? false };
    }),
  };
}

/** What a select's expressions are evaluated on: its type (when known) and whether it is the resource. */
interface Focus {
  base: string | undefined;
  atResource: boolean;
}

type Compile = (
  path: string,
  at: string,
  focus: Focus,
  allowNative?: boolean,
) => CompiledPath & { base?: string };

function invalid(error: unknown, at: string): never {
  const reason =
    error instanceof UnknownConstantError
      ? error.message
      : `invalid FHIRPath (${firstLine(error)})`;
  throw new ViewDefinitionError(at, reason);
}

function firstLine(error: unknown): string {
  return String((error as Error)?.message ?? error).split("\n")[0] ?? "";
}

function planSelect(
  select: Select,
  at: string,
  compile: Compile,
  focus: Focus,
  isRoot = false,
): SelectPlan {
  const prefix = at ? `${at}.` : "";
  const iterate: Array<CompiledPath & { base?: string }> = [];
  let kind: SelectPlan["kind"] = "plain";
  let inner = focus;
  if (select.forEach !== undefined) {
    kind = "forEach";
    iterate.push(compile(select.forEach, `${prefix}forEach`, focus));
    inner = { base: iterate[0]?.base, atResource: false };
  } else if (select.forEachOrNull !== undefined) {
    kind = "forEachOrNull";
    iterate.push(compile(select.forEachOrNull, `${prefix}forEachOrNull`, focus));
    inner = { base: iterate[0]?.base, atResource: false };
  } else if (select.repeat !== undefined) {
    kind = "repeat";
    select.repeat.forEach((p, i) => {
      // Repeat items come from several paths: keep fhirpath.js's typed nodes for them.
      iterate.push(compile(p, `${prefix}repeat[${i}]`, focus, false));
    });
    inner = { base: undefined, atResource: false };
  }
  const columns = (select.column ?? []).map((c: Column, i) => ({
    ...compile(c.path, `${prefix}column[${i}].path`, inner),
    name: c.name,
    ...(c.type ? { type: c.type } : {}),
    collection: c.collection === true,
  }));
  const selects = (select.select ?? []).map((s, i) =>
    planSelect(s, isRoot ? `select[${i}]` : `${prefix}select[${i}]`, compile, inner),
  );
  const unionAll = (select.unionAll ?? []).map((s, i) =>
    planSelect(s, `${prefix}unionAll[${i}]`, compile, inner),
  );
  const branchNames = unionAll[0]?.names ?? [];
  for (const branch of unionAll) {
    if (branch.names.join(",") !== branchNames.join(",")) {
      throw new ViewDefinitionError(
        branch.at,
        `unionAll branches must have the same columns in the same order: (${branch.names.join(", ")}) differs from (${branchNames.join(", ")})`,
      );
    }
  }
  return {
    at,
    kind,
    iterate,
    columns,
    selects,
    unionAll,
    names: [...columns.map((c) => c.name), ...selects.flatMap((s) => s.names), ...branchNames],
  };
}

/** Each output column with the place it is defined (unionAll: the first branch). */
function columnOwners(select: SelectPlan): Array<{ name: string; at: string; column: ColumnPlan }> {
  return [
    ...select.columns.map((c) => ({
      name: c.name,
      at: c.at.replace(/\.path$/, ".name"),
      column: c,
    })),
    ...select.selects.flatMap(columnOwners),
    ...(select.unionAll[0] ? columnOwners(select.unionAll[0]) : []),
  ];
}
