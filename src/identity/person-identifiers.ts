/**
 * The values of a person's identifiers (patient number, SSN, other systems' ids) as notes write
 * them: with or without dashes, dots and spaces, in any letter case. Values are compared by key:
 * their letters and digits in lower case. Keys with fewer than five digits are not kept or looked
 * for: they are as often counts, doses, years and room numbers, and every lookup is a keyed hash.
 */

const MIN_DIGITS = 5;
const hasEnoughDigits = (key: string) => key.replace(/[^0-9]/g, "").length >= MIN_DIGITS;

/** The key of an identifier value: letters and digits only, lower case ("123-45-6789" → "123456789"). */
export function identifierKey(value: string): string {
  return value.replace(/[^\p{L}\p{N}]/gu, "").toLocaleLowerCase("fi");
}

/** The keys of a Patient resource's identifier values, for the vault. */
export function patientIdentifierKeys(resource: Record<string, unknown>): string[] {
  const identifiers = resource.identifier as Array<{ value?: unknown }> | undefined;
  const keys = (identifiers ?? [])
    .map((i) => (typeof i?.value === "string" ? identifierKey(i.value) : ""))
    .filter(hasEnoughDigits);
  return [...new Set(keys)];
}

/** A predicate over keys for a list of identifier values, as the scrubber's isPersonIdentifier wants it. */
export function personIdentifierMatcher(values: Iterable<string>): (key: string) => boolean {
  const keys = new Set([...values].map(identifierKey));
  return (key) => keys.has(key);
}

// A run of chunks with digits (the first may have a letter prefix), joined by single dashes or
// spaces: "7700123456", "770 012 3456", "HBB-12345678". Dots, colons and slashes end a run: dates
// and times (16.05.1990, 12:30) would otherwise be looked up part by part in every note.
const CHUNK_RUN =
  /(?<![\p{L}\p{N}])(?:\p{L}{1,6}[-‐]?)?\p{N}[\p{L}\p{N}]*(?:[-– ][\p{L}\p{N}]*\p{N}[\p{L}\p{N}]*)*(?![\p{L}\p{N}])/gu;
const SEPARATOR = /[-– ]/gu;
// The most chunks one value is written in (a US SSN with spaces has three).
const MAX_CHUNKS = 6;

/**
 * The spans of a text that are one of the person's identifier values: every run of chunks, and
 * every part of it that starts and ends at a separator, is looked up by key; the longest found
 * from the left wins.
 */
export function identifierValueSpans(
  text: string,
  isPersonIdentifier: (key: string) => boolean,
): Array<[number, number]> {
  const spans: Array<[number, number]> = [];
  for (const run of text.matchAll(CHUNK_RUN)) {
    // Chunk boundaries as offsets into the run: starts and ends.
    const starts = [0];
    const ends: number[] = [];
    for (const sep of run[0].matchAll(SEPARATOR)) {
      ends.push(sep.index);
      starts.push(sep.index + 1);
    }
    ends.push(run[0].length);
    for (let a = 0; a < starts.length; a++) {
      for (let b = Math.min(ends.length - 1, a + MAX_CHUNKS - 1); b >= a; b--) {
        const part = run[0].slice(starts[a], ends[b]);
        const key = identifierKey(part);
        if (!hasEnoughDigits(key) || !isPersonIdentifier(key)) continue;
        spans.push([run.index + (starts[a] as number), run.index + (ends[b] as number)]);
        a = b; // continue after the found value
        break;
      }
    }
  }
  return spans;
}
