/**
 * How a `contains` filter finds its candidate notes in the word index (src/lake/word-index.ts)
 * while keeping its meaning, a case-insensitive substring. A word's every occurrence in a text
 * holds each run of letters of the word, and such a run lies inside one token of the text; where
 * the word has a separator (a space, a hyphen) next to the run, the token starts or ends there.
 * So the tokens matching the run's pattern, found in the small vocabulary, lead to a superset of
 * the matching notes, and the filter's own regular expression, run on those notes only, gives
 * exactly the answer of a full scan. A word that is a run of letters and nothing else needs no
 * second step: the notes its tokens lead to are the answer.
 */

/**
 * Letters a run may hold: ASCII letters and digits and Latin-1 to Latin Extended-B letters (å ä ö
 * é ü …), which JavaScript here and RE2 in DuckDB class alike (word-index.test.ts checks each).
 * Left out: × and ÷ (not letters) and İ, which lower() turns into an i that RE2 does not match
 * against İ. A word with no such letters (Greek, say) is matched by the full scan.
 */
const RUN_LETTER = /^[0-9A-Za-z\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u012F\u0131-\u024F]$/u;

/** ASCII that is no letter or digit: never part of a token, and no case folding makes it one. */
const SEPARATOR = /^[\x20-\x2F\x3A-\x40\x5B-\x60\x7B-\x7E]$/u;

/**
 * The pattern for the vocabulary that one word's occurrences must match a token of: the word's
 * longest run of letters, anchored at a side where a separator follows or precedes it in the
 * word. Undefined when the word has no run the index can look up.
 */
export function tokenPattern(word: string): string | undefined {
  const chars = Array.from(word);
  let best: { run: string; start: boolean; end: boolean; score: number } | undefined;
  for (let i = 0; i < chars.length; ) {
    if (!RUN_LETTER.test(chars[i] as string)) {
      i++;
      continue;
    }
    let j = i;
    while (j < chars.length && RUN_LETTER.test(chars[j] as string)) j++;
    const start = i > 0 && SEPARATOR.test(chars[i - 1] as string);
    const end = j < chars.length && SEPARATOR.test(chars[j] as string);
    // The longest run narrows the vocabulary most; an anchor breaks a tie.
    const score = (j - i) * 4 + Number(start) + Number(end);
    if (!best || score > best.score) best = { run: chars.slice(i, j).join(""), start, end, score };
    i = j;
  }
  if (!best) return undefined;
  return `${best.start ? "^" : ""}${best.run}${best.end ? "$" : ""}`;
}

/**
 * Whether a word is one run of letters: then a note contains it exactly when one of its folded
 * tokens does, and the index alone answers, without reading any text.
 */
export function isWholeRun(word: string): boolean {
  return Array.from(word).every((c) => RUN_LETTER.test(c));
}

/**
 * The case-insensitive pattern of vocabulary words that leads to every note containing one of the
 * words; undefined when a word cannot be looked up (then the filter scans every note).
 */
export function vocabularyPattern(words: readonly string[]): string | undefined {
  const patterns = words.map(tokenPattern);
  if (patterns.some((p) => p === undefined)) return undefined;
  return `(?i)(${[...new Set(patterns)].join("|")})`;
}
