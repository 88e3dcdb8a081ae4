/** Time helpers. Instants are epoch milliseconds; output is Finnish local time with its offset. */

export const DAY = 86_400_000;
export const YEAR = 365.25 * DAY;

function lastSundayUtc(year: number, month: number): number {
  const last = Date.UTC(year, month + 1, 0);
  return last - new Date(last).getUTCDay() * DAY;
}

/** Helsinki is UTC+2, and UTC+3 in EU summer time (last Sunday of March to last of October). */
export function helsinkiOffsetMinutes(ms: number): number {
  const year = new Date(ms).getUTCFullYear();
  const start = lastSundayUtc(year, 2) + 3_600_000;
  const end = lastSundayUtc(year, 9) + 3_600_000;
  return ms >= start && ms < end ? 180 : 120;
}

const pad = (n: number, w = 2) => String(n).padStart(w, "0");

/** e.g. 2024-03-05T10:23:00+02:00, as Finnish EHRs export. */
export function fhirDateTime(ms: number): string {
  const offset = helsinkiOffsetMinutes(ms);
  const local = new Date(ms + offset * 60_000);
  return (
    `${local.getUTCFullYear()}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}` +
    `T${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}` +
    `+${pad(offset / 60)}:00`
  );
}

/** The local calendar date, YYYY-MM-DD. */
export function fhirDate(ms: number): string {
  return fhirDateTime(ms).slice(0, 10);
}

/** The local calendar date as Finnish registries write it, DD.MM.YYYY. */
export function finnishDate(ms: number): string {
  const [y, m, d] = fhirDate(ms).split("-");
  return `${d}.${m}.${y}`;
}

export function localYear(ms: number): number {
  return Number(fhirDate(ms).slice(0, 4));
}

/** The instant of an export made on a day (YYYY-MM-DD): 23:59 local time. */
export function exportInstant(day: string): number {
  return parseDay(day) + DAY - 2 * 3_600_000 - 60_000;
}

export function parseDay(text: string): number {
  const ms = Date.parse(`${text}T00:00:00Z`);
  if (Number.isNaN(ms)) throw new Error(`not a date: ${text}`);
  return ms;
}

/** Whole years between two instants. */
export function ageAt(birth: number, at: number): number {
  const b = new Date(birth);
  const a = new Date(at);
  let age = a.getUTCFullYear() - b.getUTCFullYear();
  if (
    a.getUTCMonth() < b.getUTCMonth() ||
    (a.getUTCMonth() === b.getUTCMonth() && a.getUTCDate() < b.getUTCDate())
  )
    age--;
  return age;
}
