import { describe, expect, it } from "vitest";
import { FINNISH_CASES, finnishBaseForms, finnishCaseForms } from "./finnish-inflection.js";

// Invented people's names of every declension: -nen, e-stem -i, ee-stem -e, -as/-es, consonant
// final, and vowel stems with and without consonant gradation.
const GIVEN =
  "Sanna Eero Väinö Kari Juhani Pekka Marjatta Tuulikki Antti Matti Jukka Hilkka Emil Erik Karl Tuomas Johannes Kalle Ville Aino Liisa Helka Sirpa Seppo Outi Irmeli Aleksi Niklas Markus Satu".split(
    " ",
  );
const SURNAMES =
  "Virtanen Korhonen Nieminen Koski Järvi Lampi Lahti Mäki Niemi Kivimäki Alakoski Laine Rinne Ranta Honka Virta Hakala Mäkelä Koivisto Kallio Harju Salo Lindqvist Nurmi Saari Pitkäniemi".split(
    " ",
  );

describe("the Finnish case forms of a name", () => {
  it("are written with the stem each declension takes and consonant gradation", () => {
    expect(finnishCaseForms("Koski", { surname: true })).toMatchObject({
      genitive: "Kosken",
      partitive: "Koskea",
      illative: "Koskeen",
      translative: "Koskeksi",
    });
    expect(finnishCaseForms("Lampi", { surname: true }).genitive).toBe("Lammen");
    expect(finnishCaseForms("Mäki", { surname: true }).adessive).toBe("Mäellä");
    expect(finnishCaseForms("Pekka")).toMatchObject({
      genitive: "Pekan",
      partitive: "Pekkaa",
      illative: "Pekkaan",
      essive: "Pekkana",
      comitative: "Pekkoineen",
    });
    expect(finnishCaseForms("Sanna").illative).toBe("Sannaan");
    expect(finnishCaseForms("Laine", { surname: true })).toMatchObject({
      genitive: "Laineen",
      partitive: "Lainetta",
      illative: "Laineeseen",
    });
    expect(finnishCaseForms("Rinne", { surname: true }).genitive).toBe("Rinteen");
    expect(finnishCaseForms("Virtanen")).toMatchObject({
      genitive: "Virtasen",
      partitive: "Virtasta",
      illative: "Virtaseen",
      abessive: "Virtasetta",
    });
    expect(finnishCaseForms("Tuomas").genitive).toBe("Tuomaksen");
    expect(finnishCaseForms("Emil")).toMatchObject({ partitive: "Emiliä", allative: "Emilille" });
    expect(finnishCaseForms("Ranta", { surname: true }).genitive).toBe("Rannan");
  });

  it("are read back to the name, in all thirteen cases, for given names and surnames", () => {
    for (const [names, surname] of [
      [GIVEN, false],
      [SURNAMES, true],
    ] as const)
      for (const name of names) {
        const forms = finnishCaseForms(name, { surname });
        expect(Object.keys(forms)).toEqual([...FINNISH_CASES]);
        for (const [kase, form] of Object.entries(forms))
          expect(finnishBaseForms(form), `${name} ${kase} ${form}`).toContain(name.toLowerCase());
      }
  });

  it("are read in lower case only through endings that make no ordinary word", () => {
    expect(finnishBaseForms("virtasen", true)).toContain("virtanen");
    expect(finnishBaseForms("sannalle", true)).toContain("sanna");
    expect(finnishBaseForms("kosken", true)).toContain("koski");
    // "ainoa" (only) is no partitive of Aino, nor "sarin" (sarin) a genitive of Sari.
    expect(finnishBaseForms("ainoa", true)).not.toContain("aino");
    expect(finnishBaseForms("sarin", true)).not.toContain("sari");
    expect(finnishBaseForms("Sarin")).toContain("sari");
  });
});
