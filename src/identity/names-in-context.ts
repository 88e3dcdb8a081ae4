import {
  COMMON_FIRST_NAME_KEYS,
  COMMON_SURNAME_KEYS,
  NAMES_THAT_ARE_WORDS,
} from "./common-names.js";
import { nameCandidates } from "./name-forms.js";
import { TABLE_NAMES } from "./nicknames.js";

// Titles are always followed by a name (any capitalised word, or a common name in any case).
const TITLES = new Set(
  "ll el sh th lh ft dr prof mr mrs ms miss mx erikoislääkäri lääkäri läkare hoitaja rouva herra fru herr".split(
    " ",
  ),
);
// Titles that are whole words, not abbreviations: a full stop after one ends the sentence
// ("soitin lääkärille, lääkäri. Potilas …"), so a name follows only after a space.
const WORD_TITLES = new Set(
  "erikoislääkäri lääkäri läkare hoitaja rouva herra fru herr".split(" "),
);
// Words for the patient and relatives, in their common case forms: a common name after one is a
// name ("potilas Matti", "tyttärelle Annalle", "hennes make Lars").
const RELATIONS = new Set(
  `potilas potilaan potilaalle potilaalla potilasta potilaasta potilaalta
  puoliso puolison puolisolle puolisoa puolisolta vaimo vaimon vaimolle aviomies aviomiehen
  tytär tyttären tyttärelle tytärtä tyttäreltä poika pojan pojalle poikaa pojalta
  äiti äidin äidille äitiä äidiltä isä isän isälle isää isältä sisar sisaren sisarelle sisko
  siskon siskolle veli veljen veljelle omainen omaisen omaiselle
  patient patienten patientens dotter dottern son sonen mor modern mamma far fadern pappa make
  maken maka makan hustru hustrun bror brodern syster systern
  patient's spouse wife husband daughter mother father brother sister mom dad partner
  naapuri naapurin ystävä ystävän yhteyshenkilö yhteyshenkilönä kutsumanimi kutsumanimeltään
  läkaren doctor physician
  veljensä siskonsa sisarensa tyttärensä poikansa äitinsä isänsä vaimonsa miehensä puolisonsa
  veljenpoika veljentytär siskonpoika siskontytär lapsenlapsi pojanpoika tyttärentytär sijaisena
  vanhemmat frun frus föräldrarna sonson sondotter dotterson dotterdotter farbror morbror faster
  moster uncle aunt nephew niece grandson granddaughter cousin
  tulkki tulkin tulkkina fysioterapeutti fysioterapeutin toimintaterapeutti puheterapeutti
  sairaanhoitaja sairaanhoitajan lähihoitaja lähihoitajan omahoitaja omahoitajan kätilö kätilön
  sosiaalityöntekijä sosiaalityöntekijän kirurgi
  granne grannen vän väninna tolk tolken sjuksköterska sjuksköterskan undersköterska
  undersköterskan barnmorska fysioterapeut kurator kuratorn kirurg kallad kallas tilltalsnamn
  neighbour neighbor friend carer caregiver interpreter nurse physiotherapist physio
  midwife surgeon nickname called son`.split(/\s+/),
);
// Name particles between the words of a name (Pieter van der Berg, Henrik af Hällström, Ibn
// Sina's al-): lower case, they do not end a name in context when a capitalised word follows.
const PARTICLES = new Set(
  "van von der den de del della di da du le la af ten ter bin ibn".split(" "),
);
// A label with a colon before a name in a header ("Nimi: Kowalski, Piotr", "POTILAS: NIEMINEN,
// ARTO JUHANI"): the surname may have a comma after it. After a label for the name itself any
// capitalised words follow; after "Potilas:" or "Patient:" a sentence may ("Potilas: Hyvä
// vointi"), so only a surname in capitals or a common one with a comma ("NIEMINEN, ARTO").
// A signature's label is a name's too ("Signed: E. Haapala").
const NAME_LABELS = new Set(
  "nimi namn name signed signerat signerad allekirjoitus allekirjoittaja".split(" "),
);
const PERSON_LABELS = new Set("potilas patient patienten asiakas".split(" "));
const HEADER_GAP = /^[ \t\u00a0]*:[ \t\u00a0]+$/;
const COMMA_GAP = /^,[ \t\u00a0]+$/;
const MAX_NAME_WORDS = 3;
const WORD = /\p{L}[\p{L}\p{M}'’]*(?:-\p{L}[\p{L}\p{M}'’]*)*/gu;
const SPACE = /^[ \t\u00a0]+$/;
const TITLE_GAP = /^\.?[ \t\u00a0]+$/;
// An initial and its full stop before the rest of a name ("J. Salminen").
const INITIAL_GAP = /^\.[ \t\u00a0]*$/;
const INITIAL = /^\p{Lu}$/u;
// Words in capitals that start a line before a comma and a name without being a surname.
const NOT_HEADER_WORDS = new Set("huom obs note info hei hej tel puh".split(" "));
const INITIALS_AFTER_SIGNING =
  /(?<![\p{L}])(?:(?:typed|dictated|written|entered|signed|recorded) by|[Kk]irjaus:|[Kk]irjaaja:?|[Kk]irjannut:?|[Ss]anellut:?|[Ss]krivet av|[Ss]ignerat av|[Dd]ikterat av)[ \t]+(\p{Lu}{2,3})(?![\p{L}\p{N}-])/gu;
