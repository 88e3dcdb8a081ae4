import { describe, expect, it } from "vitest";
import {
  danishCprDateValid,
  luhnValid,
  nordicIdSpans,
  norwegianFodselsnummerValid,
  swedishPersonnummerValid,
} from "./nordic-ids.js";
import { scrubText } from "./scrub.js";

// Invented numbers, built to pass (or, one digit changed, to fail) their checks.
const scrub = (text: string) => scrubText(text).text;

describe("Nordic identity numbers", () => {
  it("check the Swedish Luhn digit, the Norwegian mod-11 digits and the Danish date", () => {
    expect(luhnValid("8503152749")).toBe(true);
    expect(swedishPersonnummerValid("8503152749")).toBe(true);
    expect(swedishPersonnummerValid("8503152740")).toBe(false);
    expect(swedishPersonnummerValid("8513152741")).toBe(false); // month 13
    expect(norwegianFodselsnummerValid("15038510190")).toBe(true);
    expect(norwegianFodselsnummerValid("01010101006")).toBe(true);
    expect(norwegianFodselsnummerValid("15038510191")).toBe(false);
    expect(norwegianFodselsnummerValid("45038510022")).toBe(true); // D-number: day + 40
    expect(danishCprDateValid("3112891234")).toBe(true);
    expect(danishCprDateValid("3102891234")).toBe(false); // 31 February
  });

  it("are found by their check digits, or after their name, in every written form", () => {
    for (const [text, scrubbed] of [
      ["Svenskt personnummer 850315-2749, inflyttad.", "Svenskt personnummer [ID], inflyttad."],
      ["Pnr 19850315-2749.", "Pnr [ID]."],
      // With the century written, a real date makes it one even with a mistyped check digit.
      ["Inflyttad, 19420813-5521, avd 12.", "Inflyttad, [ID], avd 12."],
      ["Ruotsalainen tunnus 470812-3833 mainittu.", "Ruotsalainen tunnus [ID] mainittu."],
      ["Over 100: 470812+3833.", "Over 100: [ID]."],
      ["Norsk fødselsnummer 15038510190.", "Norsk fødselsnummer [ID]."],
      ["Norjalainen numero 150385 10190 kirjattu.", "Norjalainen numero [ID] kirjattu."],
      ["CPR-nr. 3112891234 fra Danmark.", "CPR-nr. [ID] fra Danmark."],
      ["cpr 3112891234", "cpr [ID]"],
      ["Personnummer 850315-2740 (felskrivet).", "Personnummer [ID] (felskrivet)."],
      // Estonian isikukood (invented, valid check digit), named and unnamed.
      ["Virolainen isikukood 37605030299.", "Virolainen isikukood [ID]."],
      ["Estonian ID code 49403136515 on the card.", "Estonian ID code [ID] on the card."],
      ["EU-kortti, tunnus 37605030299.", "EU-kortti, tunnus [ID]."],
      ["Isikukood 37605030290 (check digit mistyped).", "Isikukood [ID] (check digit mistyped)."],
    ])
      expect(scrub(text as string), text).toBe(scrubbed);
  });

  it("leave dates, phones, lab and sample numbers alone", () => {
    for (const text of [
      "Provtagning 2023-05-16, svar 850315-2740 ej giltigt.",
      "Näyte 15038510191 lähetetty.",
      // Eleven digits with a date but no valid Estonian check digit, and no date at all.
      "Näyte 37605030290 lähetetty.",
      "Accession 91234567890 received.",
      "Labranummer 230516-0042X ja 20230516.",
      "INR 2,3, Hb 134, 1.1.2024 klo 14.30.",
      "ICD-10 I21.4, ATC C07AB02.",
    ])
      expect(nordicIdSpans(text), text).toEqual([]);
  });
});
