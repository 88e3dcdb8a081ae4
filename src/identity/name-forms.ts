/**
 * The forms a person's name takes in written notes: any letter case, digits attached
 * ("Sumiko254"), hyphen parts, accents left out ("Nunez" for "Núñez"), Finnish case endings
 * ("Virtasen", "Marjatalle") and the Swedish genitive ("Lindqvists"). Names are compared by key:
 * lower case, and lower case with diacritics folded.
 */

/** Lower case with diacritics removed (Núñez → nunez, Mäkinen → makinen). */
export function foldName(word: string): string {
  return word.toLocaleLowerCase("fi").normalize("NFD").replace(/\p{M}/gu, "");
}

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
export const NAME_TOKEN =
  /(?<![\p{L}\p{M}[])\p{L}[\p{L}\p{M}'’]*(?:-\p{L}[\p{L}\p{M}'’]*)*\p{N}*(?![\p{L}\p{M}\]])/gu;

// Case endings after the -se-/-s- stem of -nen surnames: Virtasen, Virtaselle, Virtasta, Virtasena,
// Virtaset, Virtasille ...
const NEN_ENDINGS = [
  ..."en elle ellä ella eltä elta essä essa estä esta ena enä eksi een et".split(" "),
  ..."ta tä ten ia iä ille illa illä ilta iltä issa issä ista istä iin iksi ina inä".split(" "),
];
// Endings of other names (Liisalle, Marjatan, Mattia) and the Swedish and English genitive.
// "en" after an e-stem is its genitive (Laine → Laineen).
const CASE_ENDINGS = "lle lla llä lta ltä ssa ssä sta stä ksi na nä en n a ä s 's ’s".split(" ");

/** The keys under which a word of a text could be a person's name. */
export function nameCandidates(token: string): string[] {
  const word = token.replace(/\p{N}+$/u, "");
  const forms = word.includes("-") ? [word, ...word.split("-")] : [word];
  const keys: string[] = [];
  for (const form of forms) {
    const lower = form.toLocaleLowerCase("fi");
    keys.push(lower);
    for (const ending of NEN_ENDINGS)
      if (lower.length > ending.length + 3 && lower.endsWith(`s${ending}`))
        keys.push(`${lower.slice(0, -ending.length - 1)}nen`);
    // Other endings only on capitalised words: on lower-case ones they would take ordinary words
    // ("ainoa", only) for inflected names ("Aino").
    if (form[0] !== form[0]?.toLocaleUpperCase("fi")) continue;
    for (const ending of CASE_ENDINGS) {
      if (lower.length < ending.length + 2 || !lower.endsWith(ending)) continue;
      const stem = lower.slice(0, -ending.length);
      keys.push(stem, strongGrade(stem));
      if (stem.endsWith("i")) keys.push(stem.slice(0, -1)); // Emilille → Emil
    }
  }
  return unique([...keys, ...keys.map(foldName)]);
}

/** Consonant gradation back to the strong grade: Marjata- → Marjatta, Peka- → Pekka. */
function strongGrade(stem: string): string {
  return stem.replace(/([aeiouyäö])([tkp])([aeiouyäö])$/u, "$1$2$2$3");
}

function unique(words: string[]): string[] {
  return [...new Set(words)];
}
