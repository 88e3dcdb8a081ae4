import { ibanSpans } from "./bank-accounts.js";
import { codiceFiscaleSpans } from "./codice-fiscale.js";
import { NAMES_THAT_ARE_WORDS } from "./common-names.js";
import { cuedAddressSpans, isTownName } from "./cued-addresses.js";
import { checkCharacter } from "./hetu.js";
import {
  JS_PATTERNS,
  NOT_STREET_STEMS,
  PHONE_CORE,
  SE_POSTAL_TOWN_CORE,
  STREET_BEFORE_POSTAL,
} from "./identifier-patterns.js";
import { NAME_TOKEN, nameCandidates, personNameCandidates } from "./name-forms.js";
import { isNameCue, isRelationWord, namesInContext } from "./names-in-context.js";
import { nordicIdSpans } from "./nordic-ids.js";
import { identifierValueSpans } from "./person-identifiers.js";
import { isPlaceUse } from "./place-names.js";
import { labelledNumberSpans } from "./record-numbers.js";
import { referenceCodeSpans } from "./reference-codes.js";

/**
 * The kinds of identifier found. ID is any other identifier value: one of the person's own
 * (patient number, SSN, other systems' ids, see person-identifiers.ts) or a US social security
 * number by its format.
 */
export type RedactionType = "HETU" | "NAME" | "PHONE" | "EMAIL" | "ADDRESS" | "ID";

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
  /**
   * Whether a key (letters and digits in lower case, see person-identifiers.ts) is the value of
   * one of the person's identifiers: from the Patient resource, by keyed hashes in the vault.
   */
  isPersonIdentifier?: (key: string) => boolean;
  /**
   * Take common names only after a cue ("Potilas", "Dr"), not as two capitalised words: for
   * text often named after people, such as organisations ("Emil Aaltonen Foundation").
   */
  namesOnlyAfterCues?: boolean;
}

// Built once: matchAll works on a copy, so the global patterns can be shared between calls.
const PATTERNS = {
  email: JS_PATTERNS.email(),
  obfuscatedEmail: JS_PATTERNS.obfuscatedEmail(),
  hetuSeparated: JS_PATTERNS.hetuSeparated(),
  hetuUnseparated: JS_PATTERNS.hetuUnseparated(),
  ssn: JS_PATTERNS.ssn(),
  streetAddress: JS_PATTERNS.streetAddress(),
  postalTown: JS_PATTERNS.postalTown(),
  phone: JS_PATTERNS.phone(),
};

const OBFUSCATION_HINT = /@|\b(?:at|AT)\b/;

// An SSN written with spaces or none is nine digits like many others: taken only after its name.
const SSN_AFTER_CUE =
  /(?<![\p{L}])(?:SSN|Social Security(?: Number| No\.?)?)[ \t]*[:#]?[ \t]*([0-9]{3} ?[0-9]{2} ?[0-9]{4})(?![\p{L}\p{N}])/gu;
// A street number with a unit or a decimal after it is a measurement (Sappitie 9 mm, 3,2 cm).
const MEASURE_AFTER = /^(?:[,.][0-9]|[ \t]?(?:mm|cm|m|ml|l|mg|g|kg|%)(?![\p{L}]))/u;
// Phone numbers have seven digits or more: "+1500 ml" is a fluid balance.
const MIN_PHONE_DIGITS = 7;

// A Swedish postal code without its prefix, right after a street address (Storgatan 5, 111 22 …).
const SE_POSTAL_AFTER_STREET = new RegExp(
  `^,? {1,2}(${SE_POSTAL_TOWN_CORE})(?![\\p{L}\\p{N}])`,
  "u",
);

// A phone number with its extension is one number (09 471 80000 ext. 5521); a switchboard's short
// number (09 4711) is one only with an extension after it.
// An extension after a slash ("09 4717 2345 / 118") only after a whole number, and not where a
// second number follows ("040 123 4567 / 050 765 4321").
const PHONE_WITH_EXTENSION = new RegExp(
  `(?<![0-9A-Za-z])(?:(?:${PHONE_CORE}|0[0-9]{1,2}[ -]?[0-9]{3,4})[ \\t]*,?[ \\t]*(?:ext\\.?|extension|x|anknytning|ankn\\.?|alanumero|alanro|sisäinen|sis\\.)[ \\t]*[0-9]{2,6}|(?:${PHONE_CORE})[ \\t]*/[ \\t]*[0-9]{2,4}(?![ \\t]?[0-9]))(?![0-9A-Za-z])`,
  "g",
);

// A phone cue makes a short number a phone number too: "kotinumero 09 4711", "tel. 012 3456".
const PHONE_AFTER_CUE =
  /(?<![\p{L}])(?:puh(?:elin)?(?:numero|nro)?|kotinumero|kotipuhelin|työpuhelin|matkapuhelin|gsm|tel(?:efon)?(?:nummer|nr)?|hemnummer|hemtelefon|mobil(?:nummer)?|phone|mobile|cell|home number|home phone)\.?[ \t]*:?[ \t]*(0[0-9]{1,3}[ -]?[0-9]{3,5})(?![0-9]|[ -][0-9])/giu;
const MIN_CUED_PHONE_DIGITS = 6;

// A town alone after a street address and its comma, where the sentence ends, with a postal
// code after it as some countries write it: "asuu Koulukatu 7 as. 3, Jyväskylä.", "P.O. Box
// 2231, Nairobi 00100."
const TOWN_AFTER_STREET =
  /^,[ \t]+\p{Lu}\p{Ll}+(?:-\p{Lu}\p{Ll}+)?(?:[ \t]+[0-9]{4,6})?(?=[ \t]*(?:[.;)\n]|$))/u;

