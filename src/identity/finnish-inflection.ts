/**
 * Finnish case forms of names, both ways: `finnishCaseForms` writes the singular of every case of
 * a name (for tests and documentation), and `finnishBaseForms` reads a word of a note back to the
 * nominatives it could be a form of. Names are looked up by keyed hash in the vault, so the
 * scrubber must go from the word to the name, never list a person's forms; the generator is there
 * to check that every form it writes is read back.
 */

export const FINNISH_CASES = [
  "nominative",
  "genitive",
  "partitive",
  "illative",
  "inessive",
  "elative",
  "adessive",
  "ablative",
  "allative",
  "essive",
  "translative",
  "abessive",
  "comitative",
] as const;
export type FinnishCase = (typeof FINNISH_CASES)[number];

/**
 * Nouns ending in -i that inflect with an e-stem (Koski → Kosken, Lampi → Lammen): common in
 * surnames on their own and at the end of compounds (Alakoski, Kivimäki, Pitkäniemi).
 */
const E_STEM_I_WORDS =
  "koski järvi niemi lampi lahti saari salmi nurmi kivi mäki lehti sarvi hirvi onni lumi suvi meri vuori tuomi ovi nimi".split(
    " ",
  );

const VOWELS = "aeiouyäö";
const isVowel = (c: string | undefined) => c !== undefined && VOWELS.includes(c);

/** Back-vowel words take -a endings (Sannalla), front-vowel words -ä (Väinöllä, Emilillä). */
function harmonise(word: string, ending: string): string {
  const back = /[aou]/.test(word.toLowerCase());
  return back ? ending : ending.replace(/ä/g, "a").replace(/ö/g, "o").replace(/a/g, "ä");
}

// Consonant gradation, strong to weak, in the last syllable: the geminates and clusters that
// names gradate (Pekka → Pekan, Ranta → Rannan, Honka → Hongan, Lampi → Lammen).
const WEAKENING: Array<[RegExp, string]> = [
  [/kk([aeiouyäö])$/, "k$1"],
  [/pp([aeiouyäö])$/, "p$1"],
  [/tt([aeiouyäö])$/, "t$1"],
  [/nt([aeiouyäö])$/, "nn$1"],
  [/nk([aeiouyäö])$/, "ng$1"],
  [/mp([aeiouyäö])$/, "mm$1"],
  [/lt([aeiouyäö])$/, "ll$1"],
  [/rt([aeiouyäö])$/, "rr$1"],
  [/ht([aeiouyäö])$/, "hd$1"],
  [/([aeiouyäö])k([aeiouyäö])$/, "$1$2"], // mäke → mäe
];

function weaken(stem: string): string {
  for (const [from, to] of WEAKENING) if (from.test(stem)) return stem.replace(from, to);
  return stem;
}

/** The reverse: every strong grade a weak-grade stem could come from (Peka- → Pekka-, Mäe- → Mäke-). */
function strengthen(stem: string): string[] {
  const out: string[] = [];
  const m = /([^aeiouyäö]*)([aeiouyäö]+)$/.exec(stem);
  if (!m) return out;
  const head = stem.slice(0, m.index);
  const vowels = m[2] as string;
  const cons = m[1] as string;
  const swap = (weak: string, strong: string) => {
    if (cons.endsWith(weak)) out.push(`${head}${cons.slice(0, -weak.length)}${strong}${vowels}`);
  };
  swap("k", "kk");
  swap("p", "pp");
  swap("t", "tt");
  swap("nn", "nt");
  swap("ng", "nk");
  swap("mm", "mp");
  swap("ll", "lt");
  swap("rr", "rt");
  swap("d", "t");
  swap("v", "p");
  // A k after l, r or h before e weakens to j (Kurki → Kurjen, Kurjelta; Jalkanen's Jalje-).
  if (vowels.startsWith("e")) {
    swap("rj", "rk");
    swap("lj", "lk");
  }
  // A k lost between two unlike vowels (Mäe- → Mäke-).
  if (vowels.length === 2 && vowels[0] !== vowels[1])
    out.push(`${head}${cons}${vowels[0]}k${vowels[1]}`);
  return out;
}

