import { anyCase } from "./record-numbers.js";

/**
 * Swedish, Norwegian and Danish national identity numbers in text, for patients who moved to
 * Finland. Ten or eleven digits are often a phone, a sample or a lab number, so a number is
 * taken only where its own rules hold: the Swedish personnummer (YYMMDD-NNNC, also with the
 * century, +, or a coordination number's day + 60) by its date and Luhn check digit; the Norwegian
 * fødselsnummer (DDMMYYNNNCC, also a D-number's day + 40) by its date and both mod-11 check
 * digits; and any of them, or a Danish CPR number (DDMMYY-NNNN, which has had no check digit
 * since 2007), after the name of the number ("personnummer", "CPR-nr.", "fødselsnummer").
 */

const daysIn = (month: number, year: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();

/** Whether day and month (1-based) make a date in some year ending in the two digits given. */
function isDate(day: number, month: number, yy: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  // Either century: 29 February needs a leap year, and 00 is one in 2000.
  return day <= Math.max(daysIn(month, 1900 + yy), daysIn(month, 2000 + yy));
}

const digitsOf = (s: string) => [...s].map(Number);

/** The Luhn check over digits: the last digit checks the rest. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  digitsOf(digits)
    .reverse()
    .forEach((d, i) => {
      const v = i % 2 === 1 ? d * 2 : d;
      sum += v > 9 ? v - 9 : v;
    });
  return sum % 10 === 0;
}

/** A Swedish personnummer's ten digits (YYMMDDNNNC): a date (or day + 60) and the Luhn digit. */
export function swedishPersonnummerValid(ten: string): boolean {
  if (!/^[0-9]{10}$/.test(ten)) return false;
  const [yy, mm, dd] = [ten.slice(0, 2), ten.slice(2, 4), ten.slice(4, 6)].map(Number);
  const day = (dd as number) > 60 ? (dd as number) - 60 : (dd as number);
  return isDate(day, mm as number, yy as number) && luhnValid(ten);
}

const NO_WEIGHTS_1 = [3, 7, 6, 1, 8, 9, 4, 5, 2];
const NO_WEIGHTS_2 = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2];

function mod11(digits: number[], weights: number[]): number {
  const sum = weights.reduce((s, w, i) => s + w * (digits[i] as number), 0);
  const check = 11 - (sum % 11);
  return check === 11 ? 0 : check; // 10 is no digit: no valid number has it
}

/** A Norwegian fødselsnummer's eleven digits: a date (or a D-number's day + 40), two mod-11 digits. */
export function norwegianFodselsnummerValid(eleven: string): boolean {
  if (!/^[0-9]{11}$/.test(eleven)) return false;
  const d = digitsOf(eleven);
  const dd = Number(eleven.slice(0, 2));
  const day = dd > 40 ? dd - 40 : dd;
  if (!isDate(day, Number(eleven.slice(2, 4)), Number(eleven.slice(4, 6)))) return false;
  return mod11(d, NO_WEIGHTS_1) === d[9] && mod11(d, NO_WEIGHTS_2) === d[10];
}

/** A Danish CPR number's first six digits (DDMMYY) make a date. */
export function danishCprDateValid(ten: string): boolean {
  return (
    /^[0-9]{10}$/.test(ten) &&
    isDate(Number(ten.slice(0, 2)), Number(ten.slice(2, 4)), Number(ten.slice(4, 6)))
  );
}

const EE_WEIGHTS_1 = [1, 2, 3, 4, 5, 6, 7, 8, 9, 1];
const EE_WEIGHTS_2 = [3, 4, 5, 6, 7, 8, 9, 1, 2, 3];

/** Whether an Estonian isikukood's first seven digits (GYYMMDD, G 1-8 the century and sex) make a date. */
function estonianDateValid(eleven: string): boolean {
  const g = Number(eleven[0]);
  if (g < 1 || g > 8) return false;
  return isDate(Number(eleven.slice(5, 7)), Number(eleven.slice(3, 5)), Number(eleven.slice(1, 3)));
}

/**
 * An Estonian isikukood (GYYMMDDSSSC, for patients from Estonia): a date and the mod-11 check
 * digit, weights 1-9,1 and, where that gives 10, 3-9,1-3 (10 again is 0).
 */
export function estonianIsikukoodValid(eleven: string): boolean {
  if (!/^[0-9]{11}$/.test(eleven) || !estonianDateValid(eleven)) return false;
  const d = digitsOf(eleven);
  const sum = (w: number[]) => w.reduce((s, x, i) => s + x * (d[i] as number), 0) % 11;
  let check = sum(EE_WEIGHTS_1);
  if (check === 10) check = sum(EE_WEIGHTS_2) % 10;
  return check === d[10];
}

/**
 * Whether a Swedish form has the century written before a real date (19390105-7712): so written,
 * it is a personnummer even with a mistyped check digit, as no date or lab number is.
 */
function centuryDated(written: string, six: string): boolean {
  if (!/^(?:19|20)[0-9]{6}/.test(written)) return false;
  const day = Number(six.slice(4, 6));
  return isDate(day > 60 ? day - 60 : day, Number(six.slice(2, 4)), Number(six.slice(0, 2)));
}

