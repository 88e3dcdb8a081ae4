import { describe, expect, it } from "vitest";
import { ibanSpans, ibanValid } from "./bank-accounts.js";
import { detectIdentifiers } from "./detect.js";

const found = (text: string) =>
  detectIdentifiers(text).map((s) => [text.slice(s.start, s.end), s.type]);

describe("IBANs in notes", () => {
  it("checks the mod-97 digits", () => {
    expect(ibanValid("FI2112345600000785")).toBe(true);
    expect(ibanValid("DE89370400440532013000")).toBe(true);
    expect(ibanValid("GB82WEST12345698765432")).toBe(true);
    expect(ibanValid("FI2112345600000786")).toBe(false);
    expect(ibanValid("DE88370400440532013000")).toBe(false);
  });

  it("takes a valid IBAN grouped or unbroken, with no label, whole", () => {
    expect(found("Palautus tilille FI21 1234 5600 0007 85, summa 42,60 €.")).toEqual([
      ["FI21 1234 5600 0007 85", "ID"],
    ]);
    expect(found("Fees to IBAN DE89 3704 0044 0532 0130 00.")).toEqual([
      ["DE89 3704 0044 0532 0130 00", "ID"],
    ]);
    expect(found("konto GB82WEST12345698765432")).toEqual([["GB82WEST12345698765432", "ID"]]);
  });

  it("leaves codes of the shape whose check fails", () => {
    expect(ibanSpans("Näyte FI21 1234 5600 0007 86 ja DE88 3704 0044 0532 0130 00")).toEqual([]);
  });
});
