/**
 * Identifiers that no label or person's record announces, known by their shape: a vehicle's
 * registration after a word for the vehicle ("rekisteri ABC-123", "Invataksi XYZ-987"), reference
 * codes of samples, referrals, prescriptions and claims (L2024-0034871, RTG-24-991823,
 * IF-CLM-2024-334455, E98765432) and long runs of digits (a Kela card's 17). Clinical codes have
 * fewer digits (ICD-10 S72.0, ATC C09AA05, CA-125, COVID-19), so six digits are the line.
 */

// Words after which a short letters-and-digits code is a registration plate ("kuljetti ajoneuvoa
// KLM-392").
// The plate as Finland, Sweden and Britain write them: ABC-123, ABC 123, ABC 12D, KX21 ABF.
const VEHICLE_CUE =
  /(?<![\p{L}])(?:rekisteri(?:numero|nro|tunnus|kilpi)?|rek\.? ?(?:nro|nr|no)|auto(?:ssa|on|lla|n|a|sta)?|\p{L}*ajoneuvo(?:a|n|lla|ssa|sta|on)?|moottoripyörä(?:llä|n|ä)?|mopo(?:lla|n|a)?|fordon(?:et)?|motorcykel|motorcycle|motorbike|van|truck|lorry|taksi(?:ssa|n)?|invataksi|ambulanssi(?:ssa|n)?|registreringsnummer|registreringsnr|reg\.? ?nr|bil(?:en)?|taxi|invataxi|ambulans|vehicle|car|licen[cs]e plate|plate|registration)(?:[ \t]+(?:nro|nr|no|number|nummer|numero|reg|registration)\.?)?[ \t]*[:#]?[ \t]*([A-ZÅÄÖ]{2,3}-[0-9]{1,3}|[A-Z]{3} ?[0-9]{2}[A-Z0-9]|[A-Z]{2}[0-9]{2} ?[A-Z]{3})(?![\p{L}\p{N}-])/giu;

// A prefix of letters (and further letter groups) before digit groups: RE-8812-4403-27; after
// a prefix of two groups a space may come before the digits (FI-AK 12345678).
const PREFIXED_CODE =
  /(?<![\p{L}\p{N}-])[A-ZÅÄÖ]{1,4}(?:(?:-[A-ZÅÄÖ]{2,4})+[ -]?|-?)[0-9]+(?:-[0-9A-Z]+)*(?![\p{L}\p{N}]|-[0-9])/gu;
const MIN_CODE_DIGITS = 6;

// A run of twelve digits or more is no phone number, date or measurement.
const LONG_DIGITS = /(?<![\p{L}\p{N}])[0-9]{12,}(?![\p{L}\p{N}])/gu;

/** The spans of such codes in text order (they may overlap what other detectors find). */
export function referenceCodeSpans(text: string): Array<[number, number]> {
  const spans: Array<[number, number]> = [];
  for (const m of text.matchAll(VEHICLE_CUE)) {
    const plate = m[1] as string;
    // The cue is read in any case, the plate only in capitals.
    if (plate !== plate.toUpperCase()) continue;
    const start = m.index + m[0].length - plate.length;
    spans.push([start, start + plate.length]);
  }
  for (const m of text.matchAll(PREFIXED_CODE))
    if (m[0].replace(/[^0-9]/g, "").length >= MIN_CODE_DIGITS)
      spans.push([m.index, m.index + m[0].length]);
  for (const m of text.matchAll(LONG_DIGITS)) spans.push([m.index, m.index + m[0].length]);
  return spans.sort((a, b) => a[0] - b[0]);
}

/**
 * Reference codes in RE2 syntax for the release guard: a prefix of capitals and a group of six
 * digits or more, or groups of which one has four digits (RE2 cannot count digits over groups as
 * the scrubber does), or a run of twelve digits or more.
 */
export const RE2_REFERENCE_CODE =
  "(^|[^0-9A-Za-zÅÄÖåäö+-])([A-ZÅÄÖ]{1,4}(-?|(-[A-ZÅÄÖ]{2,4})+[ -]?)([0-9]{6,}|[0-9]{2,}(-[0-9]{2,})*-[0-9]{4,}|[0-9]{4,}(-[0-9]{2,})+)|[0-9]{12,})($|[^0-9A-Za-zÅÄÖåäö])";