type Declension = "nen" | "e-stem" | "ee-stem" | "kse" | "consonant" | "vowel";

function declensionOf(name: string, surname: boolean): Declension {
  const lower = name.toLowerCase();
  if (lower.endsWith("nen") && lower.length > 4) return "nen";
  if (E_STEM_I_WORDS.some((w) => lower === w || (lower.endsWith(w) && lower.length > w.length + 2)))
    return "e-stem";
  if (surname && lower.endsWith("e")) return "ee-stem";
  if (/[aeiouyäö][aeiouyäö]?s$/.test(lower) && /[aeiouyäö][^aeiouyäö]+[aeiouyäö]/.test(lower))
    return "kse";
  if (!isVowel(lower.at(-1))) return "consonant";
  return "vowel";
}

/**
 * The singular of every case of a name (and the comitative, which is plural), as a careful writer
 * would inflect it. `surname` tells the -e words apart: surnames take an ee-stem (Laine → Laineen),
 * given names a plain one (Kalle → Kallen).
 */
export function finnishCaseForms(
  name: string,
  options: { surname?: boolean } = {},
): Record<FinnishCase, string> {
  const h = (ending: string) => harmonise(name, ending);
  const declension = declensionOf(name, options.surname ?? false);
  // Strong and weak stems, and the partitive and comitative as their own forms.
  let strong: string;
  let weak: string;
  let partitive: string;
  let illative: string;
  let comitative: string;
  switch (declension) {
    case "nen": {
      const base = name.slice(0, -3);
      strong = weak = `${base}se`;
      partitive = `${base}s${h("ta")}`;
      illative = `${strong}en`;
      comitative = `${base}sineen`;
      break;
    }
    case "e-stem": {
      strong = `${name.slice(0, -1)}e`;
      weak = weaken(strong);
      partitive = `${strong}${h("a")}`;
      illative = `${strong}en`;
      comitative = `${name.slice(0, -1)}ineen`;
      break;
    }
    case "ee-stem": {
      // Rinne → Rintee-: the stem has the strong grade the nominative lacks.
      strong = weak = `${name.replace(/nne$/, "nte").replace(/lle$/, "lte")}e`;
      partitive = `${name}tt${h("a")}`;
      illative = `${strong}seen`;
      comitative = `${strong.slice(0, -1)}ineen`;
      break;
    }
    case "kse": {
      strong = weak = `${name.slice(0, -1)}kse`;
      partitive = `${name}t${h("a")}`;
      illative = `${strong}en`;
      comitative = `${name.slice(0, -1)}ksineen`;
      break;
    }
    case "consonant": {
      strong = weak = `${name}i`;
      partitive = `${strong}${h("a")}`;
      illative = `${strong}in`;
      comitative = `${name}eineen`;
      break;
    }
    default: {
      strong = name;
      weak = weaken(name);
      const last = name.at(-1) as string;
      partitive = `${name}${h("a")}`;
      illative = `${name}${last}n`;
      // The plural stem before -ine-: a → o, ä → ö, i → e (Sannoineen, Kareineen).
      const plural = name.replace(/a$/, "o").replace(/ä$/, "ö").replace(/i$/, "e");
      comitative = `${plural}ineen`;
    }
  }
  return {
    nominative: name,
    genitive: `${weak}n`,
    partitive,
    illative,
    inessive: `${weak}${h("ssa")}`,
    elative: `${weak}${h("sta")}`,
    adessive: `${weak}${h("lla")}`,
    ablative: `${weak}${h("lta")}`,
    allative: `${weak}lle`,
    essive: `${strong}${h("na")}`,
    translative: `${weak}ksi`,
    abessive: `${weak}${h("tta")}`,
    comitative,
  };
}

// Case endings in both vowel harmonies, longest first so that each is tried on its own stem.
// The illative (-Vn, -seen, -hVn) and the partitive (-a, -ta, -tta) are handled with the rest:
// stripping too much or too little only adds candidates that are not anyone's name.
const ENDINGS = [
  ..."ineen ine seen".split(" "),
  ..."ssa ssä sta stä lla llä lta ltä lle ksi tta ttä".split(" "),
  ..."na nä ta tä en in an än on ön un yn hin hen han hän".split(" "),
  ..."n a ä t".split(" "),
].sort((a, b) => b.length - a.length);

