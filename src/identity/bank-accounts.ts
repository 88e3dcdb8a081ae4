/**
 * Bank account numbers written as IBANs (FI21 1234 5600 0007 85, DE89 3704 0044 0532 0130 00):
 * a country code, two check digits and the account, in groups of four or run together. An IBAN
 * is a person's when it is in a note (a refund, a fee), and it is known by its own check: the
 * ISO 7064 mod-97 remainder is 1, which a lab code or a reference number of that shape seldom
 * gives (1 in 97), so no label is needed.
 */

// Grouped by four with single spaces, or unbroken; 15 to 34 characters in all.
const IBAN =
  /(?<![\p{L}\p{N}])[A-Z]{2}[0-9]{2}(?:(?: [A-Z0-9]{4}){2,7}(?: [A-Z0-9]{1,3})?|[A-Z0-9]{11,30})(?![\p{L}\p{N}])/gu;

/** Whether an IBAN's characters (no spaces) pass its mod-97 check. */
export function ibanValid(compact: string): boolean {
  if (!/^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$/.test(compact)) return false;
  const moved = compact.slice(4) + compact.slice(0, 4);
  let remainder = 0;
  for (const c of moved) {
    const value = c >= "A" ? String(c.charCodeAt(0) - 55) : c;
    for (const d of value) remainder = (remainder * 10 + Number(d)) % 97;
  }
  return remainder === 1;
}

/** The spans of valid IBANs in text order. */
export function ibanSpans(text: string): Array<[number, number]> {
  const spans: Array<[number, number]> = [];
  for (const m of text.matchAll(IBAN))
    if (ibanValid(m[0].replace(/ /g, ""))) spans.push([m.index, m.index + m[0].length]);
  return spans;
}
