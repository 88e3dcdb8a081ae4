import type { z } from "zod";
import { ViewDefinitionError } from "./errors.js";
import { compileFhirPath, type Evaluator, UnknownConstantError } from "./fhirpath.js";
import {
  type Column,
  type Constant,
  type Select,
  type ViewDefinition,
  ViewDefinitionSchema,
} from "./model.js";

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
export function planView(raw: unknown): ViewPlan {
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
  const compile = (path: string, at: string): CompiledPath => {
    try {
      return { path, at, evaluate: compileFhirPath(path, constants) };
    } catch (error) {
      const reason =
        error instanceof UnknownConstantError
          ? error.message
          : `invalid FHIRPath (${firstLine(error)})`;
      throw new ViewDefinitionError(at, reason);
    }
  };
  const root = planSelect({ select: view.select }, "", compile, true);
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
    where: (view.where ?? []).map((w, i) => compile(w.path, `where[${i}].path`)),
    root,
    columns: root.names.map((name) => {
      const c = types.get(name);
      return { name, ...(c?.type ? { type: c.type } : {}), collection: c?.collection ?? false };
    }),
  };
}

function firstLine(error: unknown): string {
  return String((error as Error)?.message ?? error).split("\n")[0] ?? "";
}

function planSelect(
  select: Select,
  at: string,
  compile: (path: string, at: string) => CompiledPath,
  isRoot = false,
): SelectPlan {
  const prefix = at ? `${at}.` : "";
  const iterate: CompiledPath[] = [];
  let kind: SelectPlan["kind"] = "plain";
  if (select.forEach !== undefined) {
    kind = "forEach";
    iterate.push(compile(select.forEach, `${prefix}forEach`));
  } else if (select.forEachOrNull !== undefined) {
    kind = "forEachOrNull";
    iterate.push(compile(select.forEachOrNull, `${prefix}forEachOrNull`));
  } else if (select.repeat !== undefined) {
    kind = "repeat";
    select.repeat.forEach((p, i) => {
      iterate.push(compile(p, `${prefix}repeat[${i}]`));
    });
  }
  const columns = (select.column ?? []).map((c: Column, i) => ({
    ...compile(c.path, `${prefix}column[${i}].path`),
    name: c.name,
    ...(c.type ? { type: c.type } : {}),
    collection: c.collection === true,
  }));
  const selects = (select.select ?? []).map((s, i) =>
    planSelect(s, isRoot ? `select[${i}]` : `${prefix}select[${i}]`, compile),
  );
  const unionAll = (select.unionAll ?? []).map((s, i) =>
    planSelect(s, `${prefix}unionAll[${i}]`, compile),
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