// Initials signing a note or a line after a slash ("/MV", "El. Lehtinen/OL", "/A-L. K.", "/JK
// ssk"): after a space or a capitalised word, so not a pair of lab names (ALT/AST) or a unit
// (mg/KG); the writer's role may follow.
const SIGNER_ROLES = "sh|th|lh|ssk|usk|spl|ll|el|ft|RN|LPN|HCA|MD|PT|OT|SN";
const INITIALS_SIGNATURE = new RegExp(
  `(?<=^|\\s|\\p{Lu}\\p{Ll}{2,})\\/(?:(?:${SIGNER_ROLES})\\.?[ \\t]+)?([A-ZÅÄÖ]{2,3}|[A-ZÅÄÖ](?:-[A-ZÅÄÖ])?\\.[ \\t]?[A-ZÅÄÖ]\\.(?:[ \\t]?[A-ZÅÄÖ]\\.)?)(?=[ \\t]*(?:(?:${SIGNER_ROLES})\\.?)?[ \\t]*\\.?[ \\t]*$)`,
  "gmu",
);

/**
 * The one detector of direct identifiers in free text, for the ingest scrubber, free-text checks
 * and the de-identification benchmark: identity codes (any written form; unseparated ones only
 * with a valid check character), e-mail addresses, the person's own identifier values, US
 * social security numbers, Swedish, Norwegian, Danish and Estonian identity numbers, labelled record numbers, street addresses and postal codes with towns, phone numbers, the
 * person's own and relatives' names in any inflected form, and common names in a name context. Spans
 * are in text order and never overlap: where two detectors claim the same characters, the one
 * listed first here wins.
 */
