import { describe, expect, it } from "vitest";
import { identifierKindsIn } from "./free-text.js";
import { personIdentifierMatcher } from "./person-identifiers.js";
import { scrubText } from "./scrub.js";

// Synthetic identifier values of one Patient resource: a patient number, a US SSN, a biobank id.
const isPersonIdentifier = personIdentifierMatcher(["7700123456", "123-45-6789", "HBB12345678"]);
const scrub = (text: string) => scrubText(text, { isPersonIdentifier }).text;

describe("the values of the person's own identifiers", () => {
  it("are found however the note writes them", () => {
    for (const value of [
      "7700123456",
      "770 012 3456",
      "7700-123456",
      "123-45-6789",
      "123 45 6789",
      "123456789",
      "HBB12345678",
      "hbb12345678",
      "HBB-12345678",
    ])
      expect(scrub(`Potilasnumero ${value}, kontrolli.`), value).toBe(
        "Potilasnumero [ID], kontrolli.",
      );
  });

  it("are found inside longer digit runs written with spaces", () => {
    expect(scrub("Lähete 16.5.2024 7700123456 jatkoon.")).toBe("Lähete 16.5.2024 [ID] jatkoon.");
  });

  it("leave other numbers alone: other people's, doses, dates, parts of a value", () => {
    const text = "numero 7700123457, annos 5 mg, 16.05.1990, tilaus 770012, 12 viikkoa.";
    expect(scrub(text)).toBe(text);
  });
});

describe("record numbers after their name", () => {
  it("are found without knowing the person", () => {
    for (const [text, scrubbed] of [
      ["MRN 2038475, admitted via ED.", "MRN [ID], admitted via ED."],
      ["MRN: 00123456", "MRN: [ID]"],
      ["Potilasnumero P4829104 (vanha).", "Potilasnumero [ID] (vanha)."],
      ["Patientnummer P7712093.", "Patientnummer [ID]."],
    ] as Array<[string, string]>)
      expect(scrubText(text).text, text).toBe(scrubbed);
  });
});

describe("US social security numbers", () => {
  it("are found with dashes anywhere, and with spaces or none after an SSN cue", () => {
    const cases: Array<[string, string]> = [
      ["SSN 987-65-4321 on file", "SSN [ID] on file"],
      ["SSN: 987 65 4321 on file", "SSN: [ID] on file"],
      ["SSN#987654321 on file", "SSN#[ID] on file"],
      ["Social Security Number 987654321 on file", "Social Security Number [ID] on file"],
      ["number 987-65-4321 on file", "number [ID] on file"],
    ];
    for (const [text, scrubbed] of cases) expect(scrubText(text).text, text).toBe(scrubbed);
    expect(identifierKindsIn("applicant 987-65-4321")).toEqual(["ID"]);
  });

  it("are not taken from nine digits without a cue, nor from dates and phone numbers", () => {
    for (const text of ["order 987654321 sent", "seen 2024-05-16", "tel 555-123-4567"])
      expect(scrubText(text).redactions.ID, text).toBeUndefined();
  });
});
