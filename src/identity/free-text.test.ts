import { describe, expect, it } from "vitest";
import { ValidationError } from "../shared/errors.js";
import { assertNoIdentifyingText, identifierKindsIn } from "./free-text.js";

describe("identifierKindsIn", () => {
  it("finds a name, a phone number and an identity code written with an en dash", () => {
    expect(
      identifierKindsIn("Discussed with Matti Virtanen, 040 123 4567, 131052\u2013308T"),
    ).toEqual(["HETU", "NAME", "PHONE"]);
  });

  it("finds identity codes with any dash, spaces or full-width characters", () => {
    for (const code of [
      "131052\u2014308T",
      "131052\u2212308T",
      "131052 - 308T",
      "131052 A 308T",
      "\uFF11\uFF13\uFF11\uFF10\uFF15\uFF12-308T",
      "131052-308t",
    ])
      expect(identifierKindsIn(`code ${code} given`), code).toEqual(["HETU"]);
  });

  it("finds e-mail addresses, street addresses and names after a cue", () => {
    expect(identifierKindsIn("mail liisa@example.fi")).toEqual(["EMAIL"]);
    expect(identifierKindsIn("lives at Iso Kylätie 5 B 12")).toEqual(["ADDRESS"]);
    expect(identifierKindsIn("Potilas Aino asked")).toEqual(["NAME"]);
    expect(identifierKindsIn("Kalle Meikäläinen objects")).toEqual(["NAME"]);
  });

  it("keeps ordinary reasons: dates, permit numbers, decision references, counts", () => {
    for (const text of [
      "Scope matches the ethics committee statement of 2026-01-15; approved until 2028-12-31.",
      "Registered under Findata decision THL/1234/14.02.00/2024 and KAIVO-2026-0001.",
      "Type 2 diabetes cohort, 1250 persons, HbA1c and LDL 2015-2020. Helsinki University Hospital.",
      "Application drafted",
      "Poliklinikka Meilahti, Department of Medicine",
    ])
      expect(identifierKindsIn(text), text).toEqual([]);
  });
});

describe("organisations named after people", () => {
  it("pass when names count only after a cue, and still fail on contact details", () => {
    const rules = { namesOnlyAfterCues: true };
    expect(identifierKindsIn("Emil Aaltonen Foundation", rules)).toEqual([]);
    expect(identifierKindsIn("Max Planck Institute", rules)).toEqual([]);
    expect(identifierKindsIn("Max Planck Institute, 040 123 4567", rules)).toEqual(["PHONE"]);
    expect(identifierKindsIn("Emil Aaltonen Foundation")).toEqual(["NAME"]);
  });
});

describe("assertNoIdentifyingText", () => {
  it("names the field and the kind, never the value", () => {
    const value = "call Liisa Korhonen on 050 555 1234";
    let error: unknown;
    try {
      assertNoIdentifyingText({ "review reason": value });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    const text = `${(error as ValidationError).message} ${(error as ValidationError).hint}`;
    expect((error as Error).message).toBe(
      "The review reason contains a person's name and a phone number; remove it.",
    );
    for (const part of ["Liisa", "Korhonen", "050", "555", "1234"])
      expect(text).not.toContain(part);
  });

  it("passes text without identifiers and empty fields", () => {
    expect(() =>
      assertNoIdentifyingText({ title: "Diabetes follow-up", purpose: undefined, reason: "" }),
    ).not.toThrow();
  });
});
