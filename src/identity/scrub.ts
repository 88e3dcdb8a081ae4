import { COMMON_FIRST_NAMES, COMMON_SURNAMES } from "./common-names.js";
import { replaceHetusInText } from "./hetu-in-text.js";
import { JS_PATTERNS } from "./identifier-patterns.js";
import { NAME_TOKEN, nameCandidates } from "./name-forms.js";

export type RedactionType = "HETU" | "NAME" | "PHONE" | "EMAIL" | "ADDRESS";

export interface ScrubResult {
  text: string;
  redactions: Partial<Record<RedactionType, number>>;
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
  `(?<![\\p{L}])(${[...TITLES, ...RELATIONS].map((c) => c.replace("/", "\\/")).join("|")})\\s+(${WORD}(?:\\s+${WORD}){0,2})`,
  "gu",
);

/**
 * Removes direct identifiers from free text before it is stored: identity codes (any plausible
 * pattern, checked or not), e-mail addresses, phone numbers, street addresses and postal codes
 * with towns, the person's own and relatives' names, and common first names and surnames next to
 * a name cue. Each is replaced by a typed placeholder and counted.
 */
export function scrubText(input: string, context: ScrubContext = {}): ScrubResult {
  const redactions: Partial<Record<RedactionType, number>> = {};
  const count = (type: RedactionType) => {
    redactions[type] = (redactions[type] ?? 0) + 1;
    return `[${type}]`;
  };
  // The e-mail pattern tries a match at every word; most notes have no "@" to find.
  let text = input.includes("@") ? input.replace(JS_PATTERNS.email(), () => count("EMAIL")) : input;
  text = replaceHetusInText(text, () => count("HETU"));
  text = text.replace(STREET, () => count("ADDRESS"));
  text = text.replace(POSTAL_TOWN, () => count("ADDRESS"));
  text = text.replace(JS_PATTERNS.phone(), () => count("PHONE"));
  text = scrubNamesAfterCues(text, count);
  if (context.isPersonName) {
    const isName = context.isPersonName;
    text = text.replace(NAME_TOKEN, (word) =>
      nameCandidates(word).some(isName) ? count("NAME") : word,
    );
  }
  return { text, redactions };
}

function scrubNamesAfterCues(text: string, count: (type: RedactionType) => string): string {
  return text.replace(CUE_AND_NAMES, (match: string, cue: string, names: string) => {
    const words = names.split(/\s+/);
    const title = TITLES.includes(cue);
    let n = 0;
    while (
      n < words.length &&
      (title ||
        COMMON_FIRST_NAMES.has(words[n] as string) ||
        COMMON_SURNAMES.has(words[n] as string))
    )
      n++;
    if (n === 0) return match;
    const rest = words.slice(n).join(" ");
    return `${cue} ${count("NAME")}${rest ? ` ${rest}` : ""}`;
  });
}