/** Whether a number named as an identity number starts with the date one of the three has. */
function hasDate(digits: string): boolean {
  const six = digits.length === 12 ? digits.slice(2, 8) : digits.slice(0, 6);
  const [a, b, c] = [six.slice(0, 2), six.slice(2, 4), six.slice(4, 6)].map(Number) as [
    number,
    number,
    number,
  ];
  const swedishDay = c > 60 ? c - 60 : c;
  const nordicDay = a > 40 ? a - 40 : a;
  return danishCprDateValid(`${six}0000`) || isDate(swedishDay, b, a) || isDate(nordicDay, b, c);
}

const EDGE_BEFORE = "(?<![0-9A-Za-z+-])";
const EDGE_AFTER = "(?![0-9A-Za-z]|[-.,:/][0-9])";
// YYMMDD-NNNC, YYMMDD+NNNC (over 100 years old) and YYYYMMDD-NNNC.
const SWEDISH = new RegExp(
  `${EDGE_BEFORE}(?:19|20)?([0-9]{6})[ \\t]?[-+][ \\t]?([0-9]{4})${EDGE_AFTER}`,
  "g",
);
// DDMMYYNNNCC, also DDMMYY NNNCC.
const NORWEGIAN = new RegExp(`${EDGE_BEFORE}([0-9]{6}) ?([0-9]{5})${EDGE_AFTER}`, "g");
// The name of the number, then the number in any of the forms, with a date in it but its check
// digits unchecked: a mistyped identity number is still someone's.
const AFTER_NAME =
  /(?<![\p{L}])(?:person(?:nummer|nr)|p-?nr|samordningsnummer|fødselsnummer|fødselsnr|f\.?nr|d-nummer|personnummeret|cpr(?:-?(?:nummer|nr)\.?)?)[ \t]*[:.]?[ \t]*((?:19|20)?[0-9]{6}[ \t]?[-+]?[ \t]?[0-9]{4,5})(?![0-9A-Za-z])/giu;

// Eleven digits, the first the century and sex; taken unnamed only with a valid check digit.
const ESTONIAN = new RegExp(`${EDGE_BEFORE}([1-8][0-9]{10})${EDGE_AFTER}`, "g");
// After its name ("isikukood", "Estonian ID code", "personal code") its date is enough.
const ESTONIAN_AFTER_NAME =
  /(?<![\p{L}])(?:isikukood\p{L}*|(?:estonian|viron|virolainen)[ \t]+(?:id|personal|identity)[ \t]+code|personal[ \t]+(?:identification[ \t]+)?code)[ \t]*[:.]?[ \t]*([1-8][0-9]{10})(?![0-9A-Za-z])/giu;

/** The spans of Nordic and Estonian identity numbers in a text, in text order. */
export function nordicIdSpans(text: string): Array<[number, number]> {
  const spans: Array<[number, number]> = [];
  for (const m of text.matchAll(AFTER_NAME)) {
    const value = m[1] as string;
    if (!hasDate(value.replace(/[^0-9]/g, ""))) continue;
    const start = m.index + m[0].length - value.length;
    spans.push([start, start + value.length]);
  }
  for (const m of text.matchAll(SWEDISH))
    if (swedishPersonnummerValid(`${m[1]}${m[2]}`) || centuryDated(m[0], m[1] as string))
      spans.push([m.index, m.index + m[0].length]);
  for (const m of text.matchAll(ESTONIAN_AFTER_NAME)) {
    const value = m[1] as string;
    if (!estonianDateValid(value)) continue;
    const start = m.index + m[0].length - value.length;
    spans.push([start, start + value.length]);
  }
  for (const m of text.matchAll(ESTONIAN))
    if (estonianIsikukoodValid(m[0])) spans.push([m.index, m.index + m[0].length]);
  for (const m of text.matchAll(NORWEGIAN))
    if (norwegianFodselsnummerValid(`${m[1]}${m[2]}`)) spans.push([m.index, m.index + m[0].length]);
  return spans.sort((a, b) => a[0] - b[0]);
}

/**
 * A Nordic or Estonian identity number after its name, in RE2 syntax for the release guard
 * (DuckDB; JavaScript reads it alike), which cannot compute check digits: the name is enough
 * there ("isikukood 37605030299", "CPR-nr. 3112891234", "fødselsnummer 15038510190").
 */
export const RE2_NAMED_IDENTITY_NUMBER = `(^|[^0-9A-Za-zÅÄÖåäöÉéÜüØøÆæ])(${anyCase(
  "personnummer|personnr|p-?nr|samordningsnummer|fødselsnummer|fødselsnr|d-nummer|cpr(-?(nummer|nr)\\.?)?|estonian id code",
)}|${anyCase("isikukood")}[a-zA-ZõÕ]*)[ \t]*[:.]?[ \t]*((19|20)?[0-9]{6}[ \t]?[-+]?[ \t]?[0-9]{4,5})($|[^0-9A-Za-z])`;