// What comes before a header at the start of a line: nothing, or only spaces.
const LINE_START = /(?:^|\n)[ \t\u00a0]*$/;

interface Word {
  text: string;
  start: number;
  end: number;
}

const CAPITAL = /^\p{Lu}/u;
const isCapitalised = (w: string) => CAPITAL.test(w);
// Cue words are short: longer words are not looked up (sosiaalityöntekijän is the longest).
const LONGEST_CUE = 20;

/** Kinds of common name a word is, in any inflected form; cached, as notes repeat words. */
interface NameKind {
  first: boolean;
  surname: boolean;
  /** A short form or given name of the nickname table, capitalised (Pat, Bosse, Lissu). */
  short: boolean;
}
const kinds = new Map<string, NameKind>();
function nameKind(word: string): NameKind {
  let kind = kinds.get(word);
  if (!kind) {
    const lowerCase = !isCapitalised(word);
    const keys = lowerCase && NAMES_THAT_ARE_WORDS.has(word) ? [] : nameCandidates(word);
    kind = {
      first: keys.some((k) => COMMON_FIRST_NAME_KEYS.has(k)),
      surname: keys.some((k) => COMMON_SURNAME_KEYS.has(k)),
      // Only capitalised: lower-case short forms are words (pat, don, rob, masa).
      short: !lowerCase && keys.some((k) => TABLE_NAMES.has(k)),
    };
    if (kinds.size >= 50_000) kinds.clear(); // bounded memory
    kinds.set(word, kind);
  }
  return kind;
}
const isCommonName = (word: string) => {
  const kind = nameKind(word);
  return kind.first || kind.surname;
};
// After a cue a short form counts too: "neighbour Pat" is a name, "Pat Lane" alone may not be.
const isNameAfterCue = (word: string) => isCommonName(word) || nameKind(word).short;

/** A name found by context: its span, and its words that are names even on their own. */
export interface NameInContext {
  start: number;
  end: number;
  /** After a title or relation word every word; in a pair the common names only. */
  names: Array<[number, number]>;
  /** After a title, header label or relation word: every word of it is a name. */
  cued: boolean;
}

/**
 * Names found by context alone, without knowing whose note it is: after a title, the
 * next capitalised words or common names; after a patient or relation word, common names and the
 * capitalised words right after them; and, unless `onlyAfterCues`, two capitalised words of which
 * the first is a common first name or the second a common surname ("John Smith", "Mikko Ahosta").
 */