export function detectIdentifiers(text: string, context: ScrubContext = {}): IdentifierSpan[] {
  const found: IdentifierSpan[] = [];
  const claim = (start: number, end: number, type: RedactionType) => {
    if (found.some((s) => start < s.end && s.start < end)) return false;
    found.push({ start, end, type });
    return true;
  };
  const each = (pattern: RegExp, type: RedactionType, keep?: (m: RegExpExecArray) => boolean) => {
    for (const m of text.matchAll(pattern))
      if (!keep || keep(m)) claim(m.index, m.index + m[0].length, type);
  };
  // The e-mail pattern tries a match at every word; most notes have no "@" to find.
  if (text.includes("@")) each(PATTERNS.email, "EMAIL");
  // Obfuscated forms after the plain ones; most notes have neither "@" nor "at" to find.
  if (OBFUSCATION_HINT.test(text)) each(PATTERNS.obfuscatedEmail, "EMAIL");
  each(PATTERNS.hetuSeparated, "HETU");
  each(
    PATTERNS.hetuUnseparated,
    "HETU",
    (m) => checkCharacter(m[1] as string, m[2] as string) === String(m[3]).toUpperCase(),
  );
  if (context.isPersonIdentifier)
    for (const [start, end] of identifierValueSpans(text, context.isPersonIdentifier))
      claim(start, end, "ID");
  each(PATTERNS.ssn, "ID");
  for (const [start, end] of nordicIdSpans(text)) claim(start, end, "ID");
  for (const [start, end] of codiceFiscaleSpans(text)) claim(start, end, "ID");
  for (const [start, end] of ibanSpans(text)) claim(start, end, "ID");
  for (const [start, end] of labelledNumberSpans(text)) claim(start, end, "ID");
  for (const m of text.matchAll(SSN_AFTER_CUE)) {
    const value = m[1] as string;
    const start = m.index + m[0].length - value.length;
    claim(start, start + value.length, "ID");
  }
  for (const m of text.matchAll(PATTERNS.streetAddress)) {
    const end = m.index + m[0].length;
    const street = m[0].toLocaleLowerCase("fi");
    if (
      NOT_STREET_STEMS.some((w) => street.includes(w)) ||
      MEASURE_AFTER.test(text.slice(end, end + 4))
    )
      continue;
    if (!claim(m.index, end, "ADDRESS")) continue;
    const postal = SE_POSTAL_AFTER_STREET.exec(text.slice(end));
    if (postal) {
      const start = end + postal[0].length - (postal[1] as string).length;
      claim(start, end + postal[0].length, "ADDRESS");
    }
    const town = postal ? null : TOWN_AFTER_STREET.exec(text.slice(end));
    if (town) claim(end + 2, end + town[0].length, "ADDRESS");
  }
  // A town followed by a number is a word in a list of lab values (WBC 12000 Platelets 250000).
  for (const m of text.matchAll(PATTERNS.postalTown)) {
    if (/^[ \t]*[0-9]/.test(text.slice(m.index + m[0].length))) continue;
    if (!claim(m.index, m.index + m[0].length, "ADDRESS")) continue;
    const street = STREET_BEFORE_POSTAL.exec(text.slice(Math.max(0, m.index - 80), m.index));
    if (street) claim(m.index - street[0].length, m.index, "ADDRESS");
  }
  // After the street patterns, which know a street's staircase and flat: a cued address adds
  // what they did not take, such as a hotel's name before the street.
  for (const [start, end] of cuedAddressSpans(text)) {
    const taken = found.filter((s) => start < s.end && s.start < end).map((s) => s.start);
    const free = Math.min(end, ...taken);
    const part = text.slice(start, free).replace(/[\s,]+$/, "");
    if (part) claim(start, start + part.length, "ADDRESS");
  }
  for (const m of text.matchAll(PHONE_AFTER_CUE)) {
    const value = m[1] as string;
    if (value.replace(/[^0-9]/g, "").length < MIN_CUED_PHONE_DIGITS) continue;
    const start = m.index + m[0].length - value.length;
    claim(start, start + value.length, "PHONE");
  }
  each(PHONE_WITH_EXTENSION, "PHONE");
  each(PATTERNS.phone, "PHONE", (m) => m[0].replace(/[^0-9]/g, "").length >= MIN_PHONE_DIGITS);
  for (const [start, end] of referenceCodeSpans(text)) claim(start, end, "ID");
  for (const m of text.matchAll(INITIALS_SIGNATURE))
    claim(m.index + m[0].length - (m[1] as string).length, m.index + m[0].length, "NAME");
  if (context.isPersonName) {
    const isName = context.isPersonName;
    const ownName = ownNameReader(text);
    each(NAME_TOKEN, "NAME", (m) => {
      const word = ownName(m[0]);
      // Short forms only as written: in lower case "bob" is a haircut.
      const keys = word === m[0] ? personNameCandidates(word) : nameCandidates(word);
      const named =
        keys.some(isName) ||
        (word.length >= 6 && nameExpected(text, m.index) && misspelt(word).some(isName));
      return named && ownName.notAWord(m[0], m.index) && !isPlaceUse(text, m.index, m[0]);
    });
  }
  // Where the person's own name took part of one, the rest is still claimed word by word; where
  // only names overlap one after a cue, it joins them with what is between (the comma of
  // "POTILAS: NIEMINEN, ARTO").
  for (const name of namesInContext(text, context.namesOnlyAfterCues)) {
    if (claim(name.start, name.end, "NAME")) continue;
    const overlapping = found.filter((s) => name.start < s.end && s.start < name.end);
    if (name.cued && overlapping.every((s) => s.type === "NAME")) {
      const start = Math.min(name.start, ...overlapping.map((s) => s.start));
      const end = Math.max(name.end, ...overlapping.map((s) => s.end));
      for (const s of overlapping) found.splice(found.indexOf(s), 1);
      found.push({ start, end, type: "NAME" });
    } else for (const [start, end] of name.names) claim(start, end, "NAME");
  }
  claimRepeatedNames(text, found, claim);
  // A nickname in brackets right after a name: "Östman (Kride) kertoo".
  for (const span of found.filter((s) => s.type === "NAME")) {
    const nick = NICKNAME_IN_BRACKETS.exec(text.slice(span.end, span.end + 24));
    if (nick && !isTownName(nick[1] as string)) {
      const start = span.end + nick[0].length - (nick[1] as string).length - 1;
      claim(start, start + (nick[1] as string).length, "NAME");
    }
  }
  return mergeParts(
    text,
    found.sort((a, b) => a.start - b.start),
  );
}

