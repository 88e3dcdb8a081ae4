import { finnishBaseForms } from "./finnish-inflection.js";
import { nicknameRelatives } from "./nicknames.js";

/**
 * The forms a person's name takes in written notes: any letter case, digits attached
 * ("Sumiko254"), hyphen parts, accents left out ("Nunez" for "Núñez"), Finnish case endings
 * ("Virtasen", "Marjatalle"), the Swedish genitive ("Lindqvists") and short forms ("Jussi" for
 * Johannes). Names are compared by key:
 * lower case, and lower case with diacritics folded.
 */

// Letters that are no base letter with a mark, so NFD leaves them: a register may write Yılmaz
// as Yilmaz, Søren as Soren, Łukasz as Lukasz.
const UNMARKED_LETTERS: Record<string, string> = {
  ı: "i",
  ł: "l",
  ø: "o",
  đ: "d",
  ð: "d",
  þ: "th",
  æ: "ae",
  œ: "oe",
  ß: "ss",
};
const UNMARKED = /[ıłøđðþæœß]/g;

/** Lower case with diacritics removed (Núñez → nunez, Mäkinen → makinen, Yılmaz → yilmaz). */
export function foldName(word: string): string {
  const lower = word.toLocaleLowerCase("fi");
  // Most words of a note are plain ASCII: nothing to fold, and NFD is the costly part.
  if (ASCII.test(lower)) return lower;
  return lower
    .normalize("NFD")
    .replace(/\p{M}/gu, "")
    .replace(UNMARKED, (c) => UNMARKED_LETTERS[c] ?? c);
}
const ASCII = /^[ -~]*$/;

/** The keys a word of a person's name is remembered by. */
export function nameKeys(word: string): string[] {
  return unique([word.toLocaleLowerCase("fi"), foldName(word)]);
}

/**
 * A predicate over keys for a list of names, as the scrubber's isPersonName wants it; names are
 * split into words as ingest splits them for the vault (spaces and hyphens).
 */
export function personNameMatcher(names: Iterable<string>): (key: string) => boolean {
  const keys = new Set([...names].flatMap((n) => n.split(/[\s-]+/)).flatMap(nameKeys));
  return (key) => keys.has(key);
}

/** A word in a text that may be a name: letters, apostrophes, hyphen parts, trailing digits. */
// An apostrophe only inside a word (O'Brien): 'Bob' in quotes is Bob.
export const NAME_TOKEN =
  /(?<![\p{L}\p{M}[])\p{L}(?:[\p{L}\p{M}]|['’](?=\p{L}))*(?:-\p{L}(?:[\p{L}\p{M}]|['’](?=\p{L}))*)*\p{N}*(?![\p{L}\p{M}\]])/gu;

/**
 * The keys under which a word of a text could be a person's name: the word, its hyphen parts, the
 * nominatives of its Finnish case forms (finnish-inflection.ts) and the Swedish and English
 * genitive. Lower-case words are read only as forms that are no ordinary words (see
 * finnishBaseForms), and take no genitive -s.
 */
export function nameCandidates(token: string): string[] {
  let keys = nameCandidateCache.get(token);
  if (!keys) {
    keys = computeNameCandidates(token);
    if (nameCandidateCache.size >= 50_000) nameCandidateCache.clear(); // bounded memory
    nameCandidateCache.set(token, keys);
  }
  return keys;
}
const nameCandidateCache = new Map<string, string[]>();

function computeNameCandidates(token: string): string[] {
  const word = token.replace(/\p{N}+$/u, "");
  const forms = word.includes("-") ? [word, ...word.split("-")] : [word];
  const keys: string[] = [];
  for (const form of forms) {
    const lowerCase = form[0] !== form[0]?.toLocaleUpperCase("fi");
    keys.push(...finnishBaseForms(form, lowerCase));
    if (lowerCase) continue;
    const lower = form.toLocaleLowerCase("fi");
    if (/['’]s$/.test(lower)) keys.push(lower.slice(0, -2));
    else if (lower.endsWith("s") && lower.length > 3) keys.push(lower.slice(0, -1));
  }
  return unique([...keys, ...keys.map(foldName)]);
}

/**
 * nameCandidates and the given names each candidate is a short form of or has as one (Jussi ~
 * Johannes, Kalle ~ Karl, Bob ~ Robert; nicknames.ts), for the person's own names only: as
 * common names the short forms would make words of abbreviations. Only for capitalised words,
 * and in capitals only from four letters: "ED" is a department, not an Edward.
 */
export function personNameCandidates(token: string): string[] {
  let keys = candidateCache.get(token);
  if (keys) return keys;
  keys = nameCandidates(token);
  if (/^\p{Lu}(?:\p{Ll}|[\p{L}'’-]{3})/u.test(token))
    keys = unique([...keys, ...keys.flatMap(nicknameRelatives)]);
  if (candidateCache.size >= 50_000) candidateCache.clear(); // bounded memory
  candidateCache.set(token, keys);
  return keys;
}
// Notes repeat the same words (names and medical terms): their candidates are worked out once.
const candidateCache = new Map<string, string[]>();

function unique(words: string[]): string[] {
  return [...new Set(words)];
}
