/**
 * The one source of the identifier patterns: the ingest scrubber, free-text checks and the
 * release guard all build theirs from these cores. Cores use only syntax that JavaScript and RE2
 * (DuckDB's regex engine) read alike; each engine adds its own edges, since RE2 has no
 * look-behind.
 */

// Dashes people type or paste from word processors: hyphen, en and em dash, minus, small and
// full-width hyphen-minus. A hetu written with any of them is still the person's code.
export const UNICODE_DASHES = "\u2010-\u2015\u2212\uFE58\uFE63\uFF0D";

const DATE6 = "(?:0[1-9]|[12][0-9]|3[01])(?:0[1-9]|1[0-2])[0-9]{2}";

/** A hetu with its century sign or a dash, spaces allowed around it ("131052 -308T"). */
export const HETU_SEPARATED = `${DATE6}[ \\t]{0,2}[-+A-FU-Ya-fu-y${UNICODE_DASHES}][ \\t]{0,2}[0-9]{3}[0-9A-Ya-y]`;

/**
 * A hetu with no sign at all ("131052308T"). Ten characters of digits are often something else,
 * so the scrubber takes it only when the check character validates; the guard, which cannot
 * compute it, only when the check character is a letter.
 */
export const HETU_UNSEPARATED = `(${DATE6})([0-9]{3})([0-9A-Ya-y])`;
const HETU_UNSEPARATED_LETTER = `${DATE6}[0-9]{3}[A-FHJ-NPR-Ya-fhj-npr-y]`;

/**
 * Phone numbers: Finnish (0x / (0x) / +358) and international (+CC) digit groups separated by
 * spaces or dashes, and US forms ((555) 123-4567, 555-123-4567).
 */
export const PHONE_CORE = [
  "\\+[1-9][0-9]{0,2}[ -]?[0-9]{1,4}(?:[ -]?[0-9]{2,5}){1,3}",
  "(?:\\(0[0-9]{1,2}\\)|0[0-9]{1,2})(?:[ -]?[0-9]{2,5}){1,3}",
  "(?:\\([0-9]{3}\\) ?|[0-9]{3}-)[0-9]{3}-[0-9]{4}",
].join("|");

export const EMAIL_CORE = "[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\\.[A-Za-z0-9-]+)*\\.[A-Za-z]{2,}";

const CODE_EDGE = "0-9A-Za-z";
// A digit group right after a date or time mark (1990-05-16, 16.05.1990, 08:00-09:30) is part of
// the date or time: phone numbers neither start after nor run into one of these.
const DATE_MARKS = ".,:/-";

/** JavaScript patterns (global) for scanning and replacing. */
export const JS_PATTERNS = {
  hetuSeparated: () => new RegExp(`(?<![${CODE_EDGE}])${HETU_SEPARATED}(?![${CODE_EDGE}])`, "g"),
  hetuUnseparated: () =>
    new RegExp(`(?<![${CODE_EDGE}])${HETU_UNSEPARATED}(?![${CODE_EDGE}])`, "g"),
  phone: () =>
    new RegExp(
      `(?<![${CODE_EDGE}${DATE_MARKS}])(?:${PHONE_CORE})(?![${CODE_EDGE}]|[${DATE_MARKS}][0-9])`,
      "g",
    ),
  email: () => new RegExp(EMAIL_CORE, "g"),
};

const re2Edged = (core: string, edge: string, marks = "") => {
  const after = marks ? `|[${marks}]($|[^0-9])` : "";
  return `(^|[^${edge}${marks}])(${core})($|[^${edge}${marks}]${after})`;
};

/** The same patterns in RE2 syntax, for DuckDB's regexp_matches: edges are explicit groups. */
export const RE2_PATTERNS = {
  hetu: re2Edged(`${HETU_SEPARATED}|${HETU_UNSEPARATED_LETTER}`, CODE_EDGE),
  phone: re2Edged(PHONE_CORE, CODE_EDGE, DATE_MARKS),
  email: EMAIL_CORE,
};
