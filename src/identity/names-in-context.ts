import {
  COMMON_FIRST_NAME_KEYS,
  COMMON_SURNAME_KEYS,
  NAMES_THAT_ARE_WORDS,
} from "./common-names.js";
import { nameCandidates } from "./name-forms.js";
import { TABLE_NAMES } from "./nicknames.js";
import { institutionAfter } from "./place-names.js";

// Titles are always followed by a name (any capitalised word, or a common name in any case).
const WORD_TITLE_LIST = `erikoislääkäri lääkäri ylilääkäri osastonlääkäri apulaisylilääkäri
  läkare överläkare avdelningsläkare specialistläkare skötare hoitaja rouva herra fru herr`;
const TITLES = new Set(
  `ll el sh th lh ft rn ssk usk dr prof mr mrs ms miss mx ${WORD_TITLE_LIST}`.split(/\s+/),
);
// Titles that are whole words, not abbreviations: a full stop after one ends the sentence
// ("soitin lääkärille, lääkäri. Potilas …"), so a name follows only after a space.
const WORD_TITLES = new Set(WORD_TITLE_LIST.split(/\s+/));
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
  sosiaalityöntekijä sosiaalityöntekijän kirurgi päivystäjä päivystäjän päivystäjälle
  päivystäjältä päivystäjää jourhavande jourläkare jourläkaren
  granne grannen vän väninna tolk tolken sjuksköterska sjuksköterskan undersköterska
  undersköterskan barnmorska fysioterapeut kurator kuratorn kirurg kallad kallas tilltalsnamn
  neighbour neighbor friend carer caregiver interpreter nurse physiotherapist physio
  midwife surgeon nickname called son
  stepfather stepmother stepson stepdaughter stepbrother stepsister guardian kin guide
  edunvalvoja edunvalvojan edunvalvojalle opas oppaan lapset lasten lapsille sisarukset
  isoäiti isoisä mummo ukki förmyndare guiden barn barnen syskon farmor mormor farfar morfar
  children kids siblings parents grandmother grandfather grandma grandpa
  mies miehen miehelle mieheltä miestä miehensä sambo sambon sambons sambo mannen
  tyttöystävä tyttöystävän poikaystävä poikaystävän girlfriend boyfriend flickvän pojkvän
  mum mummy ot farmaceut farmaceuten farmaseutti farmaseutin pharmacist konstaapeli
  konstaapelin poliisi polis officer constable konsult konsultti konsultin consultant
  anhörig anhöriga lähiomainen lähiomaisen nok`.split(/\s+/),
);
// Words for the patient: after them a sentence often goes on with a place or a ward ("Potilas
// Meilahdesta"), so only a common name is taken. After any other relation or role the next
// capitalised word is a name ("puoliso Marjo", "husband Jorge"), even one no list knows.
const PATIENT_WORDS = new Set(
  "potilas potilaan potilaalle potilaalla potilasta potilaasta potilaalta patient patienten patientens patient's".split(
    " ",
  ),
);
// Capitalised in English without being names: a weekday, a month or a language after "nurse",
// "physio" or "interpreter".
const NOT_NAMES_AFTER_CUE = new Set(
  `monday tuesday wednesday thursday friday saturday sunday january february march july august
  september october november december english finnish swedish arabic somali russian estonian
  spanish french german persian farsi dari kurdish sorani turkish vietnamese chinese mandarin
  cantonese thai ukrainian polish albanian portuguese italian hindi urdu bengali tigrinya amharic
  romanian bulgarian hungarian greek specialist practitioner manager lead coordinator assistant
  educator sister team physician surgeon registrar radiologist anaesthetist psychiatrist
  paediatrician nurse midwife therapist doctor klo kello klockan kl ei on oli hän han hon he she it the this`.split(
    /\s+/,
  ),
);
// After a relation or role a word in a Finnish case of place is where they are or come from
// ("sairaanhoitaja Kotihoidosta", "hoitaja Jorvissa"), seldom a name no list knows.
const PLACE_CASE = /(?:sta|stä|ssa|ssä)$/;
// "Lapset Kimmo ja Eija", "son Erik and daughter": a second name joined to the first.
const AND_WORDS = new Set(["ja", "sekä", "och", "and"]);
// A relation word, then a bracket before the name: "Mother (Rebecca) reports".
const BRACKET_GAP = /^[ \t\u00a0]*[("“'‘]$/u;
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
// An apostrophe only inside a word (O'Brien): 'Noora' in quotes is Noora.
const WORD = /\p{L}(?:[\p{L}\p{M}]|['’](?=\p{L}))*(?:-\p{L}(?:[\p{L}\p{M}]|['’](?=\p{L}))*)*/gu;
const SPACE = /^[ \t\u00a0]+$/;
const TITLE_GAP = /^\.?[ \t\u00a0]+$/;
// An initial and its full stop before the rest of a name ("J. Salminen").
const INITIAL_GAP = /^\.[ \t\u00a0]*$/;
const INITIAL = /^\p{Lu}$/u;
// Words in capitals that start a line before a comma and a name without being a surname.
const NOT_HEADER_WORDS = new Set("huom obs note info hei hej tel puh".split(" "));
const INITIALS_AFTER_SIGNING =
  /(?<![\p{L}])(?:(?:typed|dictated|written|entered|signed|recorded) by|[Dd]ictated|[Kk]irjaus|[Kk]irjaaja|[Kk]irjannut|[Ss]anellut|[Ss]anelu|[Ss]anelija|[Ss]krivet av|[Ss]ignerat av|[Dd]ikterat av|[Dd]ikterat|[Aa]ntanut|[Tt]arkistanut|[Gg]iven by|[Cc]hecked by|[Aa]dministered by|[Gg]av|[Kk]ontrollerat av)[ \t]*:?[ \t]+(\p{Lu}{2,3})(?![\p{L}\p{N}-])/gu;
// Who gave or checked a medicine, by a given name and an initial: "antanut Mari K.".
const GIVEN_BY_NAME =
  /(?<![\p{L}])(?:[Aa]ntanut|[Tt]arkistanut|[Gg]iven by|[Cc]hecked by|[Aa]dministered by|[Gg]av|[Kk]ontrollerat av)[ \t]+(\p{Lu}\p{Ll}+[ \t]\p{Lu}\.)/gu;
// Initials copied in after "cc:" or "Tiedoksi:": a list of two or three capitals each, ending the
// sentence, so that an organisation of four letters (TYKS, TAYS) makes it no list of people.
const COPIED_INITIALS =
  /(?<![\p{L}])(?:cc|CC|[Kk]opio|[Kk]opia|[Tt]iedoksi|[Ff]ör kännedom|[Cc]opy to|[Cc]opies to)[ \t]*:[ \t]*(\p{Lu}{2,3}(?:(?:,[ \t]*|[ \t]+(?:ja|och|and)[ \t]+)\p{Lu}{2,3})*)(?=[ \t]*(?:[.;\n]|$))/gu;
const INITIALS_IN_LIST = /\p{Lu}{2,3}/gu;
const INITIAL_MARK = /\p{Lu}\.[ \t]?\p{Lu}/u;
const NICKNAME_MARK = /utsu|oes by|nown as|refers to|illtala|kalla/i;
// Well-known abbreviations that a list of initials never holds.
const NOT_INITIALS = new Set("HUS TAYS KYS OYS TYKS PKL THL KELA VSSHP".split(" "));
// Initials with full stops before a role in brackets or after a comma: "K.M. (surgical
// registrar)", "R.K:ta (kirurgi)"; a Finnish case ending after a colon stays outside.
const INITIALS_BEFORE_ROLE_PATTERN = (roles: string) =>
  new RegExp(
    `(?<![\\p{L}\\p{N}.])(\\p{Lu}\\.[ \\t]?\\p{Lu}\\.?(?:[ \\t]?\\p{Lu}\\.)?)(?::\\p{Ll}{1,4})?[ \\t]*[(,][ \\t]*(?:\\p{Ll}+[ \\t]+)?\\p{Ll}*(?:${roles})(?![\\p{L}])`,
    "gu",
  );
// A signer's initials in capitals before a comma and their role at the end of a line ("JK, RN"),
// or with full stops before a slash and the doctor's name ("A.R./Dr Räsänen").
// "Omaiselta (tytär)": a relation word in a case form, not a name, before the bracket.
const RELATION_STEM = /^(?:omai|potila|puolis|läheis|lähiomai|patient|relative|anhörig)/iu;
const BRACKETED_RELATIONS =
  "husband|wife|son|daughter|mother|father|partner|brother|sister|mum|dad|carer|friend|neighbour|puoliso|vaimo|mies|tytär|poika|äiti|isä|sisar|sisko|veli|ystävä|naapuri|dotter|son|make|maka|hustru|mor|far|bror|syster|sambo|vän|granne|patient|potilas|patienten";
// Two words of a name, then a comma or a bar and the relation: "Räty Leila, puoliso, 040…",
// "Essi Hämäläinen | tytär".
const NAME_THEN_RELATION = new RegExp(
  `(?<![\\p{L}\\p{N}.])(\\p{Lu}[\\p{Ll}'’-]+[ \\t]+\\p{Lu}[\\p{Ll}'’-]+)(?:,[ \\t]+|[ \\t]+\\|[ \\t]+)(?:${BRACKETED_RELATIONS})(?![\\p{L}])`,
  "gu",
);
// A Swedish husband after whose he is: "Elsas man Bertil", "hennes man Bertil".
const HER_MAN =
  /(?:(?<![\p{L}])(?:hennes|sin|min|din)|\p{Lu}\p{Ll}+s)[ \t]+man[ \t]+(\p{Lu}\p{Ll}+)/gu;
const INITIALS_COMMA_ROLE =
  /(?<![\p{L}\p{N}.])(\p{Lu}{2,3}),[ \t]*(?:RN|LPN|HCA|MD|sh|th|lh|ssk|usk|spl)\.?(?=[ \t]*(?:[.;\n]|$))/gmu;
const INITIALS_BEFORE_SLASH =
  /(?<![\p{L}\p{N}.])(\p{Lu}\.[ \t]?\p{Lu}\.?)(?=\/[ \t]*(?:Dr|dr|LL|ll|el|El|Prof|\p{Lu}\p{Ll}+))/gu;
// A name before its relation or role in brackets: "Will (husband) will drive", "Anttila J
// (puoliso)", "Hilda Fors(dotter)", "Linh (Nguyen's daughter)".
const NAME_BEFORE_RELATION = new RegExp(
  `(?<![\\p{L}\\p{N}.])(\\p{Lu}[\\p{Ll}'’-]+(?:[ \\t]+(?:\\p{Lu}[\\p{Ll}'’-]+|\\p{Lu}\\.?))?)[ \\t]?\\((?:[\\p{L}'’]+[ \\t]+)?(?:${BRACKETED_RELATIONS})\\)`,
  "gu",
);
// Initials and a surname with an English post-nominal or grade after them: "A.J. Whitmore FRCS",
// "S. O'Neill MRCP", "T. Abara, ST4"; or after the words that say who did something clinical.
const NAME_WITH_POSTNOMINAL =
  /(?<![\p{L}\p{N}.])((?:\p{Lu}\.[ \t]?){1,3}\p{Lu}(?:['’]\p{Lu})?[\p{Ll}'’-]*\p{Ll}),?[ \t]+(?:FRCS|FRCP|MRCP|MRCS|FRCR|FRCA|MBBS|MBChB|PhD|MD|RN|ST[1-8]|CT[12]|FY[12]|SpR|DO|NP|PA-C)(?![\p{L}])/gu;
const DONE_BY =
  /(?<![\p{L}])(?:[Rr]eviewed|[Cc]onsented|[Ss]een|[Ee]xamined|[Rr]eported|[Vv]erified|[Aa]uthori[sz]ed|[Aa]ssessed|[Oo]perated|[Rr]eferred|[Dd]iscussed with|[Hh]anded over to|[Gg]ranskad|[Bb]edömd|[Uu]ndersökt)(?:[ \t]+by|[ \t]+av)?[ \t]+((?:\p{Lu}\.[ \t]?){0,3}\p{Lu}[\p{Ll}'’-]*\p{Ll}(?:['’]\p{Lu}\p{Ll}+)?(?:[ \t]+\p{Lu}[\p{Ll}'’-]*\p{Ll})?)(?![\p{L}.])/gu;
// Dictated names, often in lower case: "sanelu jukka rautanen", "diktat av per nyqvist".
const DICTATED_BY =
  /(?<![\p{L}])(?:[Ss]anelu|[Ss]anellut|[Ss]anelija|[Dd]iktat av|[Dd]ikterat av|[Dd]ictated by|[Tt]yped by|[Kk]irjoitus|[Kk]irjoittanut)[ \t]*:?[ \t]+(?:(?:dr|ll|el|lt|LT|Dr|LL)\.?[ \t]+)?(\p{L}[\p{Ll}'’-]+(?:[ \t]+\p{L}[\p{Ll}'’-]+)?)/gu;
// What each of the patterns below needs in a text: most notes have none of it, and a pattern
// that tries every position costs more than a test for its mark.
const DONE_MARK =
  /eviewed|onsented|een |xamined|eported|erified|uthori[sz]ed|ssessed|perated|eferred|iscussed with|anded over|ranskad|edömd|ndersökt/;
function marked(text: string, mark: RegExp, pattern: RegExp): Iterable<RegExpExecArray> {
  return mark.test(text) ? text.matchAll(pattern) : [];
}

// Words that end a dictation, not a name's second word ("sanelu jukka loppuu").
const DICTATION_ENDS = new Set("loppuu päättyy piste slut punkt end ends full stop re".split(" "));
// Initials in lower case signing a line: "/hs", "/akur", "Typed by: lm", "Kirjoitus: tl".
const LOWER_INITIALS_SIGNED =
  /(?:(?<=^|[ \t])\/|(?:[Tt]yped by|[Kk]irjoitus|[Kk]irjaus|[Ss]anelu|[Dd]ictated by)[ \t]*:?[ \t]+)(\p{Ll}{2,4})(?=[ \t]*(?:[.;\n]|$))/gmu;
// What a slash and letters also write: a rate per day, week or hour.
const NOT_LOWER_INITIALS = new Set(
  "vrk vk kk pv min krt h d wk wks day dag dygn mån vecka år kg ml mg ns".split(" "),
);
// A maiden or former name after "o.s.", "née", "född" or "f.": "Laaksonen (o.s. Pulkkinen)".
const MAIDEN_NAME =
  /(?<![\p{L}])(?:o\.[ \t]?s\.|os\.|née|nee|född|f\.|formerly)[ \t]+(\p{Lu}[\p{Ll}'’]+(?:-\p{Lu}[\p{Ll}'’]+)?)/gu;
// The name a patient goes by, in any case form: "kutsutaan Nipaksi", "goes by Mike", "known as
// Lily", "tilltalas Bosse".
const NICKNAME_CUE =
  /(?<![\p{L}])(?:[Kk]utsutaan|[Kk]utsuttiin|[Kk]utsumanimellä|[Gg]oes by|[Kk]nown as|[Pp]refers to be called|[Tt]illtalas|[Kk]allas|[Kk]allad)[ \t]+(\p{Lu}[\p{Ll}'’-]+)/gu;
// A patient's initials after the abbreviation for patient: "Pat. H.L.", "Pt I.B.", "Potilas M. K.".
const INITIALS_AFTER_PATIENT =
  /(?<![\p{L}])(?:[Pp]at\.?|[Pp]t\.?|[Pp]otilas|[Pp]atient(?:en)?)[ \t]+(\p{Lu}\.[ \t]?\p{Lu}\.?(?:[ \t]?\p{Lu}\.)?)(?![\p{L}])/gu;
// Words for what a clinician is, in a signature after their name: "Tomas Eklund,
// specialistläkare", "Saara K., charge nurse". Compounds end in them (erikoislääkäri).
const ROLE_ENDINGS =
  "lääkäri|läkare|hoitaja|sköterska|kirurgi|kirurg|terapeutti|terapeut|kätilö|barnmorska|psykologi|psykolog|nurse|doctor|physician|surgeon|therapist|midwife|psychologist|consultant|registrar|resident|radiologist|anaesthetist|anesthetist";
// One to three capitalised words or initials, a comma, at most one more word, and the role.
const INITIALS_BEFORE_ROLE = INITIALS_BEFORE_ROLE_PATTERN(ROLE_ENDINGS);
const NAME_BEFORE_ROLE = new RegExp(
  `(?<![\\p{L}\\p{N}.])((?:\\p{Lu}[\\p{Ll}'’-]+|\\p{Lu}\\.)(?:[ \\t]+(?:\\p{Lu}[\\p{Ll}'’-]+|\\p{Lu}\\.?)){1,2}),[ \\t]+(?:\\p{Ll}+\\.?[ \\t]+)?\\p{Ll}*(?:${ROLE_ENDINGS})(?![\\p{L}])`,
  "gu",
);
// What comes before a header at the start of a line: nothing, or only spaces.
const LINE_START = /(?:^|\n)[ \t\u00a0]*$/;

interface Word {
  text: string;
  start: number;
  end: number;
}

const CAPITAL = /^\p{Lu}/u;
const capitalise = (w: string) => (w[0] as string).toLocaleUpperCase("fi") + w.slice(1);
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

/** Whether a word (any case) is one after which a relative's or the patient's name comes. */
export const isRelationWord = (word: string): boolean => RELATIONS.has(word.toLowerCase());

/** Whether a word (any case) is a title or a relation word, after which a name is expected. */
export const isNameCue = (word: string): boolean =>
  RELATIONS.has(word.toLowerCase()) || TITLES.has(word.toLowerCase());

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
  // After a name in context, "ja", "och" or "and" and capitalised words: the index of the last
  // word of that second name, or -1.
  const joinedNameEnd = (i: number) => {
    const and = words[i + 1];
    const first = words[i + 2];
    if (!and || !first || !AND_WORDS.has(and.text) || !SPACE.test(gap(i))) return -1;
    if (!SPACE.test(gap(i + 1)) || !isCapitalised(first.text) || isTitle(i + 2)) return -1;
    if (NOT_NAMES_AFTER_CUE.has(first.text.toLowerCase())) return -1;
    let end = i + 2;
    while (
      end + 1 < words.length &&
      end - i - 1 < MAX_NAME_WORDS &&
      SPACE.test(gap(end)) &&
      isCapitalised((words[end + 1] as Word).text) &&
      !isTitle(end + 1)
    )
      end++;
    return end;
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
      header ||
      (TITLES.has(cue) &&
        (WORD_TITLES.has(cue) ? SPACE.test(gap(i)) || colon : TITLE_GAP.test(gap(i))));
    // After a relation word a colon or a comma may come before the names ("vanhemmat: Peter ja
    // Annika", "her daughter, Dasha, emailed").
    const relation =
      !title &&
      RELATIONS.has(cue) &&
      (SPACE.test(gap(i)) ||
        BRACKET_GAP.test(gap(i)) ||
        ((colon || COMMA_GAP.test(gap(i))) && !PERSON_LABELS.has(cue)));
    const anyCapitalAfter = relation && !PATIENT_WORDS.has(cue);
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
          ((title || last > i || (anyCapitalAfter && !PLACE_CASE.test(next))) &&
            isCapitalised(next) &&
            !NOT_NAMES_AFTER_CUE.has(next.toLowerCase())) ||
          (last === i && isInitialAt(j));
        // "sjuksköterska, Akademiska sjukhuset": a hospital's name, not a person's.
        if (!named || (last > i && isTitle(j)) || institutionAfter(text, (words[j] as Word).end))
          break;
        last = j;
        counted++;
      }
      if (last > i) {
        span(i + 1, last, true);
        i = last;
        for (let end = joinedNameEnd(i); end > i; end = joinedNameEnd(i)) {
          span(i + 2, end, true);
          i = end;
        }
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
    // An eponym names a disease: "Aiemmin Bellin pareesi", "Previous Bell's palsy".
    if (institutionAfter(text, next.end)) continue;
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
  // three capitals there are a person, elsewhere as often an abbreviation (TT, CRP). A
  // patient's initials after "Pat." are theirs; a name before a comma and a role signs a note.
  const cuedGroup = (m: RegExpMatchArray, start: number) => cued(start, m[1] as string);
  const cued = (start: number, value: string) => {
    const end = start + value.length;
    const overlapping = spans.filter((n) => start < n.end && n.start < end);
    if (overlapping.some((n) => n.cued || n.start < start || n.end > end)) return;
    for (const n of overlapping) spans.splice(spans.indexOf(n), 1);
    spans.push({ start, end, names: [[start, end]], cued: true });
  };
  for (const m of text.matchAll(INITIALS_AFTER_SIGNING))
    cuedGroup(m, m.index + m[0].length - (m[1] as string).length);
  for (const m of text.matchAll(INITIALS_AFTER_PATIENT))
    cuedGroup(m, m.index + m[0].length - (m[1] as string).length);
  for (const m of text.matchAll(NAME_BEFORE_ROLE)) cuedGroup(m, m.index);
  const after = (m: RegExpMatchArray) => (m.index ?? 0) + m[0].length - (m[1] as string).length;
  for (const m of marked(text, /o\.|os\.|née|nee|född|f\.|formerly/, MAIDEN_NAME))
    cuedGroup(m, after(m));
  if (text.includes("("))
    for (const m of text.matchAll(NAME_BEFORE_RELATION))
      if (!RELATION_STEM.test(m[1] as string)) cuedGroup(m, m.index);
  for (const m of marked(
    text,
    /FRC|MRC|MBBS|MBChB|PhD|MD|RN|ST[1-8]|CT[12]|FY[12]|SpR|DO|NP|PA-C/,
    NAME_WITH_POSTNOMINAL,
  ))
    cuedGroup(m, m.index);
  for (const m of marked(
    text,
    /ntanut|arkistanut|iven by|hecked by|dministered by|[Gg]av |ontrollerat/,
    GIVEN_BY_NAME,
  ))
    cuedGroup(m, after(m));
  for (const m of marked(text, /[,|][ \t]+\p{Ll}/u, NAME_THEN_RELATION))
    if (
      !RELATION_STEM.test(m[1] as string) &&
      !isRelationWord((m[1] as string).split(/[ \t]/)[0] as string)
    )
      cuedGroup(m, m.index);
  if (text.includes(" man ")) for (const m of text.matchAll(HER_MAN)) cuedGroup(m, after(m));
  for (const m of marked(text, DONE_MARK, DONE_BY)) {
    const first = ((m[1] as string).split(/[ \t.]+/)[0] as string).toLowerCase();
    // A title after the words is the title's to take (Dr. R. Lindfors, Prof. Timo Sorsa).
    if (!NOT_NAMES_AFTER_CUE.has(first) && !TITLES.has(first)) cuedGroup(m, after(m));
  }
  for (const m of marked(text, /anel|iktat|ikterat|ictated|yped by|irjoit/, DICTATED_BY)) {
    const words = (m[1] as string).split(/[ \t]+/);
    // A title is the title's to follow (Dictated by Dr. T. Aaltola).
    if (TITLES.has((words[0] as string).toLowerCase())) continue;
    // In lower case only names a list knows: "sanelu loppuu" is no name.
    const named = words.filter((w) => isCapitalised(w) || isNameAfterCue(capitalise(w)));
    const ends = DICTATION_ENDS.has((words[1] ?? "").toLowerCase());
    if (named.length === words.length && !ends) cuedGroup(m, after(m));
    else if (words.length === 2 && !ends && isNameAfterCue(capitalise(words[0] as string)))
      cuedGroup(m, after(m));
    else if (named[0] === words[0] && words[0]) cued(after(m), words[0]);
  }
  for (const m of marked(text, /\/|yped by|irjoitus|irjaus|anelu|ictated/, LOWER_INITIALS_SIGNED))
    if (!NOT_LOWER_INITIALS.has(m[1] as string)) cuedGroup(m, after(m));
  if (text.includes("/"))
    for (const m of text.matchAll(INITIALS_BEFORE_SLASH)) cuedGroup(m, m.index);
  for (const m of marked(
    text,
    /,[ \t]*(?:RN|LPN|HCA|MD|sh|th|lh|ssk|usk|spl)/,
    INITIALS_COMMA_ROLE,
  ))
    if (!NOT_INITIALS.has(m[1] as string)) cuedGroup(m, m.index);
  // Each pattern tries every position: looked for only where its mark is in the text.
  if (INITIAL_MARK.test(text))
    for (const m of text.matchAll(INITIALS_BEFORE_ROLE)) cuedGroup(m, m.index);
  if (NICKNAME_MARK.test(text))
    for (const m of text.matchAll(NICKNAME_CUE))
      cuedGroup(m, m.index + m[0].length - (m[1] as string).length);
  if (text.includes(":"))
    for (const m of text.matchAll(COPIED_INITIALS)) {
      const list = m[1] as string;
      const at = m.index + m[0].length - list.length;
      const initials = [...list.matchAll(INITIALS_IN_LIST)];
      if (initials.some((i) => NOT_INITIALS.has(i[0]))) continue;
      for (const i of initials) cued(at + i.index, i[0]);
    }
  return spans.sort((a, b) => a.start - b.start);
}
