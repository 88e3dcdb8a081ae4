/**
 * The Finnish personal identity code (henkilötunnus, "hetu"): DDMMYY, a century sign, a
 * three-digit individual number and a check character. Since 2023 the 1900s may also be signed
 * Y X W V U and the 2000s B C D E F; the sign is part of the identity (two people can differ
 * only by it), so it is never normalised away.
 */

const CHECK_CHARS = "0123456789ABCDEFHJKLMNPRSTUVWXY";

const CENTURY_BY_SIGN: Record<string, number> = {
  "+": 1800,
  "-": 1900,
  Y: 1900,
  X: 1900,
  W: 1900,
  V: 1900,
  U: 1900,
  A: 2000,
  B: 2000,
  C: 2000,
  D: 2000,
  E: 2000,
  F: 2000,
};

export const CENTURY_SIGNS = Object.keys(CENTURY_BY_SIGN);

/** The identifier system of the Finnish personal identity code. */
export const HETU_SYSTEM = "urn:oid:1.2.246.21";

/**
 * Anything shaped like a hetu, valid check character or not, in any letter case. Used to keep
 * identifiers out of logs and text, where a mistyped code is as identifying as a correct one.
 */
const HETU_LIKE_SOURCE =
  "(?<![0-9A-Za-z])(?:0[1-9]|[12]\\d|3[01])(?:0[1-9]|1[0-2])\\d\\d[-+A-FU-Ya-fu-y]\\d{3}[0-9A-Ya-y](?![0-9A-Za-z])";
const HETU_LIKE = new RegExp(HETU_LIKE_SOURCE);

/** A fresh global pattern for scanning or replacing every hetu-like string in a text. */
export function hetuLikePattern(): RegExp {
  return new RegExp(HETU_LIKE_SOURCE, "g");
}

export interface Hetu {
  readonly code: string;
  readonly birthDate: string;
  readonly sex: "male" | "female";
  /** Individual number 900-999: a temporary code given before a permanent one exists. */
  readonly temporary: boolean;
}

export type HetuResult = { ok: true; hetu: Hetu } | { ok: false; reason: string };

export function checkCharacter(datePart: string, individualNumber: string): string {
  const n = Number.parseInt(datePart + individualNumber, 10);
  return CHECK_CHARS[n % 31] as string;
}

/** Validates a hetu. Reasons never echo the code itself, so they are safe to log. */
export function parseHetu(input: string): HetuResult {
  const m = /^(\d{2})(\d{2})(\d{2})([-+A-FU-Y])(\d{3})([0-9A-Y])$/.exec(input);
  if (!m) return { ok: false, reason: "not in the form DDMMYYCNNNQ" };
  const [, dd, mm, yy, sign, individual, check] = m as unknown as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const year = (CENTURY_BY_SIGN[sign] as number) + Number(yy);
  const month = Number(mm);
  const day = Number(dd);
  const date = new Date(Date.UTC(year, month - 1, day));
  if (
    date.getUTCFullYear() !== year ||
    date.getUTCMonth() !== month - 1 ||
    date.getUTCDate() !== day
  ) {
    return { ok: false, reason: "date part is not a calendar date" };
  }
  const individualNumber = Number(individual);
  if (individualNumber < 2)
    return { ok: false, reason: "individual number 000 and 001 are not used" };
  if (checkCharacter(dd + mm + yy, individual) !== check) {
    return { ok: false, reason: "check character does not match" };
  }
  return {
    ok: true,
    hetu: {
      code: input,
      birthDate: `${String(year).padStart(4, "0")}-${mm}-${dd}`,
      sex: individualNumber % 2 === 1 ? "male" : "female",
      temporary: individualNumber >= 900,
    },
  };
}

/**
 * Why a person identifier cannot be used as the person key, or undefined if it can. Hetu rules
 * apply only to the hetu system; any other configured system needs a non-empty value.
 */
export function personIdentifierProblem(system: string, value: unknown): string | undefined {
  if (typeof value !== "string" || value.trim() === "") return "no person identifier";
  if (system !== HETU_SYSTEM) return undefined;
  const parsed = parseHetu(value);
  return parsed.ok ? undefined : `invalid identity code: ${parsed.reason}`;
}

export function containsHetuLike(text: string): boolean {
  return HETU_LIKE.test(text);
}
