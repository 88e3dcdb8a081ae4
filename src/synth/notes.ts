import { type Fragment, ident, joinFragments, plain, t } from "./annotated-text.js";
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

function fullName(p: Person): Fragment {
  return ident("NAME", `${p.given.join(" ")} ${p.family}`);
}

/** A clinician as written ("LL Anna Virtanen"): the title is text, the rest their name. */
function clinicianName(written: string): Fragment {
  const space = written.indexOf(" ");
  return t`${written.slice(0, space + 1)}${ident("NAME", written.slice(space + 1))}`;
}

/**
 * Identifiers written into the running text, as clinicians do: the patient's name and code,
 * relatives and their numbers, e-mail and home address. Ingest must scrub every one of them.
 * Each is marked as it is written (see annotated-text.ts).
 */
function leaks(chart: Chart, lang: Lang, visit: Visit): Fragment[] {
  const { rng, person: p } = chart;
  const out: Fragment[] = [];
  const rel = p.relative;
  if (rng.chance(0.25)) {
    const hetu = ident("HETU", p.hetu);
    out.push(
      {
        fi: t`Potilas ${fullName(p)}, hetu ${hetu}.`,
        sv: t`Patient ${fullName(p)}, personbeteckning ${hetu}.`,
        en: t`Patient ${fullName(p)}, personal identity code ${hetu}.`,
      }[lang],
    );
  } else if (rng.chance(0.2)) {
    const given = ident("NAME", p.given[0] as string);
    out.push(
      {
        fi: t`${given} kertoo voivansa kohtalaisesti.`,
        sv: t`${given} berättar att hen mår hyfsat.`,
        en: t`${given} reports feeling fair.`,
      }[lang],
    );
  }
  if (rng.chance(0.15)) {
    const name = ident("NAME", `${rel.given} ${rel.family}`);
    const phone = ident("PHONE", rel.phone);
    out.push(
      {
        fi: t`${RELATION.fi[rel.relation]} ${name} oli mukana vastaanotolla ja pyysi soittoa numeroon ${phone}.`,
        sv: t`${RELATION.sv[rel.relation]} ${name} var med på mottagningen, nås på ${phone}.`,
        en: t`${RELATION.en[rel.relation]} ${name} accompanied the patient, phone ${phone}.`,
      }[lang],
    );
  }
  if (rng.chance(0.1)) {
    const phone = ident("PHONE", p.phone);
    out.push(
      {
        fi: t`Potilaan oma puhelinnumero ${phone}.`,
        sv: t`Patientens telefon ${phone}.`,
        en: t`Patient's phone ${phone}.`,
      }[lang],
    );
  }
  if (p.email && rng.chance(0.08)) {
    const email = ident("EMAIL", p.email);
    out.push(
      {
        fi: t`Toivoo yhteydenottoa sähköpostilla ${email}.`,
        sv: t`Önskar kontakt per e-post ${email}.`,
        en: t`Prefers e-mail: ${email}.`,
      }[lang],
    );
  }
  if (rng.chance(0.08)) {
    const street = ident("ADDRESS", p.street);
    const town = (name: string) => ident("ADDRESS", `${p.postalCode} ${name}`);
    out.push(
      {
        fi: t`Kotiosoite ${street}, ${town(p.municipality.fi)}.`,
        sv: t`Hemadress ${street}, ${town(p.municipality.sv)}.`,
        en: t`Home address ${street}, ${town(p.city)}.`,
      }[lang],
    );
  }
  if (rng.chance(0.15)) {
    const colleague = clinicianName(chart.clinician("el"));
    out.push(
      {
        fi: t`Konsultoitu puhelimitse ${colleague}.`,
        sv: t`Konsulterat ${colleague} per telefon.`,
        en: t`Discussed with ${colleague}.`,
      }[lang],
    );
  }
  if (rng.chance(0.05))
    out.push(t`${visit.unit.name}, puh. ${ident("PHONE", `09 471 ${rng.int(10000, 99999)}`)}.`);
  return out;
}

/** Writes a note for a visit: heading, clinical text, identifier leaks, signature. */
export function writeNote(chart: Chart, visit: Visit, kind: NoteKind, body: NoteBody): void {
  const { rng, person } = chart;
  let lang: Lang = "fi";
  if (body.sv && person.language === "sv" && rng.chance(0.6)) lang = "sv";
  else if (body.en && rng.chance(0.06)) lang = "en";
  const sentences: Fragment[] = (body[lang] ?? body.fi).map(plain);
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
  const signature = t`${clinicianName(visit.clinician)}${rng.chance(0.5) ? ", erikoislääkäri" : ""}`;
  const note = t`${header}\n\n${intro} ${joinFragments(sentences, " ")}\n\n${signature}\n`;
  chart.note(visit, kind, note, lang);
}