const NICKNAME_IN_BRACKETS = /^[ \t]*\((\p{Lu}\p{Ll}{2,})\)/u;

// Where a note puts a name: at its start or a line's ("Jakcson seen in ED"), or after a title
// or a relation word ("Potilas Kärkkäien"). Only there are misspellings looked for: a note has
// many long capitalised words, each of which would cost some eighty look-ups.
function nameExpected(text: string, start: number): boolean {
  const before = wordBefore(text, start);
  return before !== undefined && (before === "" || isNameCue(before));
}

const LETTER = /\p{L}/u;
/**
 * The word before `start` over spaces and an abbreviation's full stop ("Dr. "): "" at the
 * start of the text or of a line, undefined after anything else (a digit, a bracket).
 */
function wordBefore(text: string, start: number): string | undefined {
  let end = start;
  while (end > 0 && (text[end - 1] === " " || text[end - 1] === "\t")) end--;
  if (end === 0 || text[end - 1] === "\n") return "";
  if (text[end - 1] === ".") end--;
  let from = end;
  while (from > 0 && end - from < 24 && LETTER.test(text[from - 1] as string)) from--;
  return from < end ? text.slice(from, end) : undefined;
}

/**
 * A capitalised word of six letters or more one slip of the keyboard from a name: two letters
 * swapped (Jakcson) or one left out that the word has elsewhere (Kärkkäien). Only the person's own
 * names are looked up this way, never the common-name lists, and only as written (no case forms).
 */
function misspelt(word: string): string[] {
  if (word.length < 6 || !CAPITALISED.test(word)) return [];
  const lower = word.toLocaleLowerCase("fi");
  const out: string[] = [];
  for (let i = 1; i < lower.length - 1; i++)
    out.push(lower.slice(0, i) + lower[i + 1] + lower[i] + lower.slice(i + 2));
  const letters = [...new Set(lower)];
  for (let i = 1; i <= lower.length; i++)
    for (const c of letters) out.push(lower.slice(0, i) + c + lower.slice(i));
  return out;
}

const CAPITALISED = /^\p{Lu}/u;
const CAPITALISED_WORD = /\p{Lu}\p{Ll}/u;

/**
 * How to read a word of the text as one of the person's own names: in a note written all in lower
 * case a word is read as if capitalised, since the writer capitalised nothing ("kysellyt miestään
 * kallea"); elsewhere a lower-case word that the note also writes capitalised is an ordinary
 * word (`notAWord` is false: "Rose says her pain rose").
 */
function ownNameReader(text: string) {
  const allLowerCase = !CAPITALISED_WORD.test(text);
  let capitalised: Set<string> | undefined;
  const read = (word: string) =>
    allLowerCase && !CAPITALISED.test(word)
      ? (word[0] as string).toLocaleUpperCase("fi") + word.slice(1)
      : word;
  // Asked only of words that matched, as most words do not: the set costs a pass over the text.
  const notAWord = (word: string, start: number) => {
    if (allLowerCase || CAPITALISED.test(word)) return true;
    // "todettu 6 mm kivi": a name that is a word, in lower case where others are capitalised,
    // unless a word for the patient or a relative is right before it ("Potilas nurmi kertoo").
    if (NAMES_THAT_ARE_WORDS.has(word.toLocaleLowerCase("fi"))) {
      const before = wordBefore(text, start);
      return before !== undefined && isRelationWord(before);
    }
    capitalised ??= new Set(
      [...text.matchAll(NAME_TOKEN)]
        .filter((m) => CAPITALISED.test(m[0]))
        .map((m) => m[0].toLocaleLowerCase("fi")),
    );
    return !capitalised.has(word);
  };
  return Object.assign(read, { notAWord });
}

/**
 * A name found once is a name wherever the same text repeats it, in any case form: "Kimmo
 * Haapala / K. Haapala", "Tommi Rinne … Tommin numero". Only capitalised words of three letters
 * or more, so an initial, an abbreviation (La, the sedimentation rate) or a lower-case word is
 * not taken for a name found elsewhere.
 */
