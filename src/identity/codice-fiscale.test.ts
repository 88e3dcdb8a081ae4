import { describe, expect, it } from "vitest";
import { codiceFiscaleCheck, codiceFiscaleSpans } from "./codice-fiscale.js";
import { scrubText } from "./scrub.js";

// RSSMRA85T10A562S is the textbook example of the rule (a fictitious Mario Rossi).
describe("the Italian codice fiscale", () => {
  it("computes the check letter", () => {
    expect(codiceFiscaleCheck("RSSMRA85T10A562")).toBe("S");
  });

  it("is found with a valid check letter, and not with a wrong one unless after its name", () => {
    expect(scrubText("Italian tourist RSSMRA85T10A562S, ankle").text).toBe(
      "Italian tourist [ID], ankle",
    );
    expect(codiceFiscaleSpans("code RSSMRA85T10A562K")).toEqual([]);
    expect(codiceFiscaleSpans("xRSSMRA85T10A562S")).toEqual([]);
    expect(scrubText("codice fiscale RSSMRA85T10A562K, caviglia").text).toBe(
      "codice fiscale [ID], caviglia",
    );
  });
});
