/**
 * Characters that can hide or rewrite text on a terminal: C0 and C1 controls (ESC starts ANSI
 * sequences, CR overwrites a line), DEL, line and paragraph separators, bidirectional controls
 * (which reorder what a reviewer reads), zero-width characters and the byte order mark.
 */
const UNSAFE_SOURCE =
  "[\\u0000-\\u001f\\u007f-\\u009f\\u061c\\u200b-\\u200f\\u2028-\\u202e\\u2066-\\u2069\\ufeff]";
const UNSAFE_ALL = new RegExp(UNSAFE_SOURCE, "g");
const UNSAFE_ANY = new RegExp(UNSAFE_SOURCE);

const visible = (c: string) => `\\u{${(c.codePointAt(0) as number).toString(16)}}`;

/** User text as it may be printed: every unsafe character shown as a visible `\u{..}` escape. */
export function printable(text: string): string {
  return text.replace(UNSAFE_ALL, visible);
}

/** The first character `printable` would escape, as `U+001B`; such text is refused as a name. */
export function firstUnsafeCharacter(text: string): string | undefined {
  const found = UNSAFE_ANY.exec(text)?.[0];
  return found === undefined
    ? undefined
    : `U+${(found.codePointAt(0) as number).toString(16).toUpperCase().padStart(4, "0")}`;
}
