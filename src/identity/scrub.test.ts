import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../../test/support/stores.js";
import { DEFAULT_SYNTH_OPTIONS, runSynth } from "../synth/synth.js";
import { containsHetuLike } from "./hetu.js";
import { personNameMatcher } from "./name-forms.js";
import { scrubText } from "./scrub.js";

describe("scrubText", () => {
  it("replaces each kind of identifier with a typed placeholder and counts them", () => {
    const isPersonName = personNameMatcher(["Väinö", "Ahonen", "Marjatta"]);
    const { text, redactions } = scrubText(
      "Potilas Väinö Ahonen, hetu 161073-663L. Puoliso Marjatta soitti numerosta 045 591 1257. " +
        "Osoite Iso Kylätie 5 B 12, 04130 Sipoo. Sähköposti vaino.ahonen@gmail.com. Väinö voi hyvin. " +
        "Konsultoitu el Olivia Heikkinen. Tel. +358 40 123 4567.\n\nLL Juhani Miettinen",
      { isPersonName },
    );
    expect(text).toBe(
      "Potilas [NAME], hetu [HETU]. Puoliso [NAME] soitti numerosta [PHONE]. " +
        "Osoite [ADDRESS]. Sähköposti [EMAIL]. [NAME] voi hyvin. " +
        "Konsultoitu el [NAME]. Tel. [PHONE].\n\nLL [NAME]",
    );
    expect(redactions).toEqual({ NAME: 5, HETU: 1, PHONE: 2, ADDRESS: 1, EMAIL: 1 });
  });

  it("keeps clinical content: dates, lab values, codes, doses, ordinary capitalised words", () => {
    const clinical =
      "REU POLIKLINIKKAKÄYNTI 27.01.2003 Reumatologian poliklinikka. CRP 12, La 30, DAS28 2,93, " +
      "HbA1c 53 mmol/mol. Dg M05.8, I21.0. Metotreksaatti 15 mg kerran viikossa. Kontrolli 1.5.2020. " +
      "Potilas kertoo voivansa hyvin. Sepelvaltimon pallolaajennus FNG05. NT-proBNP 1250 ng/l.";
    expect(scrubText(clinical)).toEqual({ text: clinical, redactions: {} });
  });

  it("finds identity codes with any century sign, checked or not", () => {
    for (const code of ["010594Y9032", "131052-308X", "290200A002F", "010101+123A"]) {
      expect(scrubText(`hetu ${code}.`).text).toBe("hetu [HETU].");
    }
  });
});

describe("scrubbing kaivo synth notes", () => {
  const tmp = tempDir("kaivo-scrub-");
  const out = join(tmp.dir, "x");
  beforeAll(async () => {
    await runSynth({ ...DEFAULT_SYNTH_OPTIONS, patients: 400, seed: 11, out });
  }, 60_000);
  afterAll(() => tmp.remove());

  it("leaves no identity code, phone, e-mail, address or name of the person or relatives", () => {
    const lines = (file: string) =>
      readFileSync(join(out, "fhir", file), "utf8")
        .split("\n")
        .filter(Boolean);
    const people = new Map<string, { names: Set<string>; identifiers: string[] }>();
    for (const line of lines("Patient-1.ndjson")) {
      const p = JSON.parse(line);
      const relative = p.contact[0].name;
      const names = new Set<string>([
        ...p.name[0].given,
        p.name[0].family,
        ...relative.given,
        relative.family,
      ]);
      const identifiers = [
        p.identifier[0].value,
        p.telecom.map((t: { value: string }) => t.value),
        p.contact[0].telecom[0].value,
        p.address[0].line[0],
      ].flat();
      people.set(`Patient/${p.id}`, { names, identifiers });
    }
    let notes = 0;
    let withIdentifiers = 0;
    for (const line of lines("DocumentReference-1.ndjson")) {
      const d = JSON.parse(line);
      const person = people.get(d.subject.reference);
      if (!person) throw new Error("note without a person");
      const raw = Buffer.from(d.content[0].attachment.data, "base64").toString("utf8");
      const isPersonName = personNameMatcher(person.names);
      const { text, redactions } = scrubText(raw, { isPersonName });
      notes++;
      if (Object.keys(redactions).length > 0) withIdentifiers++;
      expect(containsHetuLike(text), text).toBe(false);
      expect(text).not.toMatch(/\b0\d{1,2}[\s-]\d{3}[\s-]\d{3,5}\b/);
      expect(text).not.toMatch(/@[a-z0-9-]+\.[a-z]{2,}/i);
      for (const identifier of person.identifiers)
        expect(text, identifier).not.toContain(identifier);
      for (const name of person.names)
        expect(text, name).not.toMatch(new RegExp(`(?<!\\p{L})${name}(?!\\p{L})`, "u"));
      expect(text).not.toMatch(/\b(LL|el) [A-ZÅÄÖ][a-zåäö]+ [A-ZÅÄÖ]/); // no clinician's full name
    }
    expect(notes).toBeGreaterThan(500);
    expect(withIdentifiers / notes).toBeGreaterThan(0.5);
  });
});
