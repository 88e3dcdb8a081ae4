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
      // A system prefix of four letters, a Finnish record label, a passport with a long group.
      ["Potilaskertomus nro HUS-1234567, siirretty.", "Potilaskertomus nro [ID], siirretty."],
      ["försäkringsnummer ABCD-123456, olycksfall", "försäkringsnummer [ID], olycksfall"],
      ["passnummer 12 3456789, söker vård", "passnummer [ID], söker vård"],
      [
        "Insurance (Versichertennummer) B987654321 noted",
        "Insurance (Versichertennummer) [ID] noted",
      ],
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

  it("are found after card, passport and insurance labels, and after inflected -numero labels", () => {
    for (const [text, scrubbed] of [
      ["Passin numero XP1234567 tarkistettu.", "Passin numero [ID] tarkistettu."],
      ["Passport AB9920411 seen.", "Passport [ID] seen."],
      ["Passnummer 77104523 kopierat.", "Passnummer [ID] kopierat."],
      ["Kela-kortin numero 80246000099912345678.", "Kela-kortin numero [ID]."],
      ["Sairaanhoitokortin numero 8024600001111.", "Sairaanhoitokortin numero [ID]."],
      ["Vahinkonumero VK-2024-55310 saatu.", "Vahinkonumero [ID] saatu."],
      ["Insurance policy no. ZZA-10293847.", "Insurance policy no. [ID]."],
      ["Health card 1234-567-890-AB shown.", "Health card [ID] shown."],
      ["Försäkringsnummer 5512-3344.", "Försäkringsnummer [ID]."],
      ["Haettu potilasnumerolla 4455667.", "Haettu potilasnumerolla [ID]."],
      ["Asiakasnumeron 5566778 mukaan.", "Asiakasnumeron [ID] mukaan."],
      ["Asiakasnumero K-1234567 sosiaalitoimessa.", "Asiakasnumero [ID] sosiaalitoimessa."],
    ])
      expect(scrub(text as string), text).toBe(scrubbed);
  });

  it("leave a single letter and a dash before a short number, and card words, alone", () => {
    for (const text of [
      "Asiakasnumero K-12 puuttuu.",
      "Health card presented, no number.",
      "Passi voimassa 2030 asti.",
      "Kortin numero puuttuu, soitetaan 12.5.",
    ])
      expect(labelledNumberSpans(text), text).toEqual([]);
  });

  it("take a value after any compound that names a number, but a phone's, a post code's or a sample's", () => {
    for (const [text, scrubbed] of [
      ["Anställningsnummer 4455-HUS, arbetsolycka.", "Anställningsnummer [ID], arbetsolycka."],
      [
        "Norwegian ID (fødselsnummer) 24117912345; patient",
        "Norwegian ID (fødselsnummer) [ID]; patient",
      ],
      ["työntekijänumero: 7781234", "työntekijänumero: [ID]"],
      ["employee number 4455-HUS", "employee number [ID]"],
    ])
      expect(scrub(text as string), text).toBe(scrubbed);
    for (const text of [
      "Postnummer 22100 Mariehamn.",
      "Näytenumero 1503851 uusittu.",
      "huonenumero 1234",
    ])
      expect(labelledNumberSpans(text), text).toEqual([]);
  });

  it("take a card's series apart from its digits, Kela, LMA and Medicare numbers, and sample numbers", () => {
    for (const [text, scrubbed] of [
      ["Kela-kortti K 01277 553, voimassa.", "Kela-kortti [ID], voimassa."],
      ["Kela-nummer K 66120934 noterat.", "Kela-nummer [ID] noterat."],
      ["LMA-kort LMA 330-118402 uppvisat.", "LMA-kort [ID] uppvisat."],
      ["Medicare no. 3321 77812 4 on file.", "Medicare no. [ID] on file."],
      ["Näyte 2411280931 (B -PVK) lähetetty.", "Näyte [ID] (B -PVK) lähetetty."],
      ["Prov 30118745 skickat till Karolinska.", "Prov [ID] skickat till Karolinska."],
      ["Specimen no. 88-1204377 received.", "Specimen no. [ID] received."],
      ["Haettu potilasnumerolla 4455667.", "Haettu potilasnumerolla [ID]."],
    ])
      expect(scrub(text as string), text).toBe(scrubbed);
    for (const text of [
      "Näyte 2024-11-05 lähetetty.",
      "Näyte 2 hemolysoitunut.",
      "Kela-kortti on mukana.",
      "Sample 12 of 40 positive.",
    ])
      expect(scrub(text), text).toBe(text);
  });
});
