import { describe, expect, it } from "vitest";
import { KaivoConfigSchema } from "../home/config.js";
import { ConfigError } from "../shared/errors.js";
import {
  badCodeOfRow,
  type CodeFormat,
  codeShape,
  codeSystemRegistry,
  DEFAULT_CODE_SYSTEMS,
} from "./code-systems.js";

describe("the code-system registry", () => {
  const registry = codeSystemRegistry();

  it("knows each default system by every URI it is written with", () => {
    expect(registry.byUri("http://snomed.info/sct")?.id).toBe("snomed");
    expect(registry.byUri("urn:oid:1.2.246.537.6.1")?.id).toBe("icd10");
    expect(registry.byUri("http://hl7.org/fhir/sid/icd-10-cm")?.id).toBe("icd10cm");
    expect(registry.byUri("https://example.org/unknown")).toBeUndefined();
  });

  it.each([
    ["icd10", ["E11.9", "F32", "E10.3+", "H36.0*", "I21.4"], ["E1x.9", "E11.999", "e11.9", ""]],
    ["icd10cm", ["S72.001A", "E11.9"], ["S72.001AB", "72.0"]],
    ["snomed", ["44054006", "22298006"], ["0123", "12345", "4405400a"]],
    ["atc", ["A10BA02", "A10", "N"], ["Y99YY99", "A10BA2"]],
    ["loinc", ["4548-4", "2345-7"], ["4548", "4548-44"]],
    ["rxnorm", ["860975"], ["86097A"]],
    ["ncsp", ["NFB40", "ZXC00", "FN1AC", "WB001"], ["NF40", "nfb40", "1FB40"]],
  ])("%s takes its valid codes and refuses the others", (id, valid, invalid) => {
    const system = registry.byId(id);
    for (const code of valid) expect(system?.pattern.test(code), code).toBe(true);
    for (const code of invalid) expect(system?.pattern.test(code), code).toBe(false);
  });

  it("takes a deployment's systems from configuration, replacing a default of the same id", () => {
    const config = KaivoConfigSchema.parse({
      version: 1,
      codeSystems: [
        {
          id: "lab-local",
          title: "HUS laboratory codes",
          uris: ["https://lab.example.org/CodeSystem/tests"],
          pattern: "^[0-9]{4}$",
          expected: "four digits (1234)",
        },
        { ...DEFAULT_CODE_SYSTEMS[0], pattern: "^[A-Z][0-9]{2}$", expected: "three characters" },
      ],
    });
    const own = codeSystemRegistry(config.codeSystems);
    expect(own.byUri("https://lab.example.org/CodeSystem/tests")?.title).toBe(
      "HUS laboratory codes",
    );
    expect(own.byId("icd10")?.pattern.test("E11.9")).toBe(false);
    expect(own.systems.filter((s) => s.id === "icd10")).toHaveLength(1);
  });

  it("refuses two systems claiming one URI, and a pattern that is not a regular expression", () => {
    const clash = { ...DEFAULT_CODE_SYSTEMS[2], id: "sct2" } as (typeof DEFAULT_CODE_SYSTEMS)[0];
    expect(() => codeSystemRegistry([clash])).toThrow(ConfigError);
    expect(() => codeSystemRegistry([clash])).toThrow(/snomed and sct2 both claim/);
    const broken = { ...clash, uris: ["urn:x"], pattern: "^([0-9]$" };
    expect(() => codeSystemRegistry([broken])).toThrow(/not a regular expression/);
  });
});

describe("a code's shape", () => {
  it("keeps the form and never a letter or digit of the value", () => {
    expect(codeShape("E11.9")).toBe("A99.9");
    expect(codeShape("S72.001A")).toBe("A99.999A");
    expect(codeShape("Äiti 040 1234567")).toBe("?AAA 999 9999999");
    expect(codeShape("x".repeat(30))).toBe(`${"A".repeat(24)}…`);
    expect(codeShape("a'b\"c;")).toBe("A?A?A?");
  });
});

describe("a row's code check", () => {
  const registry = codeSystemRegistry();
  const format: CodeFormat = {
    column: "code",
    systemColumn: "system",
    system: registry.byId("icd10") as NonNullable<ReturnType<typeof registry.byId>>,
    registry,
  };

  it("checks a code against its own system, the table's default when it names none", () => {
    expect(badCodeOfRow(format, { system: "http://snomed.info/sct", code: "44054006" })).toBe(
      undefined,
    );
    expect(badCodeOfRow(format, { system: null, code: "E11.9" })).toBe(undefined);
    expect(badCodeOfRow(format, { system: "", code: "44054006" })).toMatch(/is not ICD-10/);
  });

  it("passes a code in an unregistered system, and names the column and shape of a bad one", () => {
    expect(badCodeOfRow(format, { system: "https://x.example/dx", code: "anything" })).toBe(
      undefined,
    );
    expect(badCodeOfRow(format, { system: "http://snomed.info/sct", code: "0123" })).toBe(
      'unknown code: code shaped "9999" is not SNOMED CT (expected a concept id of 6 to 18 digits, not starting with 0 (44054006))',
    );
  });
});