/**
 * The nominatives a stem (what is left when an ending is taken off) could belong to; with
 * `nenOnly`, only -nen names (Virtase- → Virtanen), whose stems are no ordinary words.
 */
function nominativesOfStem(stem: string, nenOnly: boolean): string[] {
  if (nenOnly) {
    if (stem.endsWith("se") || stem.endsWith("si")) return [`${stem.slice(0, -2)}nen`];
    return stem.endsWith("s") ? [`${stem.slice(0, -1)}nen`] : [];
  }
  const out = [stem];
  // Before -ine- a consonant-final stem lost its vowel (Kosk|ineen → Koski, Tuomaks|ineen).
  if (!isVowel(stem.at(-1))) out.push(`${stem}i`);
  if (stem.endsWith("ks")) out.push(`${stem.slice(0, -2)}s`);
  const strongStems = [stem, ...strengthen(stem)];
  for (const s of strongStems) {
    out.push(s);
    if (s.endsWith("kse")) out.push(`${s.slice(0, -3)}s`); // Tuomakse- → Tuomas
    if (s.endsWith("se") || s.endsWith("si")) out.push(`${s.slice(0, -2)}nen`); // Virtase-, Virtasi-
    if (s.endsWith("s")) out.push(`${s.slice(0, -1)}nen`); // Virtas|ta, Virtas|ineen
    if (s.endsWith("ee")) {
      const e = s.slice(0, -1);
      out.push(e, e.replace(/nte$/, "nne").replace(/lte$/, "lle")); // Lainee- → Laine, Rintee- → Rinne
    }
    // Koske- → Koski, Lamme- → Lampi; Emile|ineen → Emil.
    // Rinte|ineen → Rinne: the weak grade an ee-stem's nominative has.
    if (s.endsWith("e")) out.push(`${s.slice(0, -1)}i`, s.slice(0, -1), weaken(s));
    if (s.endsWith("i")) out.push(s.slice(0, -1)); // Emili- → Emil
    if (s.endsWith("o")) out.push(`${s.slice(0, -1)}a`); // Sanno|ineen → Sanna
    if (s.endsWith("ö")) out.push(`${s.slice(0, -1)}ä`);
  }
  // Names in -si keep t or d for their s in other cases: Susi → Sut|ta, Sude|n, Sute|en.
  if (/[aeiouyäö]t$/.test(stem)) out.push(`${stem.slice(0, -1)}si`);
  if (/[aeiouyäö][dt]e$/.test(stem)) out.push(`${stem.slice(0, -2)}si`);
  return out;
}

/**
 * The nominatives a word could be a Finnish case form of (with or without the clitic -kin or
 * -kaan), the word itself first; lower case.
 * `lowerCase` words (written in lower case in the note) are read through endings of one letter,
 * or on stems of fewer than four, only as -nen names: such an ending on a short stem makes an
 * ordinary word of a name ("ainoa", only, is no form of Aino).
 */
export function finnishBaseForms(word: string, lowerCase = false): string[] {
  const lower = word.toLocaleLowerCase("fi");
  // The clitics "too" and "either" come after the case ending (Sannakin, Pekallekaan).
  const clitic = /^(.{3,})(?:kin|kaan|kään)$/u.exec(lower)?.[1];
  const out = clitic ? [lower, ...finnishBaseForms(clitic, lowerCase)] : [lower];
  for (const ending of ENDINGS) {
    if (!lower.endsWith(ending)) continue;
    const stem = lower.slice(0, -ending.length);
    if (stem.length < 2) continue;
    // An illative -Vn repeats the stem's last vowel (Sanna|an, Eero|on); "hVn" follows a long one.
    if (ending.length === 2 && ending.endsWith("n") && ending !== "en" && stem.at(-1) !== ending[0])
      continue;
    out.push(...nominativesOfStem(stem, lowerCase && (ending.length < 2 || stem.length < 4)));
  }
  return [...new Set(out)];
}
