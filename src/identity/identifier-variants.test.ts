import { describe, expect, it } from "vitest";
import {
  DATES_AND_TIMES,
  EMAIL_VARIANTS,
  HETU_VARIANTS,
  NOT_EMAILS,
  PHONE_VARIANTS,
} from "../../test/support/identifier-variants.js";
import { identifierKindsIn } from "./free-text.js";
import { scrubText } from "./scrub.js";

describe("dates and times", () => {
  it("are never taken for phone numbers", () => {
    for (const date of DATES_AND_TIMES) {
      const text = `Käynti ${date}, kontrolli.`;
      expect(scrubText(text), date).toEqual({ text, redactions: {} });
      expect(identifierKindsIn(`Seen ${date}.`), date).toEqual([]);
    }
  });
});

describe("identity codes", () => {
  it("are found with any dash, spaces around the sign, no sign, or a lower-case check", () => {
    for (const code of HETU_VARIANTS) {
      expect(scrubText(`hetu ${code}, soitti`), code).toEqual({
        text: "hetu [HETU], soitti",
        redactions: { HETU: 1 },
      });
      expect(identifierKindsIn(`code ${code} given`), code).toEqual(["HETU"]);
    }
  });

  it("without a sign, only when the check character validates", () => {
    // Ten digits shaped like a date and an individual number, but with the wrong check digit.
    expect(scrubText("tilaus 1310523081").text).toBe("tilaus 1310523081");
    expect(identifierKindsIn("order 1310523081")).toEqual([]);
    // Nor with a space in place of the sign.
    expect(scrubText("tilaus 131052 3081").text).toBe("tilaus 131052 3081");
    expect(identifierKindsIn("order 131052 308A")).toEqual([]);
  });
});

describe("phone numbers", () => {
  it("are found in Finnish, international and US forms", () => {
    for (const phone of PHONE_VARIANTS) {
      expect(scrubText(`puh. ${phone}, soita`), phone).toEqual({
        text: "puh. [PHONE], soita",
        redactions: { PHONE: 1 },
      });
      expect(identifierKindsIn(`call ${phone} today`), phone).toEqual(["PHONE"]);
    }
  });

  it("take an extension with the number, a switchboard's short number too", () => {
    for (const [text, scrubbed] of [
      ["Soita 09 4711 ext. 63210 ja kysy.", "Soita [PHONE] ja kysy."],
      ["Ring 09 4711 anknytning 2345, fråga.", "Ring [PHONE], fråga."],
      ["Call 09 471 80000 ext. 5521 and ask.", "Call [PHONE] and ask."],
      ["puh. 040 123 4567, alanumero 12", "puh. [PHONE]"],
    ])
      expect(scrubText(text as string).text, text).toBe(scrubbed);
    for (const text of ["Annos 09 4711 mg.", "Huone 4711 x 2 viikkoa."])
      expect(scrubText(text).text, text).toBe(text);
  });

  it("have seven digits or more: a fluid balance is not one", () => {
    for (const text of ["Nestetasapaino +1500 ml.", "Fluid balance +2300 mL over 24 h."])
      expect(scrubText(text).text, text).toBe(text);
  });
});

describe("e-mail addresses", () => {
  it("are found as written and when written to dodge harvesters", () => {
    for (const email of EMAIL_VARIANTS) {
      expect(scrubText(`posti ${email}, kiitos`), email).toEqual({
        text: "posti [EMAIL], kiitos",
        redactions: { EMAIL: 1 },
      });
      expect(identifierKindsIn(`mail ${email} today`), email).toEqual(["EMAIL"]);
    }
  });

  it("are not read into 'at' in a sentence", () => {
    for (const text of NOT_EMAILS) expect(scrubText(text).text, text).toBe(text);
  });

  it("take a short number after a phone cue, and only the whole number", () => {
    for (const [text, scrubbed] of [
      ["kotinumero 09 4711 (vanha lankapuhelin)", "kotinumero [PHONE] (vanha lankapuhelin)"],
      ["tel. 019 584 1234.", "tel. [PHONE]."],
      ["Puhelin 046 555 1212.", "Puhelin [PHONE]."],
    ])
      expect(scrubText(text as string).text, text).toBe(scrubbed);
    expect(scrubText("Puhelin 0912 ei vastaa.").text).toBe("Puhelin 0912 ei vastaa.");
  });

  it("take Swedish mobiles in pairs, a bracketed trunk zero, and an extension after a slash", () => {
    for (const [text, scrubbed] of [
      ["Tel: 0733-12 34 56; ring efter 16.", "Tel: [PHONE]; ring efter 16."],
      ["Ring 0762 98 76 54 vid behov.", "Ring [PHONE] vid behov."],
      ["Tel. (0)31 - 444 120 55.", "Tel. [PHONE]."],
      ["Osasto puh. 09 4718 6620 / 214.", "Osasto puh. [PHONE]."],
    ])
      expect(scrubText(text as string).text, text).toBe(scrubbed);
    // Two numbers after a slash are two numbers, a date after a slash no extension.
    expect(scrubText("040 123 4567 / 050 765 4321").text).toBe("[PHONE] / [PHONE]");
    expect(scrubText("Kontrolli 12/24, RR 140/90.").text).toBe("Kontrolli 12/24, RR 140/90.");
  });
});
