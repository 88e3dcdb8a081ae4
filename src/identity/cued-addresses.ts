import {
  FINNISH_MUNICIPALITIES,
  NORDIC_TOWNS,
  SWEDISH_NAMES_IN_FINLAND,
} from "./municipalities.js";
import { foldName } from "./name-forms.js";

/**
 * Addresses that only the words before them make one, and the towns a bracketed word is not a
 * nickname of. A town alone ("asuu Salossa", "bor i Åbo") is not scrubbed: like an age or a
 * date it is a quasi-identifier, which the permit's variables and output checking govern, not a
 * direct identifier (docs/deidentification.md, "Towns").
 */

const words = (list: string) => list.trim().split(/\s+/);
const TOWNS = new Set(
  [
    ...words(FINNISH_MUNICIPALITIES),
    ...words(SWEDISH_NAMES_IN_FINLAND),
    ...words(NORDIC_TOWNS),
  ].map((w) => foldName(w)),
);

/** Whether a word is the name of a town in the lists, as written (nominative). */
export const isTownName = (word: string): boolean => TOWNS.has(foldName(word));

// An address after words for living or staying at one, in any country's form: capitalised words
// and a house number, a postal code and town after it ("lives at Vinohradská 112, 130 00
// Prague"), and a named place before the street ("Staying at Hotel Arctic Light, Valtakatu 18").
const CAPITALISED_WORDS = "\\p{Lu}[\\p{L}'’.-]*(?:[ \\t]+\\p{Lu}[\\p{L}'’.-]*){0,3}";
const STREET_WITH_NUMBER = `${CAPITALISED_WORDS}[ \\t]+[0-9]{1,4}[A-Za-z]?(?![\\p{L}\\p{N}])`;
const POSTAL_AND_TOWN =
  "(?:,?[ \\t]+(?:[0-9]{3}[ \\t]?[0-9]{2}|[0-9]{4,5})[ \\t]+\\p{Lu}[\\p{L}-]+)?";
const ADDRESS_AFTER_CUE = new RegExp(
  `(?<![\\p{L}])(?:lives at|living at|resides at|residing at|staying at|stays at|bor på|bor i|boende på|asuu osoitteessa|osoitteessa)[ \\t]+((?:${CAPITALISED_WORDS},[ \\t]+)?${STREET_WITH_NUMBER}${POSTAL_AND_TOWN})`,
  "giu",
);

const CUE_MARK = /lives|living|resid|stay|bor |boende|osoitteessa/i;

/** Addresses after a word for living or staying at them, in text order. */
export function cuedAddressSpans(text: string): Array<[number, number]> {
  const spans: Array<[number, number]> = [];
  if (!CUE_MARK.test(text)) return spans;
  for (const m of text.matchAll(ADDRESS_AFTER_CUE)) {
    const value = m[1] as string;
    const start = m.index + m[0].length - value.length;
    spans.push([start, start + value.length]);
  }
  return spans;
}
