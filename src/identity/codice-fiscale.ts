/**
 * The Italian codice fiscale (RSSMRA85R50H501L): surname and given-name letters, year, month
 * letter, day (plus 40 for women), place code and a check letter. Patients from Italy carry it
 * on their health card (tessera sanitaria), so it is a direct identifier. The shape alone is
 * distinctive; the scrubber takes it only when the check letter validates.
 */
const MONTHS = "ABCDEHLMPRST";
const SHAPE = `[A-Z]{6}[0-9]{2}[${MONTHS}][0-7][0-9][A-Z][0-9]{3}[A-Z]`;

// Values of a character in an odd position (1st, 3rd, …): digits as the letter in their place.
const ODD = [
  1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23,
];

const value = (c: string) => {
  const code = c.charCodeAt(0);
  return code <= 57 ? code - 48 : code - 65;
};

/** The check letter of the first fifteen characters. */
export function codiceFiscaleCheck(first15: string): string {
  let sum = 0;
  for (const [i, c] of [...first15].entries())
    sum += i % 2 === 0 ? (ODD[value(c)] as number) : value(c);
  return String.fromCharCode(65 + (sum % 26));
}

// After its name the shape is enough, as for record numbers after their label: a mistyped check
// letter does not make it any less the person's code.
const LABEL = "(?:codice fiscale|cod\\. ?fisc\\.|C\\.F\\.|CF|tessera sanitaria)";
const CODICE = new RegExp(
  `(?<![0-9A-Za-z])(${LABEL}[ \t]*:?[ \t]*)?(${SHAPE})(?![0-9A-Za-z])`,
  "gi",
);

/** The spans of codici fiscali in a text (valid, or after their name), in text order. */
export function codiceFiscaleSpans(text: string): Array<[number, number]> {
  const spans: Array<[number, number]> = [];
  for (const m of text.matchAll(CODICE)) {
    const code = m[2] as string;
    if (code !== code.toUpperCase()) continue;
    if (!m[1] && codiceFiscaleCheck(code.slice(0, 15)) !== code[15]) continue;
    const start = m.index + m[0].length - code.length;
    spans.push([start, start + code.length]);
  }
  return spans;
}

/** The shape in RE2 syntax for the release guard, which cannot compute the check letter. */
export const RE2_CODICE_FISCALE = `(^|[^0-9A-Za-z])(${SHAPE})($|[^0-9A-Za-z])`;
