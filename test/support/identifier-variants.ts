// Written variants of identifiers that real notes hold (issue 16, part B). The identity code is
// the repo's synthetic 131052-308T.
export const DATES_AND_TIMES = [
  "1990-05-16",
  "1990-05-16 12:30:00",
  "2026-01-15T08:30:00Z",
  "16.5.1990",
  "16.05.1990",
  "12:30",
  "12.30",
  "08:00-09:30",
  "klo 08.05-09.15",
  "KAIVO-2026-0001",
];
export const HETU_VARIANTS = [
  "131052-308T",
  "131052\u2013308T", // en dash
  "131052\u2014308T", // em dash
  "131052\u2212308T", // minus sign
  "131052\u2010308T", // hyphen
  "131052\u2011308T", // non-breaking hyphen
  "131052 -308T",
  "131052- 308T",
  "131052 - 308T",
  "131052308T",
  "131052-308t",
  "131052308t",
];
export const PHONE_VARIANTS = [
  "(040) 123 4567",
  "+358 40 123 4567",
  "+358401234567",
  "040-1234567",
  "040 123 4567",
  "(555) 123-4567",
  "555-123-4567",
  "+1 555 123 4567",
];
