import { describe, expect, it } from "vitest";
import {
  INFLECTED_STREET_VARIANTS,
  NOT_ADDRESSES,
  POSTAL_TOWN_VARIANTS,
  STREET_ADDRESS_VARIANTS,
} from "../../test/support/identifier-variants.js";
import { identifierKindsIn } from "./free-text.js";
import { scrubText } from "./scrub.js";

describe("street addresses", () => {
  it("are found in Finnish, Swedish and English forms, boxes and apartments", () => {
    for (const address of STREET_ADDRESS_VARIANTS) {
      expect(scrubText(`Osoite ${address}, soitti`).text, address).toBe("Osoite [ADDRESS], soitti");
      expect(identifierKindsIn(`lives at ${address} now`), address).toEqual(["ADDRESS"]);
    }
  });

  it("are found with the Finnish street word inflected in running text", () => {
    for (const address of INFLECTED_STREET_VARIANTS)
      expect(scrubText(`Asuu ${address} yksin.`).text, address).toBe("Asuu [ADDRESS] yksin.");
  });

  it("take the postal code and town after the street as one address, with the comma", () => {
    expect(scrubText("Osoite Storgatan 5, 111 22 Stockholm.").text).toBe("Osoite [ADDRESS].");
    expect(scrubText("Address 12 Main Street, Springfield, IL 62704.").text).toBe(
      "Address [ADDRESS].",
    );
    // A comma between street and postal code is no identifier, but left between two
    // placeholders it is a character of the address the benchmark counts as left in the text.
    for (const [text, scrubbed] of [
      ["uusi osoite Kirkkokatu 4 B 17, 02770 Espoo.", "uusi osoite [ADDRESS]."],
      ["Laskutusosoite PL 340, 00029 HUS.", "Laskutusosoite [ADDRESS]."],
      ["Billing to P.O. Box 100, 00029 HUS, patient", "Billing to [ADDRESS], patient"],
    ])
      expect(scrubText(text as string).text, text).toBe(scrubbed);
  });

  it("take a street of any name with its number before a postal code and town", () => {
    for (const [text, scrubbed] of [
      ["Epikriisi. Sammonkatu 15 C 23, 33540 Tampere.", "Epikriisi. [ADDRESS]."],
      ["bor Lövholmen 3 B 2, 10600 Ekenäs nu", "bor [ADDRESS] nu"],
      ["Kotiosoite Pähkinärinne 4, 01710 Vantaa.", "Kotiosoite [ADDRESS]."],
    ])
      expect(scrubText(text as string).text, text).toBe(scrubbed);
    // Without the postal code, a capitalised word and a number is not taken for a street.
    expect(scrubText("Lähete 3, soitettu.").text).toBe("Lähete 3, soitettu.");
  });
});

describe("post-office boxes", () => {
  it("are taken as 'Box N' only with a postal code and town after them, as one address", () => {
    expect(scrubText("Brev till Box 12, 10600 Ekenäs idag.").text).toBe(
      "Brev till [ADDRESS] idag.",
    );
    expect(scrubText("Tick box 2 of the form.").text).toBe("Tick box 2 of the form.");
    expect(scrubText("Box 2 of 40 filled.").text).toBe("Box 2 of 40 filled.");
  });
});

describe("postal codes with towns", () => {
  it("are found in Finnish, Swedish and US forms", () => {
    // In lower case: a capitalised word before a US town would be taken for part of its name.
    for (const postal of POSTAL_TOWN_VARIANTS) {
      expect(scrubText(`osoite ${postal}, soitti`).text, postal).toBe("osoite [ADDRESS], soitti");
      expect(identifierKindsIn(`lives in ${postal} now`), postal).toEqual(["ADDRESS"]);
    }
  });
});

describe("numbers that are not addresses", () => {
  it("are left alone: doses, weights, lab values, years, durations, forms, wards", () => {
    for (const text of NOT_ADDRESSES) {
      const note = `Kontrolli: ${text}. Seuraava käynti.`;
      expect(scrubText(note), text).toEqual({ text: note, redactions: {} });
    }
  });

  it("leave anatomy and care words built like streets, measurements and lab lists alone", () => {
    for (const text of [
      "Sappitie 9 mm, laajentunut.",
      "Aortankaari 3,2 cm, ei dissekoitumaa.",
      "Hoitopolku 2 aloitettu.",
      "WBC 12000 Platelets 250000 Hgb 13.2 on admission.",
    ])
      expect(scrubText(text).text, text).toBe(text);
    expect(scrubText("Adress Norra Esplanaden 8, 65100 Vasa.").text).toBe("Adress [ADDRESS].");
    expect(scrubText("osoite 02400 Kirkkonummi-Masala.").text).toBe("osoite [ADDRESS].");
  });

  it("leave a blood pressure written with a space alone, without a Swedish country prefix", () => {
    const note = "RR 140 90 Pulssi 72.";
    expect(scrubText(note).text).toBe(note);
  });

  it("take a town alone after a street address and its comma where the sentence ends", () => {
    expect(scrubText("Oiva asuu Koulukatu 7 as. 3, Jyväskylä.").text).toBe("Oiva asuu [ADDRESS].");
    expect(scrubText("Koulukatu 7, Lisäksi sovittu").text).toBe("[ADDRESS], Lisäksi sovittu");
  });

  it("take a Swedish floor after the house number, and a postal code after a lone town", () => {
    expect(scrubText("Bor Tenstavägen 12 3 tr, 163 64 Spånga.").text).toBe("Bor [ADDRESS].");
    expect(scrubText("Bor Fjällsvängen 4 2 tr, 123 45 Farsta.").text).toBe("Bor [ADDRESS].");
    expect(scrubText("Post to P.O. Box 815, Kampala 25601.").text).toBe("Post to [ADDRESS].");
    expect(scrubText("Kontroll 3 tr upp, 2 tr ned.").text).toBe("Kontroll 3 tr upp, 2 tr ned.");
  });
});