export function namesInContext(text: string, onlyAfterCues = false): NameInContext[] {
  const words: Word[] = [];
  for (const m of text.matchAll(WORD))
    words.push({ text: m[0], start: m.index, end: m.index + m[0].length });
  const gap = (i: number) => text.slice(words[i]?.end, words[i + 1]?.start);
  const isTitle = (j: number) => {
    const w = words[j];
    return !!w && TITLES.has(w.text.toLowerCase()) && TITLE_GAP.test(gap(j));
  };
  // Particles (van der, af) then a capitalised word, all separated by spaces.
  const particlesLeadToName = (j: number): boolean => {
    for (let k = j; k < words.length && SPACE.test(gap(k - 1)); k++) {
      const w = (words[k] as Word).text;
      if (!PARTICLES.has(w)) return isCapitalised(w);
    }
    return false;
  };
  // A word in capitals or a common name, then a comma and a capitalised word: "NIEMINEN, ARTO",
  // "Lindberg, Karin".
  const capsSurnameAt = (j: number) => {
    const w = words[j];
    const after = words[j + 1];
    return (
      !!w &&
      !!after &&
      ((w.text.length > 1 && w.text === w.text.toLocaleUpperCase("fi")) || isCommonName(w.text)) &&
      COMMA_GAP.test(gap(j)) &&
      isCapitalised(after.text)
    );
  };
  // An initial: one capital letter, a full stop, then a capitalised word.
  const isInitialAt = (j: number) => {
    const w = words[j];
    const after = words[j + 1];
    return (
      !!w &&
      !!after &&
      INITIAL.test(w.text) &&
      INITIAL_GAP.test(gap(j)) &&
      isCapitalised(after.text)
    );
  };
  // "HÄMÄLÄINEN, Pirjo Kaarina" or "Shevchenko, Olena" at the start of a line: a surname in
  // capitals or a common one, a comma, a common given name and up to one more capitalised word,
  // and no sentence going on after them ("Kyllä, Matti soitti" is no header). The index of the
  // last word, or -1.
  const lineHeaderEnd = (i: number) => {
    const w = words[i] as Word;
    const given = words[i + 1];
    if (!given || !LINE_START.test(text.slice(Math.max(0, w.start - 40), w.start))) return -1;
    const caps =
      w.text.length > 2 &&
      w.text === w.text.toLocaleUpperCase("fi") &&
      !NOT_HEADER_WORDS.has(w.text.toLowerCase());
    if (!(caps || (isCapitalised(w.text) && isCommonName(w.text)))) return -1;
    if (!COMMA_GAP.test(gap(i)) || !isCapitalised(given.text) || !isNameAfterCue(given.text))
      return -1;
    let last = i + 1;
    const more = words[i + 2];
    if (more && SPACE.test(gap(i + 1)) && isCapitalised(more.text)) last = i + 2;
    const rest = text.slice((words[last] as Word).end);
    return /^[ \t\u00a0]*\p{Ll}/u.test(rest) ? -1 : last;
  };
  const spans: NameInContext[] = [];
  const span = (from: number, to: number, all: boolean) => {
    const names: Array<[number, number]> = [];
    for (const w of words.slice(from, to + 1))
      if (all || isCommonName(w.text)) names.push([w.start, w.end]);
    spans.push({
      start: (words[from] as Word).start,
      end: (words[to] as Word).end,
      names,
      cued: all,
    });
  };
  for (let i = 0; i < words.length; i++) {
    const word = words[i] as Word;
    const cue = word.text.length <= LONGEST_CUE ? word.text.toLowerCase() : "";
    const colon = HEADER_GAP.test(gap(i));
    const nameLabel = colon && NAME_LABELS.has(cue);
    const personLabel = colon && PERSON_LABELS.has(cue) && capsSurnameAt(i + 1);
    const header = nameLabel || personLabel;
    const title =
      header || (TITLES.has(cue) && (WORD_TITLES.has(cue) ? SPACE : TITLE_GAP).test(gap(i)));
    // After a relation word a colon or a comma may come before the names ("vanhemmat: Peter ja
    // Annika", "her daughter, Dasha, emailed").
    const relation =
      !title &&
      RELATIONS.has(cue) &&
      (SPACE.test(gap(i)) || ((colon || COMMA_GAP.test(gap(i))) && !PERSON_LABELS.has(cue)));
    let last = i;
    const headerEnd = colon ? -1 : lineHeaderEnd(i);
    if (headerEnd > i) {
      span(i, headerEnd, true);
      i = headerEnd;
      continue;
    }
    if (title || relation) {
      let counted = 0;
      for (let j = i + 1; counted < MAX_NAME_WORDS && j < words.length; j++) {
        const between = gap(j - 1);
        // In a header the surname may have a comma after it (NIEMINEN, ARTO JUHANI).
        const comma = header && j === i + 2 && COMMA_GAP.test(between);
        const afterInitial = last === j - 1 && last > i && isInitialAt(j - 1);
        if (j > i + 1 && !SPACE.test(between) && !comma && !afterInitial) break;
        const next = (words[j] as Word).text;
        if (last > i && PARTICLES.has(next) && particlesLeadToName(j)) continue;
        const named =
          isNameAfterCue(next) ||
          ((title || last > i) && isCapitalised(next)) ||
          (last === i && isInitialAt(j));
        if (!named || (last > i && isTitle(j))) break;
        last = j;
        counted++;
      }
      if (last > i) {
        span(i + 1, last, true);
        i = last;
      }
      continue;
    }
    if (onlyAfterCues || i + 1 >= words.length || !SPACE.test(gap(i))) continue;
    const next = words[i + 1] as Word;
    if (!isCapitalised(word.text) || !isCapitalised(next.text)) continue;
    // A title begins a name rather than ending one: "Per Dr Okafor" is a preposition, a title
    // and a name, not Per Dr.
    if (isTitle(i + 1)) continue;
    if (!nameKind(word.text).first && !nameKind(next.text).surname) continue;
    last = i + 1;
    // A third capitalised common name goes with them ("Eino Ilmari Virtanen").
    while (
      last + 1 < words.length &&
      last - i + 1 < MAX_NAME_WORDS &&
      SPACE.test(gap(last)) &&
      isCapitalised((words[last + 1] as Word).text) &&
      isCommonName((words[last + 1] as Word).text) &&
      !isTitle(last + 1)
    )
      last++;
    span(i, last, false);
    i = last;
  }
  // A writer's initials after the words that sign a note ("typed by MH", "Kirjaus: TL"): two or
  // three capitals there are a person, elsewhere as often an abbreviation (TT, CRP).
  for (const m of text.matchAll(INITIALS_AFTER_SIGNING)) {
    const initials = m[1] as string;
    const start = m.index + m[0].length - initials.length;
    if (spans.some((n) => start < n.end && n.start < start + initials.length)) continue;
    spans.push({
      start,
      end: start + initials.length,
      names: [[start, start + initials.length]],
      cued: true,
    });
  }
  return spans.sort((a, b) => a.start - b.start);
}
