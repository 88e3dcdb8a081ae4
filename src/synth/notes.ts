import type { Chart, NoteKind, Visit } from "./chart.js";
import type { Person } from "./person.js";
import { SPECIALTIES } from "./reference/hospitals.js";
import { ageAt, finnishDate } from "./time.js";

/** The clinical content of a note, in the languages it has been written for. */
export interface NoteBody {
  fi: string[];
  sv?: string[];
  en?: string[];
}

type Lang = "fi" | "sv" | "en";

const RELATION: Record<Lang, Record<Person["relative"]["relation"], string>> = {
  fi: { spouse: "Puoliso", daughter: "Tytär", son: "Poika", mother: "Äiti" },
  sv: { spouse: "Maken/makan", daughter: "Dottern", son: "Sonen", mother: "Modern" },
  en: { spouse: "Spouse", daughter: "Daughter", son: "Son", mother: "Mother" },
};

const HEADINGS: Record<Lang, Record<NoteKind, string>> = {
  fi: {
    referral: "LÄHETE",
    visit: "POLIKLINIKKAKÄYNTI",
    discharge: "EPIKRIISI",
    emergency: "PÄIVYSTYSKÄYNTI",
  },
  sv: {
    referral: "REMISS",
    visit: "POLIKLINIKBESÖK",
    discharge: "EPIKRIS",
    emergency: "JOURBESÖK",
  },
  en: {
    referral: "REFERRAL",
    visit: "OUTPATIENT VISIT",
    discharge: "DISCHARGE SUMMARY",
    emergency: "EMERGENCY VISIT",
  },
};

function fullName(p: Person): string {
  return `${p.given.join(" ")} ${p.family}`;
}

/**
 * Identifiers written into the running text, as clinicians do: the patient's name and code,
 * relatives and their numbers, e-mail and home address. Ingest must scrub every one of them.
 */
function leaks(chart: Chart, lang: Lang, visit: Visit): string[] {
  const { rng, person: p } = chart;
  const out: string[] = [];
  const rel = p.relative;
  if (rng.chance(0.25)) {
    out.push(
      {
        fi: `Potilas ${fullName(p)}, hetu ${p.hetu}.`,
        sv: `Patient ${fullName(p)}, personbeteckning ${p.hetu}.`,
        en: `Patient ${fullName(p)}, personal identity code ${p.hetu}.`,
      }[lang],
    );
  } else if (rng.chance(0.2)) {
    out.push(
      {
        fi: `${p.given[0]} kertoo voivansa kohtalaisesti.`,
        sv: `${p.given[0]} berättar att hen mår hyfsat.`,
        en: `${p.given[0]} reports feeling fair.`,
      }[lang],
    );
  }
  if (rng.chance(0.15)) {
    out.push(
      {
        fi: `${RELATION.fi[rel.relation]} ${rel.given} ${rel.family} oli mukana vastaanotolla ja pyysi soittoa numeroon ${rel.phone}.`,
        sv: `${RELATION.sv[rel.relation]} ${rel.given} ${rel.family} var med på mottagningen, nås på ${rel.phone}.`,
        en: `${RELATION.en[rel.relation]} ${rel.given} ${rel.family} accompanied the patient, phone ${rel.phone}.`,
      }[lang],
    );
  }
  if (rng.chance(0.1)) {
    out.push(
      {
        fi: `Potilaan oma puhelinnumero ${p.phone}.`,
        sv: `Patientens telefon ${p.phone}.`,
        en: `Patient's phone ${p.phone}.`,
      }[lang],
    );
  }
  if (p.email && rng.chance(0.08)) {
    out.push(
      {
        fi: `Toivoo yhteydenottoa sähköpostilla ${p.email}.`,
        sv: `Önskar kontakt per e-post ${p.email}.`,
        en: `Prefers e-mail: ${p.email}.`,
      }[lang],
    );
  }
  if (rng.chance(0.08)) {
    out.push(
      {
        fi: `Kotiosoite ${p.street}, ${p.postalCode} ${p.municipality.fi}.`,
        sv: `Hemadress ${p.street}, ${p.postalCode} ${p.municipality.sv}.`,
        en: `Home address ${p.street}, ${p.postalCode} ${p.city}.`,
      }[lang],
    );
  }
  if (rng.chance(0.15)) {
    const colleague = chart.clinician("el");
    out.push(
      {
        fi: `Konsultoitu puhelimitse ${colleague}.`,
        sv: `Konsulterat ${colleague} per telefon.`,
        en: `Discussed with ${colleague}.`,
      }[lang],
    );
  }
  if (rng.chance(0.05)) out.push(`${visit.unit.name}, puh. 09 471 ${rng.int(10000, 99999)}.`);
  return out;
}

/** Writes a note for a visit: heading, clinical text, identifier leaks, signature. */
export function writeNote(chart: Chart, visit: Visit, kind: NoteKind, body: NoteBody): void {
  const { rng, person } = chart;
  let lang: Lang = "fi";
  if (body.sv && person.language === "sv" && rng.chance(0.6)) lang = "sv";
  else if (body.en && rng.chance(0.06)) lang = "en";
  const sentences = [...(body[lang] ?? body.fi)];
  const leaked = leaks(chart, lang, visit);
  // Leaks go inside the text, not in a separate block, as in real notes.
  for (const sentence of leaked) sentences.splice(rng.int(0, sentences.length), 0, sentence);
  const age = ageAt(person.birth, visit.start);
  const sexWord = {
    fi: person.sex === "male" ? "mies" : "nainen",
    sv: person.sex === "male" ? "man" : "kvinna",
    en: person.sex === "male" ? "man" : "woman",
  }[lang];
  const intro = {
    fi: `${age}-vuotias ${sexWord}.`,
    sv: `${age}-årig ${sexWord}.`,
    en: `${age}-year-old ${sexWord}.`,
  }[lang];
  const view = SPECIALTIES[visit.unit.specialty].view;
  const header = `${view} ${HEADINGS[lang][kind]} ${finnishDate(visit.start)} ${visit.unit.name}`;
  const signature = `${visit.clinician}${rng.chance(0.5) ? ", erikoislääkäri" : ""}`;
  const text = `${header}\n\n${intro} ${sentences.join(" ")}\n\n${signature}\n`;
  chart.note(visit, kind, text, lang);
}
