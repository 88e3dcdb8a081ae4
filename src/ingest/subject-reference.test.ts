import { DuckDBInstance } from "@duckdb/node-api";
import { describe, expect, it } from "vitest";
import { literal } from "../views/duckdb/schema.js";
import { subjectKeyOf, subjectKeySql } from "./subject-reference.js";

const REFERENCES = [
  "Patient/123",
  "https://ehr.example/fhir/Patient/abc/_history/2",
  "Patient/abc/_history/7",
  "urn:uuid:9b0e2f4e-1c7d-4a8e-9f00-1234567890ab",
  "urn:uuid:",
  "Patient?identifier=urn%3Aoid%3A1.2.246.21%7C010101A9995",
  "Group/1",
  "Encounter/5",
  "Patient/",
  "#contained",
];

describe("a subject reference's key", () => {
  it("takes literal, urn:uuid and conditional references", () => {
    expect(subjectKeyOf("Patient/123")).toBe("123");
    expect(subjectKeyOf("urn:uuid:9b0e2f4e-1c7d-4a8e-9f00-1234567890ab")).toBe(
      "9b0e2f4e-1c7d-4a8e-9f00-1234567890ab",
    );
    expect(subjectKeyOf("Patient?identifier=s|v")).toBe("Patient?identifier=s|v");
    expect(subjectKeyOf("Encounter/5")).toBeUndefined();
    expect(subjectKeyOf(5)).toBeUndefined();
  });

  it("is the same in SQL as in JavaScript", async () => {
    const instance = await DuckDBInstance.create(":memory:");
    const c = await instance.connect();
    try {
      for (const ref of REFERENCES) {
        const got = (await c.runAndReadAll(`SELECT ${subjectKeySql(literal(ref))} AS k`)).getRows();
        expect(got[0]?.[0] ?? undefined, ref).toBe(subjectKeyOf(ref));
      }
    } finally {
      c.closeSync();
      instance.closeSync();
    }
  });
});
