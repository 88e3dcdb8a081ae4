import { COMMON_FIRST_NAMES, COMMON_SURNAMES } from "./common-names.js";
import { checkCharacter } from "./hetu.js";
import { JS_PATTERNS } from "./identifier-patterns.js";
import { NAME_TOKEN, nameCandidates } from "./name-forms.js";

export type RedactionType = "HETU" | "NAME" | "PHONE" | "EMAIL" | "ADDRESS";

/** A direct identifier found in a text: `text.slice(start, end)` is it. */
export interface IdentifierSpan {
  start: number;
  end: number;
  type: RedactionType;
}

export interface ScrubContext {
  /**
   * Whether a key (a word in lower case, possibly with diacritics folded, see name-forms.ts) is
   * a name of the person the note is about or of their relatives: from the Patient resource in
   * this load, or from keyed name hashes in the vault in later loads.
   */
  isPersonName?: (word: string) => boolean;
}

const WORD = "[A-ZÅÄÖÉ][a-zåäöéü]+(?:-[A-ZÅÄÖÉ][a-zåäöéü]+)?";
const STREET = new RegExp(
  `(?:(?:Iso|Pikku|Vanha|Uusi|Itäinen|Läntinen|Pohjoinen|Eteläinen|Stora|Lilla|Gamla|Norra|Södra|Östra|Västra)\\s)?${WORD.replace("[a-zåäöéü]+", "[a-zåäöéü]*(?:tie|katu|kuja|polku|väylä|kaari|rinne|gatan|vägen|gränd|stigen)")}\\s\\d{1,3}(?:\\s?[A-H](?:\\s?\\d{1,3})?)?`,
  "g",
);
const POSTAL_TOWN = new RegExp(`(?<!\\d)\\d{5}\\s${WORD}`, "g");
// Titles are always followed by a name; relations and "patient" are when a common name follows.
const TITLES = ["LL", "el", "sh", "th", "lh", "ft", "Dr", "erikoislääkäri", "lääkäri", "hoitaja"];
const RELATIONS = [
  "Potilas",
  "Patient",
  "Patienten",
  "Puoliso",
  "Tytär",
  "Poika",
  "Äiti",
  "Isä",
  "Sisar",
  "Veli",
  "Maken/makan",
  "Maken",
  "Makan",
  "Dottern",
  "Sonen",
  "Modern",
  "Fadern",
  "Spouse",
  "Daughter",
  "Son",
  "Mother",
  "Father",
];
const CUE_AND_NAMES = new RegExp(
  `(?<![\\p{L}])(${[...TITLES, ...RELATIONS].map((c) => c.replace("/", "\\/")).join("|")})(\\s+)(${WORD}(?:\\s+${WORD}){0,2})`,
  "gu",
);

/**
 * The one detector of direct identifiers in free text, for the ingest scrubber, free-text checks
 * and the de-identification benchmark: identity codes (any written form; unseparated ones only
 * with a valid check character), e-mail addresses, street addresses and postal codes with towns,
 * phone numbers, common first names and surnames after a name cue, and the person's own and
 * relatives' names in any inflected form. Spans are in text order and never overlap: where two
 * detectors claim the same characters, the one listed first here wins.
 */
export function detectIdentifiers(text: string, context: ScrubContext = {}): IdentifierSpan[] {
  const found: IdentifierSpan[] = [];
  const claim = (start: number, end: number, type: RedactionType) => {
    if (found.some((s) => start < s.end && s.start < end)) return;
    found.push({ start, end, type });
  };
  const each = (pattern: RegExp, type: RedactionType, keep?: (m: RegExpExecArray) => boolean) => {
    for (const m of text.matchAll(pattern))
      if (!keep || keep(m)) claim(m.index, m.index + m[0].length, type);
  };
  // The e-mail pattern tries a match at every word; most notes have no "@" to find.
  if (text.includes("@")) each(JS_PATTERNS.email(), "EMAIL");
  each(JS_PATTERNS.hetuSeparated(), "HETU");
  each(
    JS_PATTERNS.hetuUnseparated(),
    "HETU",
    (m) => checkCharacter(m[1] as string, m[2] as string) === String(m[3]).toUpperCase(),
  );
  each(STREET, "ADDRESS");
  each(POSTAL_TOWN, "ADDRESS");
  each(JS_PATTERNS.phone(), "PHONE");
  for (const m of text.matchAll(CUE_AND_NAMES)) {
    const [, cue = "", space = "", names = ""] = m;
    const title = TITLES.includes(cue);
    const offset = m.index + cue.length + space.length;
    let end = -1;
    for (const word of names.matchAll(/\S+/g)) {
      const known = COMMON_FIRST_NAMES.has(word[0]) || COMMON_SURNAMES.has(word[0]);
      if (!title && !known) break;
      end = offset + word.index + word[0].length;
    }
    if (end > offset) claim(offset, end, "NAME");
  }
  if (context.isPersonName) {
    const isName = context.isPersonName;
    each(NAME_TOKEN, "NAME", (m) => nameCandidates(m[0]).some(isName));
  }
  return found.sort((a, b) => a.start - b.start);
}
