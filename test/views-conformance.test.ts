import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConformanceSuite, runCase } from "../src/views/conformance.js";
import { evaluateAll } from "../src/views/reference.js";

const SUITE = join(import.meta.dirname, "../../shared/conformance/sql-on-fhir-v2/tests");

/** Cases the reference evaluator does not pass, each with the reason (kept in the closing note). */
const KNOWN_FAILURES: Record<string, string> = {
  "fn_boundary.json: decimal lowBoundary":
    "the fixture's 1.0 reaches the evaluator as the JSON number 1: its precision (one decimal) is lost in JSON.parse, so the boundary is 0.5 rather than 0.95",
  "fn_boundary.json: decimal highBoundary": "as decimal lowBoundary: 1.5 rather than 1.05",
};

describe.skipIf(!existsSync(SUITE))("SQL on FHIR v2 conformance: reference evaluator", () => {
  const cases = existsSync(SUITE) ? loadConformanceSuite(SUITE) : [];

  it("has the whole suite: 22 files, 134 cases", () => {
    expect(new Set(cases.map((c) => c.file)).size).toBe(22);
    expect(cases).toHaveLength(134);
  });

  it.each(cases.map((c) => [`${c.file}: ${c.title}`, c] as const))("%s", async (name, c) => {
    const result = await runCase(c, (plan, resources) => [...evaluateAll(plan, resources)]);
    if (name in KNOWN_FAILURES)
      expect(result.passed, "now passes: remove it from KNOWN_FAILURES").toBe(false);
    else expect(result.passed, result.reason).toBe(true);
  });
});
