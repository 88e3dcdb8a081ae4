/**
 * Record and patient numbers after their label, in Finnish, Swedish and English, whoever the note
 * is about: "MRN 2038475", "Potilasnumero P4829104", "Journalnr 20-44817", "sairauskertomusnro:
 * 123456", "NHS number 943 476 5919". A label is a word that is a number's name on its own
 * (potilasnumero, journalnr, MRN), or a word for what is numbered (potilas, journal, record)
 * followed by a word for number (numero, nro, nr, no, nummer, number, ID, tunnus).
 */

const LABELS_ALONE = `mrn mr# potilasnumero potilasnro potilastunnus sairauskertomusnumero
  sairauskertomusnro sairaskertomusnumero sairaskertomusnro asiakasnumero asiakasnro
  arkistonumero henkilönumero journalnummer journalnumret journalnr patientnummer patientnr
  patientid klientnummer kundnummer passinumero passnummer passport vakuutusnumero vahinkonumero
  vakuutusnro försäkringsnummer skadenummer polisnummer kela-kortti kelakortti passi passin
  ajokortti ajokortin ajokorttinumero körkort körkortet körkortsnummer sarjanumero sarjanro
  serienummer serial s/n sn
  lma-kort lma-kortet lma-kortti lma-kortin krankenversichertennummer versichertennummer`;
// Finnish labels ending in -numero are read in their case forms too ("haettu
// potilasnumerolla 3308815", "asiakasnumeron 5566778").
const NUMERO_CASES = "n a lla lle lta ssa sta on ksi".split(" ");
// Phrases, comma-separated: some are two words. Not "case": permit texts cite an ethics
// committee's case numbers (case no 2024-0012), which identify no patient.
const NUMBERED = `potilas, potilaskertomus, potilaskertomuksen, sairauskertomus, sairaskertomus, asiakas, arkisto, journal, patient, klient,
  client, record, medical record, hospital, chart, nhs, account, member, insurance,
  insurance policy, policy, passport, passi, passin, vakuutuksen, vakuutus, kortin,
  sairaanhoitokortin, kela-kortin, kelakortin, health card, health insurance card, card,
  employee, staff, personnel, kela, fpa, medicare, medicaid, hosp, ajokortin, körkorts, körkortets,
  participant, study participant, subject, trial participant, tutkittavan, tutkittava, deltagar,
  referral, lähete, lähetteen, remiss, histology, cytology, pathology, histologia, patologia,
  serial, sarja, serie, device, implant`;
const NUMBER_WORDS = "numero nro n:o nr nummer number no id tunnus ref";

// Longest first: an alternation takes the first that fits.
const alternation = (list: string[]) =>
  list
    .map((w) => w.trim())
    .sort((a, b) => b.length - a.length)
    .map((w) => w.replace(/ /g, "[ \\t]"))
    .join("|");

const LABEL_WORDS = LABELS_ALONE.trim().split(/\s+/);
const INFLECTED_LABELS = LABEL_WORDS.filter((w) => w.endsWith("numero")).flatMap((w) =>
  NUMERO_CASES.map((ending) => `${w}${ending}`),
);
// A label in brackets before its value is still its label: "(Krankenversichertennummer) A123…".
// Phrases that name a number on their own: a card's number is printed on it.
const PHRASES_ALONE = [
  "health card",
  "health insurance card",
  "insurance card",
  "id card",
  "driving licence",
  "driving license",
  "driver's license",
  "drivers license",
  "driving licence number",
  "driving license number",
  "study participant",
  "trial participant",
];
// An abbreviated word keeps its full stop before the word for number ("hosp. no 5521873").
const LABEL = `(?:${alternation([...LABEL_WORDS, ...INFLECTED_LABELS, ...PHRASES_ALONE])}|(?:${alternation(
  NUMBERED.split(","),
)})\\.?[ \\t]?-?[ \\t]?(?:${alternation(NUMBER_WORDS.split(" "))}))`;

// The value: letters before digits at most three (P4829104, SK-88213), then digits, letters and dashes,
// four characters at least; or digit groups with spaces (943 476 5919). A dash after one letter
// is not taken: "mRNA-1273" is a vaccine.
// A single letter and a dash only before five digits at least (K-2208931). A prefix of up to four
// letters names the system (HUS-3329104, FOLK-229187); a passport's series may be followed by a
// longer group (72 3318845).
// A card's series may stand apart from its digits (Kela K 00983 421, LMA 221-004871), and a
// number's last group may be one check digit (Medicare 2123 45670 1): digit groups are tried
// first, or the first group alone would be taken.
// A British driving licence starts with five letters of the surname (TAYLO801012JR9AB); a study
// participant's code may have word groups before its digits (HELS-TRIAL-0193).
const VALUE =
  "(?:[0-9]{2,4}(?: [0-9]{2,7}){1,3}(?: [0-9])?(?![0-9])|[0-9]{2,}(?:/[0-9A-Z]{1,6}){2,}|\\p{Lu}{1,3}[0-9]{1,2}/[0-9]{3,}|\\p{Lu}{1,3}[0-9] [0-9]{4,}|\\p{Lu}{1,4} [0-9]{2,}(?:-[0-9]{2,})+|\\p{Lu}{1,4} [0-9]{5,}\\p{Lu}|\\p{Lu}{4,6}[0-9][0-9A-Z]{4,}|\\p{Lu}{2,6}(?:-\\p{Lu}{2,6})+-[0-9]{3,}|(?:\\p{L}{2,4}-|\\p{L}{0,3}|\\p{L}-(?=[0-9]{5}))[0-9][0-9A-Za-z-]{3,}|\\p{Lu}{1,4} [0-9]{3,}(?:[ -][0-9]{2,})*)";

