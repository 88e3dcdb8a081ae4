import { describe, expect, it } from "vitest";
import { ViewDefinitionError } from "./errors.js";
import { planView } from "./plan.js";
import { evaluateResource } from "./reference.js";

function errorOf(view: unknown): ViewDefinitionError {
  try {
    planView(view);
  } catch (error) {
    expect(error).toBeInstanceOf(ViewDefinitionError);
    return error as ViewDefinitionError;
  }
  throw new Error("expected the view to be rejected");
}

const patientView = (select: unknown[], extra: Record<string, unknown> = {}) => ({
  resource: "Patient",
  select,
  ...extra,
});

describe("ViewDefinition validation", () => {
  it("names an unknown key and where it is", () => {
    const e = errorOf(patientView([{ column: [{ name: "id", path: "id", colection: true }] }]));
    expect(e.at).toBe("select[0].column[0]");
    expect(e.message).toContain('unknown key "colection"');
  });

  it("names a duplicate column and the first use", () => {
    const e = errorOf(
      patientView([
        { column: [{ name: "id", path: "id" }] },
        { forEach: "name", column: [{ name: "id", path: "family" }] },
      ]),
    );
    expect(e.at).toBe("select[1].column[0].name");
    expect(e.message).toContain("already used at select[0].column[0].name");
  });

  it("rejects unionAll branches with different columns, naming the branch", () => {
    const e = errorOf(
      patientView([
        {
          unionAll: [
            { column: [{ name: "a", path: "id" }] },
            { forEach: "name", column: [{ name: "b", path: "family" }] },
          ],
        },
      ]),
    );
    expect(e.at).toBe("select[0].unionAll[1]");
    expect(e.message).toMatch(/same columns/);
  });

  it("names a bad FHIRPath expression", () => {
    const e = errorOf(
      patientView([{ forEach: "name", column: [{ name: "f", path: "family.where(" }] }]),
    );
    expect(e.at).toBe("select[0].column[0].path");
    expect(e.message).toMatch(/invalid FHIRPath/);
  });

  it("names an undefined constant", () => {
    const e = errorOf(
      patientView([{ column: [{ name: "x", path: "name.where(use = %usage).family" }] }], {
        constant: [{ name: "use", valueCode: "official" }],
      }),
    );
    expect(e.at).toBe("select[0].column[0].path");
    expect(e.message).toContain("%usage");
  });

  it("rejects two of forEach, forEachOrNull and repeat in one select", () => {
    const e = errorOf(
      patientView([
        { forEach: "name", forEachOrNull: "telecom", column: [{ name: "a", path: "id" }] },
      ]),
    );
    expect(e.at).toBe("select[0]");
  });

  it("rejects a missing resource and an empty select", () => {
    expect(errorOf({ select: [{ column: [{ name: "id", path: "id" }] }] }).at).toBe("resource");
    expect(errorOf({ resource: "Patient", select: [] }).at).toBe("select");
  });

  it("inlines typed constants so dates compare as dates, and keeps quoted strings intact", () => {
    const plan = planView(
      patientView(
        [
          {
            column: [
              { name: "born", path: "birthDate = %bd" },
              { name: "s", path: "'%bd stays'" },
            ],
          },
        ],
        {
          constant: [{ name: "bd", valueDate: "1978-03-12" }],
        },
      ),
    );
    expect(
      evaluateResource(plan, { resourceType: "Patient", id: "p", birthDate: "1978-03-12" }),
    ).toEqual([{ born: true, s: "%bd stays" }]);
  });
});
