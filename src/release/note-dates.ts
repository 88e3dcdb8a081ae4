/**
 * Dates written inside note text, moved by the person's release date shift (`date + shift`, as
 * the release moves every date column). Pure: no I/O, no clock. See docs/deidentification.md,
 * "Dates in notes", for what is shifted, what is left as written and what makes a date
 * unshiftable.
 */

export interface NoteDateResult {
  text: string;
  /** Date mentions rewritten (with a shift of 0 they are rewritten to themselves). */
  shifted: number;
  /** Date mentions that could not be shifted safely; they are left as written. */
  unshiftable: number;
}

export interface NoteDateContext {
  /** The note's own date (`YYYY-MM-DD`, unshifted): the year of a day and month written alone. */
  noteDate?: string | null;
}

const DAY_MS = 86_400_000;

interface Ymd {
  y: number;
  m: number;
  d: number;
}

/** A real calendar date, or undefined (31.4., 29.2. of a common year). */
function valid(y: number, m: number, d: number): Ymd | undefined {
  if (m < 1 || m > 12 || d < 1 || d > 31) return undefined;
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d
    ? { y, m, d }
    : undefined;
}

function addDays(date: Ymd, days: number): Ymd {
  const t = new Date(Date.UTC(date.y, date.m - 1, date.d) + days * DAY_MS);
  return { y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: t.getUTCDate() };
}

function parseIso(day: string | null | undefined): Ymd | undefined {
  const m = day ? /^(\d{4})-(\d{2})-(\d{2})/.exec(day) : null;
  return m ? valid(Number(m[1]), Number(m[2]), Number(m[3])) : undefined;
}

/**
 * A day and month without a year, shifted. The year matters only when the shift crosses the end
 * of February, so when a leap and a common year agree the answer is certain. Otherwise the
 * date is read as the occurrence nearest the note's own date (within half a year, as a clinician
 * writes "15.4." for a day near the note); with no note date it is unshiftable.
 */
function shiftDayMonth(
  d: number,
  m: number,
  shift: number,
  context: NoteDateContext,
): { d: number; m: number } | undefined {
  const common = valid(2019, m, d);
  const leap = valid(2020, m, d);
  if (common && leap) {
    const a = addDays(common, shift);
    const b = addDays(leap, shift);
    if (a.d === b.d && a.m === b.m) return { d: a.d, m: a.m };
  }
  const note = parseIso(context.noteDate);
  if (!note) return undefined;
  const noteMs = Date.UTC(note.y, note.m - 1, note.d);
  let best: Ymd | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const y of [note.y - 1, note.y, note.y + 1]) {
    const c = valid(y, m, d);
    if (!c) continue;
    const distance = Math.abs(Date.UTC(c.y, c.m - 1, c.d) - noteMs) / DAY_MS;
    if (distance < bestDistance) [best, bestDistance] = [c, distance];
  }
  if (!best || bestDistance > 183) return undefined;
  const moved = addDays(best, shift);
  return { d: moved.d, m: moved.m };
}

/**
 * A two-digit year is 19yy or 20yy; both have the same leap years except 1900 and 2000, so the
 * shift is certain unless the two readings disagree (a shift across the end of February of '00).
 */
function shiftTwoDigitYear(d: number, m: number, yy: number, shift: number): Ymd | undefined {
  const a = valid(1900 + yy, m, d);
  const b = valid(2000 + yy, m, d);
  if (!a || !b) return undefined;
  const sa = addDays(a, shift);
  const sb = addDays(b, shift);
  if (sa.d !== sb.d || sa.m !== sb.m || sa.y % 100 !== sb.y % 100) return undefined;
  return { y: sa.y % 100, m: sa.m, d: sa.d };
}

const pad2 = (n: number) => String(n).padStart(2, "0");

// Month names, January first, in the forms they are written with a day or a year.
const FI_PARTITIVE = [
  "tammikuuta",
  "helmikuuta",
  "maaliskuuta",
  "huhtikuuta",
  "toukokuuta",
  "kesäkuuta",
  "heinäkuuta",
  "elokuuta",
  "syyskuuta",
  "lokakuuta",
  "marraskuuta",
  "joulukuuta",
];
const FI_STEMS = FI_PARTITIVE.map((w) => w.slice(0, -2));
const FI_INESSIVE = FI_STEMS.map((s) => `${s}ssa`);
const SV_MONTHS = [
  "januari",
  "februari",
  "mars",
  "april",
  "maj",
  "juni",
  "juli",
  "augusti",
  "september",
  "oktober",
  "november",
  "december",
];
const EN_MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];
const EN_SHORT = [
  "Jan",
  "Feb",
  "Mar",
  "Apr",
  "May",
  "Jun",
  "Jul",
  "Aug",
  "Sep",
  "Oct",
  "Nov",
  "Dec",
];

