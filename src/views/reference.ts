import { ViewRuntimeError } from "./errors.js";
import type { CompiledPath, SelectPlan, ViewPlan } from "./plan.js";

export type Row = Record<string, unknown>;

/**
 * The reference evaluator: applies a planned view to one resource at a time with the `fhirpath`
 * package. Resources of other types give no rows.
 */
export function evaluateResource(plan: ViewPlan, resource: Record<string, unknown>): Row[] {
  if (resource.resourceType !== plan.resource) return [];
  for (const w of plan.where) {
    const result = w.evaluate(resource, 0);
    if (result.length === 0) return [];
    if (result.length > 1 || typeof result[0] !== "boolean") {
      throw new ViewRuntimeError(`${w.at} must evaluate to a boolean, got ${describe(result)}`);
    }
    if (result[0] !== true) return [];
  }
  const names = plan.root.names;
  return rowsOf(plan.root, resource, 0).map((values) => {
    const row: Row = {};
    for (let i = 0; i < names.length; i++) row[names[i] as string] = values[i] ?? null;
    return row;
  });
}

/** Rows of every resource, in order. */
export function* evaluateAll(
  plan: ViewPlan,
  resources: Iterable<Record<string, unknown>>,
): Generator<Row> {
  for (const r of resources) yield* evaluateResource(plan, r);
}

function describe(values: unknown[]): string {
  return values.length === 1 ? `a ${typeof values[0]}` : `${values.length} values`;
}

function rowsOf(select: SelectPlan, focus: unknown, rowIndex: number): unknown[][] {
  switch (select.kind) {
    case "plain":
      return innerRows(select, focus, rowIndex);
    case "forEach":
    case "forEachOrNull": {
      const items = (select.iterate[0] as CompiledPath).evaluate(focus, rowIndex);
      if (items.length === 0) return select.kind === "forEachOrNull" ? [nullRow(select)] : [];
      return items.flatMap((item, i) => innerRows(select, item, i));
    }
    case "repeat":
      return repeatCollect(select.iterate, focus).flatMap((item, i) => innerRows(select, item, i));
  }
}

/** Depth-first, pre-order: a node, then everything reachable from it, for each expression. */
function repeatCollect(expressions: CompiledPath[], focus: unknown): unknown[] {
  const out: unknown[] = [];
  const walk = (node: unknown) => {
    for (const e of expressions) {
      for (const child of e.evaluate(node, 0)) {
        out.push(child);
        walk(child);
      }
    }
  };
  walk(focus);
  return out;
}

/**
 * The row forEachOrNull gives when nothing matched: its own columns evaluated on an empty focus
 * (so %rowIndex is 0 and paths are null), every nested column null.
 */
function nullRow(select: SelectPlan): unknown[] {
  const own = columnValues(select, [], 0);
  return own.concat(new Array(select.names.length - own.length).fill(null));
}

function innerRows(select: SelectPlan, focus: unknown, rowIndex: number): unknown[][] {
  let rows: unknown[][] = [columnValues(select, focus, rowIndex)];
  for (const s of select.selects) rows = product(rows, rowsOf(s, focus, rowIndex));
  if (select.unionAll.length > 0) {
    rows = product(
      rows,
      select.unionAll.flatMap((b) => rowsOf(b, focus, rowIndex)),
    );
  }
  return rows;
}

function columnValues(select: SelectPlan, focus: unknown, rowIndex: number): unknown[] {
  const own: unknown[] = new Array(select.columns.length);
  for (let i = 0; i < select.columns.length; i++) {
    const c = select.columns[i] as SelectPlan["columns"][number];
    const values = c.evaluate(focus, rowIndex);
    if (c.collection) own[i] = values;
    else if (values.length > 1) {
      throw new ViewRuntimeError(
        `column "${c.name}" (${c.at}) gave ${values.length} values; a column without collection: true takes at most one`,
      );
    } else own[i] = values.length === 0 ? null : values[0];
  }
  return own;
}

function product(left: unknown[][], right: unknown[][]): unknown[][] {
  if (right.length === 0) return [];
  const out: unknown[][] = [];
  for (const l of left) for (const r of right) out.push(l.concat(r));
  return out;
}
