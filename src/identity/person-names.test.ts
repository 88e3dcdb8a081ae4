import { describe, expect, it } from "vitest";
import { personNameMatcher } from "./name-forms.js";
import { scrubText } from "./scrub.js";

// Synthetic names, split into words as ingest does for the vault (hyphen parts apart).
const isPersonName = personNameMatcher([
  ..."Sumiko Eino Ilmari Virtanen Korhonen Nieminen Marjatta Lindqvist Núñez".split(" "),
  ..."O'Brien McDonald Mary Kate Liisa Matti Emil Aino".split(" "),
]);
const scrub = (text: string) => scrubText(text, { isPersonName }).text;

describe("the person's own names", () => {
  it("are found in any letter case, with digits attached, and by hyphen part", () => {
    for (const name of [
      "Sumiko254",
      "sumiko",
      "SUMIKO",
      "Eino-Ilmari",
      "Eino",
      "Ilmari",
      "eino-ilmari",
      "Mary-Kate",
      "O'Brien",
      "McDonald",
      "MCDONALD",
      "Núñez",
      "Nunez",
    ])
      expect(scrub(`Tapasin ${name} tänään.`), name).toBe("Tapasin [NAME] tänään.");
  });

  it("are found in Finnish case forms and the Swedish genitive", () => {
    for (const name of [
      "Virtasen",
      "Virtaselle",
      "Virtasta",
      "Virtasena",
      "Virtasella",
      "virtasen",
      "VIRTASEN",
      "Korhosen",
      "Niemiselle",
      "Marjatalle",
      "Marjatan",
      "Liisalle",
      "Liisan",
      "Matille",
      "Emilille",
      "Lindqvists",
    ])
      expect(scrub(`Soitin ${name} tänään.`), name).toBe("Soitin [NAME] tänään.");
  });

  it("leave ordinary words and other people's names alone", () => {
    const text =
      "Potilas kertoo, että ainoa vaiva on Virtasalo-tyyppinen kipu; Mikko Ahonen soitti.";
    expect(scrub(text)).toBe(text);
  });
});