/** Which month a written name is, and how to write another month the same way. */
interface MonthName {
  month: number;
  write: (month: number) => string;
}

function sameCase(original: string, word: string): string {
  if (original === original.toUpperCase() && original !== original.toLowerCase())
    return word.toUpperCase();
  if (original[0] === original[0]?.toUpperCase())
    return (word[0]?.toUpperCase() ?? "") + word.slice(1);
  return word;
}

function lookup(lists: string[][], written: string): MonthName | undefined {
  const lower = written.toLowerCase().replace(/\.$/, "");
  for (const list of lists) {
    const i = list.findIndex((w) => w.toLowerCase() === lower);
    if (i >= 0) return { month: i + 1, write: (m) => sameCase(written, list[m - 1] as string) };
  }
  // "Sept" is September in the short English form.
  if (lower === "sept")
    return { month: 9, write: (m) => sameCase(written, EN_SHORT[m - 1] as string) };
  return undefined;
}

function ordinal(n: number): string {
  if (n % 100 >= 11 && n % 100 <= 13) return "th";
  return ["th", "st", "nd", "rd"][n % 10] ?? "th";
}

const alt = (words: string[]) => words.join("|");
const capitalised = (word: string) => (word[0]?.toUpperCase() ?? "") + word.slice(1);
const NOT_LETTER_BEFORE = "(?<![\\p{L}\\d])";
const NOT_LETTER_AFTER = "(?![\\p{L}\\d])";
const EN_NAMES = `${alt(EN_MONTHS)}|Sept|${alt(EN_SHORT)}`;
const YEAR = "((?:18|19|20|21)\\d\\d)";

/** One form of date: where it is, and its replacement (undefined: unshiftable). */
interface Form {
  pattern: RegExp;
  rewrite: (m: RegExpExecArray, shift: number, ctx: Ctx) => string | undefined | null;
}

interface Ctx extends NoteDateContext {
  /** The note writes its numeric dates with leading zeros (`05.03.2020`). */
  padded: boolean;
  text: string;
}

/**
 * Rewrites a mention written as day (and month name) and perhaps a year: with a year it is a
 * full date, without one it goes through `shiftDayMonth`.
 */
function rewriteNamed(
  day: number,
  month: number,
  year: string | undefined,
  shift: number,
  ctx: Ctx,
  write: (d: number, m: number, y: number | undefined) => string,
): string | undefined | null {
  if (year) {
    const date = valid(Number(year), month, day);
    if (!date) return undefined;
    const s = addDays(date, shift);
    return write(s.d, s.m, s.y);
  }
  if (!valid(2020, month, day)) return undefined;
  const s = shiftDayMonth(day, month, shift, ctx);
  return s ? write(s.d, s.m, undefined) : undefined;
}

/** A month and year: moved as the 15th of that month would be (see docs/deidentification.md). */
function rewriteMonthYear(month: number, year: number, shift: number) {
  return addDays({ y: year, m: month, d: 15 }, shift);
}

