import { describe, expect, it } from "vitest";
import { labelledNumberSpans } from "./record-numbers.js";
import { scrubText } from "./scrub.js";

const scrub = (text: string) => scrubText(text).text;

describe("record numbers after their label", () => {
  it("are found in Finnish, Swedish and English, whoever the note is about", () => {
    for (const [text, scrubbed] of [
      ["Journalnr 20-44817 från tidigare vård.", "Journalnr [ID] från tidigare vård."],
      ["Journal nr: 20-44817.", "Journal nr: [ID]."],
      ["Sairauskertomusnumero 1234567 pyydetty.", "Sairauskertomusnumero [ID] pyydetty."],
      ["sairauskertomusnro: SK-88213", "sairauskertomusnro: [ID]"],
      ["Potilas-ID P4829104.", "Potilas-ID [ID]."],
      ["Potilasnumero P4829104", "Potilasnumero [ID]"],
      ["Asiakasnumero 5566778 Kelassa.", "Asiakasnumero [ID] Kelassa."],
      ["Patientnummer: 00123456", "Patientnummer: [ID]"],
      ["MRN: 00123456", "MRN: [ID]"],
      ["Medical record no. 7788123.", "Medical record no. [ID]."],
      ["Hospital number H884213 noted.", "Hospital number [ID] noted."],
      ["NHS number 943 476 5919.", "NHS number [ID]."],
      ["Patient ID: 20-55512", "Patient ID: [ID]"],
    ])
      expect(scrub(text as string), text).toBe(scrubbed);
  });

  it("leave labels without a number, and numbers without a label, alone", () => {
    for (const text of [
      "Patient no longer smokes; record 3 visits.",
      "Potilas 2 vuotta sitten leikattu, numero 12.",
      "Lab 20-44817 ei löydy.",
      "mRNA-1273 annettu.",
      "Ethics committee case no 2024-0012.",
    ])
      expect(labelledNumberSpans(text), text).toEqual([]);
  });
});