function claimRepeatedNames(
  text: string,
  found: IdentifierSpan[],
  claim: (start: number, end: number, type: RedactionType) => boolean,
): void {
  const keys = new Set<string>();
  for (const span of found) {
    if (span.type !== "NAME") continue;
    for (const m of text.slice(span.start, span.end).matchAll(NAME_TOKEN))
      if (m[0].length > 2 && CAPITALISED.test(m[0]))
        for (const k of nameCandidates(m[0])) keys.add(k);
  }
  if (keys.size === 0) return;
  // A case form keeps its name's first letter (Lahti, Lahden): most words need no look-up.
  const initials = new Set([...keys].map((k) => k[0]));
  for (const m of text.matchAll(NAME_TOKEN)) {
    const word = m[0];
    if (word.length < 3 || !CAPITALISED.test(word)) continue;
    if (!initials.has((word[0] as string).toLowerCase())) continue;
    if (nameCandidates(word).some((k) => keys.has(k)) && !isPlaceUse(text, m.index, word))
      claim(m.index, m.index + word.length, "NAME");
  }
}

/**
 * Parts found one by one are one identifier where only a space is between: a name's words
 * ("Väinö" and "Ahonen"; an initial's dot too, "S-E. Lindqvist"), and an address's street and
 * postal code over their comma ("Kirkkokatu 4 B 17, 02770 Espoo").
 */
function mergeParts(text: string, spans: IdentifierSpan[]): IdentifierSpan[] {
  const merged: IdentifierSpan[] = [];
  for (const found of spans) {
    const span = found.type === "NAME" ? withInitials(text, found, merged.at(-1)) : found;
    const last = merged.at(-1);
    const between = last ? text.slice(last.end, span.start) : "";
    const initial = last ? /(?:^|[-\s])\p{Lu}$/u.test(text.slice(last.start, last.end)) : false;
    if (
      last?.type === span.type &&
      ((span.type === "NAME" && /^[ \t\u00a0]+$/.test(between)) ||
        (span.type === "NAME" && NICKNAME_QUOTE.test(between)) ||
        (span.type === "NAME" && COMMA_GAP.test(between) && isSurnameFirst(text, last, span)) ||
        (span.type === "NAME" && initial && /^\.[ \t\u00a0]+$/.test(between)) ||
        (span.type === "ADDRESS" && /^,?[ \t\u00a0]{0,2}(?:\n[ \t\u00a0]*)?$/.test(between)))
    )
      last.end = span.end;
    else merged.push({ ...span });
  }
  return merged;
}

// A nickname in quotes or brackets between a name's words: Johannes "Jussi" Mattila.
const NICKNAME_QUOTE = /^(?:[ \t]+["“”„'‘’]|["“”'‘’][ \t]+)$/u;
// A surname and its given names after a comma (ENGSTRÖM, ROLF; Holm, Ebba): one name.
const COMMA_GAP = /^,[ \t\u00a0]+$/;
// One word of three letters or more before the comma and after it: not a list of initials.
const isSurnameFirst = (text: string, surname: IdentifierSpan, given: IdentifierSpan) =>
  /^[\p{L}'’-]{3,}$/u.test(text.slice(surname.start, surname.end)) &&
  /^[\p{L}'’-]{3,}/u.test(text.slice(given.start, given.end));

// An initial before a name ("K. Haapala") and an initial's full stop after one ("Saara K.",
// "M. K.") belong to it.
const INITIAL_BEFORE = /(?<![\p{L}\p{N}.])\p{Lu}\.[ \t\u00a0]?$/u;
const ENDS_IN_INITIAL = /(?:^|[-\s.])\p{Lu}$/u;
// A surname's initial after a given name ("Anja K. kävi"), but not a genus before its species
// (E. coli, S. aureus).
const INITIAL_AFTER = /^[ \t]\p{Lu}(?:\.(?![\p{L}\p{N}])|(?=[ \t]*[,;(]))/u;
const SPECIES =
  /^[ \t]+(?:coli|aureus|epidermidis|pneumoniae|pyogenes|agalactiae|faecalis|faecium|albicans|difficile|influenzae|aeruginosa|cloacae|mirabilis|trachomatis|gonorrhoeae|jejuni|pylori|enteritidis|typhi|monocytogenes|marcescens|maltophilia|baumannii|catarrhalis)/u;

function withInitials(
  text: string,
  span: IdentifierSpan,
  before: IdentifierSpan | undefined,
): IdentifierSpan {
  let { start, end } = span;
  const initial = INITIAL_BEFORE.exec(text.slice(Math.max(before?.end ?? 0, start - 4), start));
  if (initial) start -= initial[0].length;
  if (text[end] === "." && ENDS_IN_INITIAL.test(text.slice(start, end))) end += 1;
  else {
    const after = INITIAL_AFTER.exec(text.slice(end, end + 24));
    if (after && !SPECIES.test(text.slice(end + after[0].length))) end += after[0].length;
  }
  return { start, end, type: span.type };
}