const LABELLED = new RegExp(
  `(?<![\\p{L}])(?:${LABEL})\\.?\\)?[ \\t]*[:#]?[ \\t]*(${VALUE})(?![\\p{L}\\p{N}])`,
  "giu",
);

// Every letter as a class of both cases: the guard's pattern is read by RE2 and, for text files,
// by JavaScript, which share no case-insensitive inline flag.
export const anyCase = (pattern: string) =>
  pattern.replace(/\\.|\p{Ll}/gu, (c) =>
    c.startsWith("\\") ? c : `[${c}${c.toLocaleUpperCase("fi")}]`,
  );
const ASCII_VALUE =
  "[0-9]{2,4}(?: [0-9]{2,7}){1,3}( [0-9])?|[0-9]{2,}(/[0-9A-Z]{1,6}){2,}|[A-Z]{1,3}[0-9]{1,2}/[0-9]{3,}|[A-Z]{1,3}[0-9] [0-9]{4,}|[A-Z]{1,4} [0-9]{2,}(-[0-9]{2,})+|[A-Z]{1,4} [0-9]{5,}[A-Z]|[A-Z]{4,6}[0-9][0-9A-Z]{4,}|[A-Z]{2,6}(-[A-Z]{2,6})+-[0-9]{3,}|(?:[A-Za-z]{2,4}-|[A-Za-z]{0,3})[0-9][0-9A-Za-z-]{3,}|[A-Za-z]-[0-9]{5}[0-9A-Za-z-]*|[A-Z]{1,4} [0-9]{3,}([ -][0-9]{2,})*";
const EDGE = "0-9A-Za-zÅÄÖåäöÉéÜü";

/**
 * The same in RE2 syntax (for DuckDB's regexp_matches in the release guard; JavaScript reads it
 * alike): edges are explicit groups, since RE2 has no look-around.
 */
export const RE2_RECORD_NUMBER = `(^|[^${EDGE}])(${anyCase(LABEL)})\\.?\\)?[ \\t]*[:#]?[ \\t]*(${ASCII_VALUE})($|[^${EDGE}])`;

// Any compound that names a number ("anställningsnummer", "työntekijänumero",
// "fødselsnummer"), except numbers of phones, post codes, samples, rooms and batches, which
// are no person's.
const COMPOUND_LABELLED = new RegExp(
  `(?<![\\p{L}])(\\p{L}{3,}?)(?:nummer|numret|numero|nro|nr)\\.?\\)?[ \\t]*[:#]?[ \\t]*(${VALUE})(?![\\p{L}\\p{N}])`,
  "giu",
);
const NUMBER_WORD_IN = /nummer|numret|numero|nro|nr/i;
const NOT_A_PERSONS_NUMBER =
  /(?:puhelin|telefon|koti|posti|post|näyte|prov|työ|matka|gsm|mobil|fax|faksi|hem|puh|huone|rum|sal|osasto|avdelning|versio|version|erä|lot|batch|tilaus|order|sivu|sid|page)$/i;

/**
 * The compound labels in RE2 syntax for the release guard. RE2 cannot leave out the phone's and
 * the post code's compounds; in released text those are identifiers of their own kinds anyway.
 */
export const RE2_COMPOUND_NUMBER = `(^|[^${EDGE}])([A-Za-zÅÄÖåäöØøÆæ]{3,}(${anyCase("nummer|numret|numero|nro|nr")}))\\.?\\)?[ \\t]*[:#]?[ \\t]*(${ASCII_VALUE})($|[^${EDGE}])`;

// A sample's or a specimen's number links the text to the laboratory's record of the person:
// eight characters at least, so "näyte 2" or a tube's number is not one, and no ISO date.
const SAMPLE_NUMBER =
  /(?<![\p{L}])(?:näyte(?:numero|nro|tunnus)?|näytteen(?:[ \t]+(?:numero|nro|tunnus))?|prov(?:nummer|nr|et)?|sample|specimen|accession)(?:[ \t]?(?:no|nr|n:o|numero|number|id))?\.?[ \t]*[:#]?[ \t]*([A-Z]{0,3}[0-9][0-9-]{7,})(?![\p{L}\p{N}]|-[0-9])/giu;
const ISO_DATE = /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/;

/** The spans of values written after a record-number label, in text order. */
export function labelledNumberSpans(text: string): Array<[number, number]> {
  const spans: Array<[number, number]> = [];
  const value = (m: RegExpMatchArray, group: number) => {
    const found = m[group] as string;
    // Labels are read in any case, a card's series only in capitals: "Kela-kortti on 1234567",
    // "potilasnumerolla 4455667" (a case ending, read as the compound potilas + numero).
    const word = /^\p{Ll}+ /u.exec(found)?.[0] ?? "";
    const start = (m.index ?? 0) + m[0].length - found.length + word.length;
    spans.push([start, start + found.length - word.length]);
  };
  for (const m of text.matchAll(LABELLED)) value(m, 1);
  for (const m of text.matchAll(SAMPLE_NUMBER)) if (!ISO_DATE.test(m[1] as string)) value(m, 1);
  // The compound pattern tries every word; most notes name no number at all.
  if (NUMBER_WORD_IN.test(text))
    for (const m of text.matchAll(COMPOUND_LABELLED))
      if (!NOT_A_PERSONS_NUMBER.test(m[1] as string)) value(m, 2);
  return spans.sort((a, b) => a[0] - b[0]);
}
