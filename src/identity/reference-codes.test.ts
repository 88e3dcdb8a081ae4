import { describe, expect, it } from "vitest";
import { referenceCodeSpans } from "./reference-codes.js";
import { scrubText } from "./scrub.js";

const scrub = (text: string) => scrubText(text).text;

describe("reference codes known by their shape", () => {
  it("are found: sample, referral, prescription, claim and passport numbers, long digit runs", () => {
    for (const [text, scrubbed] of [
      ["Näyte L2024-0034871 hemolysoitunut.", "Näyte [ID] hemolysoitunut."],
      ["Sähköinen resepti RE-8812-4403-27 uusittu.", "Sähköinen resepti [ID] uusittu."],
      ["Lähete RTG-24-991823, thorax-kuva.", "Lähete [ID], thorax-kuva."],
      ["Provet PRV-778123 hemolyserat.", "Provet [ID] hemolyserat."],
      ["Insurance claim no. IF-CLM-2024-334455 filed.", "Insurance claim no. [ID] filed."],
      ["travel insurance policy TI-4455-09812.", "travel insurance policy [ID]."],
      ["passi E98765432.", "passi [ID]."],
      ["Kela card 80246007654321098, reimbursed.", "Kela card [ID], reimbursed."],
    ])
      expect(scrub(text as string), text).toBe(scrubbed);
  });

  it("find a registration plate after a word for the vehicle, in any language", () => {
    for (const [text, scrubbed] of [
      ["kolariauto, rekisteri ABC-123. Kuljettaja", "kolariauto, rekisteri [ID]. Kuljettaja"],
      ["Invataksi XYZ-987 haki potilaan.", "Invataksi [ID] haki potilaan."],
      ["Bilen med registreringsnummer KLM-456 kördes", "Bilen med registreringsnummer [ID] kördes"],
      ["Ambulance reported vehicle JKL-789, driver", "Ambulance reported vehicle [ID], driver"],
    ])
      expect(scrub(text as string), text).toBe(scrubbed);
  });

  it("leave clinical codes, short numbers and plates without a vehicle alone", () => {
    for (const text of [
      "Dg ICD-10 S72.0, ATC C09AA05, CA-125 42 kU/l, COVID-19 negatiivinen.",
      "IL-6 12, HER-2 negatiivinen, B12 280 pmol/l, HbA1c 53 mmol/mol.",
      "Osasto K2023, huone 12, FI-00100 on postinumero.",
      "Koodi ABC-123 lomakkeessa, SARS-CoV-2 PCR.",
      "Lab 20-44817 ei löydy, mRNA-1273 annettu.",
      "Puhelin 0401234567 ja RR 135/85, versio 10.2.15.3.",
      "car seat ABC-12x, auto ajoi 80 km/h.",
    ])
      expect(referenceCodeSpans(text), text).toEqual([]);
  });

  it("take a code whose two-group prefix is followed by a space (a driving licence's FI-AK 12345678)", () => {
    expect(scrub("Ajokortin nro FI-AK 12345678. Ei saa ajaa.")).toBe(
      "Ajokortin nro [ID]. Ei saa ajaa.",
    );
    expect(referenceCodeSpans("PLT 250000, CRP 12, ICD-10 S72.0")).toEqual([]);
  });

  it("take Finnish, Swedish and British plates after a word for the car, inflected too", () => {
    for (const [text, scrubbed] of [
      ["Kolari: kuljettajana autossa KLM-318.", "Kolari: kuljettajana autossa [ID]."],
      ["Förare av bil XYZ 902, bältad.", "Förare av bil [ID], bältad."],
      ["Bilen DKR 45A parkerad.", "Bilen [ID] parkerad."],
      ["Driver of vehicle reg LM19 XTP, belted.", "Driver of vehicle reg [ID], belted."],
    ])
      expect(scrubText(text as string).text, text).toBe(scrubbed);
    for (const text of ["Auto ABC lainassa.", "Car park level 2.", "Vehicle CO 2 exposure."])
      expect(scrubText(text).text, text).toBe(text);
  });
});
