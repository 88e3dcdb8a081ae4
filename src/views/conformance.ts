import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { planView, type ViewPlan } from "./plan.js";
import type { Row } from "./reference.js";

/** One case of the official SQL on FHIR v2 test suite (tests.schema.json). */
export interface ConformanceCase {
  file: string;
  title: string;
  view: unknown;
  resources: Array<Record<string, unknown>>;
  expect?: Row[];
  expectColumns?: string[];
  expectError?: boolean;
}

export interface CaseResult {
  file: string;
  title: string;
  passed: boolean;
  reason?: string;
}

/** An evaluator under test: rows of a planned view over the fixture resources. */
export type RunView = (
  plan: ViewPlan,
  resources: Array<Record<string, unknown>>,
) => Promise<Row[]> | Row[];

export function loadConformanceSuite(dir: string): ConformanceCase[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .flatMap((file) => {
      const suite = JSON.parse(readFileSync(join(dir, file), "utf8")) as {
        resources: Array<Record<string, unknown>>;
        tests: Array<Omit<ConformanceCase, "file" | "resources">>;
      };
      return suite.tests.map((t) => ({ ...t, file, resources: suite.resources }));
    });
}

/** Rows compare as multisets: the suite's expectations are order-insensitive. */
function sameRows(actual: Row[], expected: Row[]): boolean {
  if (actual.length !== expected.length) return false;
  const key = (r: Row) =>
    JSON.stringify(
      Object.keys(r)
        .sort()
        .map((k) => [k, r[k]]),
    );
  const a = actual.map(key).sort();
  const e = expected.map(key).sort();
  return isDeepStrictEqual(a, e);
}

export async function runCase(c: ConformanceCase, run: RunView): Promise<CaseResult> {
  const result = (passed: boolean, reason?: string): CaseResult => ({
    file: c.file,
    title: c.title,
    passed,
    ...(reason ? { reason } : {}),
  });
  let rows: Row[];
  let plan: ViewPlan;
  try {
    plan = planView(c.view);
    rows = await run(plan, c.resources);
  } catch (error) {
    return c.expectError ? result(true) : result(false, `error: ${(error as Error).message}`);
  }
  if (c.expectError) return result(false, "expected an error, got rows");
  if (
    c.expectColumns &&
    !isDeepStrictEqual(
      plan.columns.map((col) => col.name),
      c.expectColumns,
    )
  ) {
    return result(
      false,
      `columns ${plan.columns.map((col) => col.name).join(",")}, expected ${c.expectColumns.join(",")}`,
    );
  }
  if (!sameRows(rows, c.expect ?? [])) {
    return result(
      false,
      `rows ${JSON.stringify(rows).slice(0, 300)}, expected ${JSON.stringify(c.expect).slice(0, 300)}`,
    );
  }
  return result(true);
}