const FORMS: Form[] = [
  // ISO 8601, perhaps with a time (the time of day stays: the shift is in whole days).
  {
    pattern: /(?<![\d-])(\d{4})-(\d{2})-(\d{2})(?!\d)/gu,
    rewrite: (m, shift) => {
      const date = valid(Number(m[1]), Number(m[2]), Number(m[3]));
      if (!date) return Number(m[1]) >= 1800 && Number(m[1]) <= 2199 ? undefined : null;
      const s = addDays(date, shift);
      return `${s.y}-${pad2(s.m)}-${pad2(s.d)}`;
    },
  },
  // Slashed dates: 3/4/2020 is 3 April in Europe and 4 March in the US, so never certain.
  {
    pattern: /(?<![\d/])\d{1,2}\/\d{1,2}\/(?:\d{4}|\d{2})(?![\d/])/gu,
    rewrite: () => undefined,
  },
  // Finnish numeric: every maximal run of dot-separated digit groups, classified as a whole so
  // that versions (1.2.3), decimals (12.5) and times (12.30) are never read as dates.
  {
    pattern: /(?<![\d.])\d+(?:\.\d+)*\.?/gu,
    rewrite: (m, shift, ctx) => {
      const run = m[0];
      const trailingDot = run.endsWith(".");
      const groups = (trailingDot ? run.slice(0, -1) : run).split(".");
      if (groups.length === 3) {
        const [ds, ms, ys] = groups as [string, string, string];
        if (ds.length > 2 || ms.length > 2) return null;
        const d = Number(ds);
        const mo = Number(ms);
        const tail = trailingDot ? "." : "";
        const fmt = (x: number, original: string) =>
          ctx.padded || original.startsWith("0") ? pad2(x) : String(x);
        if (rangeStartBefore(ctx.text, m.index)) return undefined;
        if (ys.length === 4) {
          const y = Number(ys);
          const date = valid(y, mo, d);
          if (!date) return y >= 1800 && y <= 2199 ? undefined : null;
          const s = addDays(date, shift);
          return `${fmt(s.d, ds)}.${fmt(s.m, ms)}.${s.y}${tail}`;
        }
        if (ys.length === 2) {
          if (!valid(2000, mo, d)) return null;
          const s = shiftTwoDigitYear(d, mo, Number(ys), shift);
          return s ? `${fmt(s.d, ds)}.${fmt(s.m, ms)}.${pad2(s.y)}${tail}` : undefined;
        }
        return null;
      }
      if (groups.length === 2 && trailingDot) {
        const [ds, ms] = groups as [string, string];
        if (ds.length > 2 || ms.length > 2) return null;
        const d = Number(ds);
        const mo = Number(ms);
        if (!valid(2020, mo, d)) return null;
        // "klo 10.05." is a time of day, whatever follows it.
        if (TIME_CUE.test(ctx.text.slice(Math.max(0, m.index - 8), m.index))) return null;
        // A decimal may end a sentence ("Hb 12.5. Jatketaan"): there it cannot be told apart.
        const after = ctx.text.slice(m.index + run.length);
        if (/^\s*(?:$|\p{Lu})/u.test(after)) return undefined;
        if (rangeStartBefore(ctx.text, m.index)) return undefined;
        const s = shiftDayMonth(d, mo, shift, ctx);
        const fmt = (x: number, original: string) =>
          ctx.padded || original.startsWith("0") ? pad2(x) : String(x);
        return s ? `${fmt(s.d, ds)}.${fmt(s.m, ms)}.` : undefined;
      }
      return null;
    },
  },
  // Finnish: 5. toukokuuta 2020, 5. toukokuuta.
  {
    pattern: new RegExp(
      `${NOT_LETTER_BEFORE}(\\d{1,2})(\\.\\s*)(${alt(FI_PARTITIVE)})${NOT_LETTER_AFTER}(?:(\\s+)${YEAR}(?!\\d))?`,
      "giu",
    ),
    rewrite: (m, shift, ctx) => {
      const name = lookup([FI_PARTITIVE], m[3] as string) as MonthName;
      return rewriteNamed(Number(m[1]), name.month, m[5], shift, ctx, (d, mo, y) =>
        y === undefined
          ? `${d}${m[2]}${name.write(mo)}`
          : `${d}${m[2]}${name.write(mo)}${m[4]}${y}`,
      );
    },
  },
  // Swedish and English, day first: 5 maj 2020, 5 May 2020, 5th of May, 5 maj.
  {
    pattern: new RegExp(
      `${NOT_LETTER_BEFORE}(\\d{1,2})(st|nd|rd|th|:e|:a)?\\s+(?:of\\s+)?(${alt(SV_MONTHS)}|${alt(SV_MONTHS.map(capitalised))}|${EN_NAMES})(\\.)?${NOT_LETTER_AFTER}(,?\\s+${YEAR}(?!\\d))?`,
      "gu",
    ),
    rewrite: (m, shift, ctx) => {
      const written = m[3] as string;
      // Swedish writes months in lower case, English capitalised.
      const swedish = written === written.toLowerCase();
      const name = lookup(
        swedish ? [SV_MONTHS] : [EN_MONTHS, EN_SHORT, SV_MONTHS],
        written,
      ) as MonthName;
      const suffix = m[2];
      const prefix = m[0].slice(0, m[0].indexOf(written));
      const between = prefix.replace(/^\d{1,2}(st|nd|rd|th|:e|:a)?/, "");
      const yearSep = m[5] ? (m[5].match(/^,?\s+/)?.[0] ?? " ") : "";
      return rewriteNamed(Number(m[1]), name.month, m[6], shift, ctx, (d, mo, y) => {
        const daySuffix = suffix === undefined ? "" : suffix.startsWith(":") ? suffix : ordinal(d);
        return `${d}${daySuffix}${between}${name.write(mo)}${m[4] ?? ""}${y === undefined ? "" : `${yearSep}${y}`}`;
      });
    },
  },
  // English, month first: May 5, 2020; May 5th 2020; May 5.
  {
    pattern: new RegExp(
      `${NOT_LETTER_BEFORE}(${EN_NAMES})(\\.)?\\s+(\\d{1,2})(st|nd|rd|th)?(?!\\d)(?:(,?\\s+)${YEAR}(?!\\d))?`,
      "gu",
    ),
    rewrite: (m, shift, ctx) => {
      const name = lookup([EN_MONTHS, EN_SHORT], m[1] as string) as MonthName;
      const space = m[0].slice((m[1] as string).length + (m[2]?.length ?? 0)).match(/^\s+/)?.[0];
      return rewriteNamed(Number(m[3]), name.month, m[6], shift, ctx, (d, mo, y) => {
        const suffix = m[4] === undefined ? "" : ordinal(d);
        const head = `${name.write(mo)}${m[2] ?? ""}${space ?? " "}${d}${suffix}`;
        return y === undefined ? head : `${head}${m[5] ?? " "}${y}`;
      });
    },
  },
  // A month and a year: toukokuussa 2020, toukokuu 2020, maj 2020, May 2020.
  {
    pattern: new RegExp(
      `${NOT_LETTER_BEFORE}(${alt(FI_INESSIVE)}|${alt(FI_STEMS)}|${alt(SV_MONTHS)}|${alt(EN_MONTHS)}|Sept|${alt(EN_SHORT)})(\\.)?(,?\\s+)${YEAR}(?!\\d)`,
      "giu",
    ),
    rewrite: (m, shift) => {
      const written = m[1] as string;
      const lower = written.toLowerCase();
      const inessive = FI_INESSIVE.indexOf(lower);
      const stem = FI_STEMS.indexOf(lower);
      let name: MonthName | undefined;
      if (inessive >= 0)
        name = {
          month: inessive + 1,
          write: (mo) => sameCase(written, FI_INESSIVE[mo - 1] as string),
        };
      else if (stem >= 0)
        name = { month: stem + 1, write: (mo) => sameCase(written, FI_STEMS[mo - 1] as string) };
      else {
        // English month names are capitalised; a lower-case "may 2020" is a verb and a number.
        const english = written[0] === written[0]?.toUpperCase();
        name = lookup(english ? [EN_MONTHS, EN_SHORT] : [SV_MONTHS], written);
        if (!name && english) name = lookup([SV_MONTHS], written);
      }
      if (!name) return null;
      const s = rewriteMonthYear(name.month, Number(m[4]), shift);
      return `${name.write(s.m)}${m[2] ?? ""}${m[3]}${s.y}`;
    },
  },
];

