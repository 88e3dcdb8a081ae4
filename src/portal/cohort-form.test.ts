import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { definitionHash, parseDefinition } from "../cohort/definition.js";
import {
  type Body,
  definitionFromForm,
  formFields,
  formFromBody,
  formFromDefinition,
  withCode,
  withCriterion,
} from "./cohort-form.js";

const EXAMPLES = join(import.meta.dirname, "../../examples/cohorts");

/** What a browser would post for the fields, as parseBody({ all: true }) gives it. */
function posted(fields: Array<[string, string]>): Body {
  const body: Body = {};
  for (const [k, v] of fields) {
    const had = body[k];
    body[k] = had === undefined ? v : Array.isArray(had) ? [...had, v] : [had, v];
  }
  return body;
}

describe("the cohort builder's form", () => {
  it("round-trips every example definition to the same version", () => {
    const files = readdirSync(EXAMPLES).filter((f) => f.endsWith(".json"));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      const def = parseDefinition(JSON.parse(readFileSync(join(EXAMPLES, f), "utf8")), f);
      const back = definitionFromForm(formFromBody(posted(formFields(formFromDefinition(def)))));
      expect(back.problems, f).toEqual([]);
      expect(definitionHash(parseDefinition(back.raw, f)), f).toBe(definitionHash(def));
    }
  });

  it("names the fields whose JSON does not parse and keeps typed numbers for the validator", () => {
    const def = parseDefinition(
      JSON.parse(readFileSync(join(EXAMPLES, "t2d-hba1c.json"), "utf8")),
      "x",
    );
    const form = formFromDefinition(def);
    (form.rules[0] as { members: string }).members = "{ not json";
    form.age.min = "sixty";
    const out = definitionFromForm(form);
    expect(out.raw).toBeUndefined();
    expect(out.problems).toEqual([{ field: "rule.0.members", message: "not JSON" }]);
    (form.rules[0] as { members: string }).members = "{}";
    const raw = definitionFromForm(form).raw as { demographics: { age: { min: unknown } } };
    expect(raw.demographics.age.min).toBe("sixty");
    expect(() => parseDefinition(raw, "x")).toThrow(/demographics\.age\.min/);
  });

  it("adds picked codes to a set and criteria to a rule", () => {
    const form = formFromDefinition(
      parseDefinition(
        { name: "x", entry: { events: { table: "clinical.diagnosis" } }, inclusion: [] },
        "x",
      ),
    );
    withCode(form, "", "icd10", "E11.9");
    withCode(form, "icd10-codes", "icd10", "E11.9");
    withCode(form, "icd10-codes", "icd10", "E10*");
    expect(form.codeSets).toEqual([{ name: "icd10-codes", system: "icd10", codes: "E11.9\nE10*" }]);
    form.rules.push({ name: "lab", kind: "criterion", n: "", members: "" });
    const add = { table: "clinical.lab", codeSet: "", start: "0", end: "365", atLeast: "2" };
    withCriterion(form, 0, add);
    withCriterion(form, 0, { ...add, table: "death", atLeast: "" });
    const def = parseDefinition(definitionFromForm(form).raw, "x");
    expect(def.inclusion[0]?.criteria).toEqual({
      all: [
        {
          events: { table: "clinical.lab", where: [] },
          window: { start: 0, end: 365 },
          count: { atLeast: 2, distinctDays: false },
        },
        { death: true, window: { start: 0, end: 365 } },
      ],
    });
  });
});