/** The words before a time of day: Finnish `klo`, `kello`, Swedish `kl.`. */
const TIME_CUE = /(?<!\p{L})(?:klo|kello|kl)\.?\s*$/iu;

/** A date preceded by the open start of a range ("1.–3.5.2020"): the start has no month. */
function rangeStartBefore(text: string, index: number): boolean {
  return /(?<![\d.])\d{1,2}\.\s*[-–]\s*$/u.test(text.slice(Math.max(0, index - 12), index));
}

/**
 * Every date in `text` moved by `shiftDays` (the person's release shift, `date + shift`). A date
 * that cannot be shifted safely is left as written and counted, for the release to refuse.
 * Ages ("62-vuotias") are left: an age is the distance between two dates, and the release moves
 * every date of a person, the birth date too, by the same shift.
 */
export function shiftDatesInText(
  text: string,
  shiftDays: number,
  context: NoteDateContext = {},
): NoteDateResult {
  if (!Number.isInteger(shiftDays))
    throw new TypeError(`Not a whole number of days: ${shiftDays}.`);
  const ctx: Ctx = {
    ...context,
    text,
    padded: /(?<![\d.])0\d\.\d{1,2}\.|(?<![\d.])\d{1,2}\.0\d\./u.test(text),
  };
  interface Hit {
    start: number;
    end: number;
    replacement: string | undefined;
  }
  const hits: Hit[] = [];
  for (const form of FORMS) {
    form.pattern.lastIndex = 0;
    for (let m = form.pattern.exec(text); m; m = form.pattern.exec(text)) {
      const replacement = form.rewrite(m, shiftDays, ctx);
      if (replacement !== null)
        hits.push({ start: m.index, end: m.index + m[0].length, replacement });
    }
  }
  // Overlaps: the earliest mention wins, then the longest (5. toukokuuta 2020 over 5.).
  hits.sort((a, b) => a.start - b.start || b.end - a.end);
  let out = "";
  let at = 0;
  let shifted = 0;
  let unshiftable = 0;
  for (const hit of hits) {
    if (hit.start < at) continue;
    out += text.slice(at, hit.start);
    if (hit.replacement === undefined) {
      unshiftable++;
      out += text.slice(hit.start, hit.end);
    } else {
      shifted++;
      out += hit.replacement;
    }
    at = hit.end;
  }
  out += text.slice(at);
  return { text: out, shifted, unshiftable };
}
