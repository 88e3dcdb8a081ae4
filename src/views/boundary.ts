/**
 * lowBoundary() and highBoundary() for date, dateTime and time, as SQL on FHIR expects them:
 * a dateTime without a zone takes the widest one (+14:00 low, -12:00 high). fhirpath.js leaves
 * the zone off, so Kaivo supplies these; decimals keep fhirpath.js's own (see boundaryOfNumber).
 */

type Kind = "date" | "dateTime" | "time";

const DATE = /^(\d{4})(?:-(\d\d)(?:-(\d\d))?)?$/;
const DATETIME =
  /^(\d{4})(?:-(\d\d)(?:-(\d\d)(?:T(\d\d)(?::(\d\d)(?::(\d\d)(?:\.(\d+))?)?)?)?)?)?(Z|[+-]\d\d:\d\d)?$/;
const TIME = /^(\d\d)(?::(\d\d)(?::(\d\d)(?:\.(\d+))?)?)?$/;

const pad = (n: number, w = 2) => String(n).padStart(w, "0");

function lastDay(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** The boundary of a date, dateTime or time string; undefined if the value is not one. */
export function temporalBoundary(
  value: string,
  kind: Kind,
  high: boolean,
  precision?: number,
): string | undefined {
  if (kind === "time") {
    const m = TIME.exec(value);
    if (!m) return undefined;
    const [h, mi, s, ms] = [
      m[1],
      m[2] ?? (high ? "59" : "00"),
      m[3] ?? (high ? "59" : "00"),
      m[4] ?? (high ? "999" : "000"),
    ];
    const full = `${h}:${mi}:${s}.${ms.padEnd(3, "0").slice(0, 3)}`;
    return cut(full, precision, { 2: 2, 4: 5, 6: 8, 9: 12 });
  }
  const m = (kind === "date" ? DATE : DATETIME).exec(value);
  if (!m) return undefined;
  const year = Number(m[1]);
  const month = m[2] ? Number(m[2]) : high ? 12 : 1;
  const day = m[3] ? Number(m[3]) : high ? lastDay(year, month) : 1;
  const date = `${pad(year, 4)}-${pad(month)}-${pad(day)}`;
  if (kind === "date") return cut(date, precision ?? 8, { 4: 4, 6: 7, 8: 10 });
  const time = `${m[4] ?? (high ? "23" : "00")}:${m[5] ?? (high ? "59" : "00")}:${m[6] ?? (high ? "59" : "00")}.${(m[7] ?? (high ? "999" : "000")).padEnd(3, "0").slice(0, 3)}`;
  const zone = m[8] ?? (high ? "-12:00" : "+14:00");
  const p = precision ?? 17;
  if (p <= 8) return cut(date, p, { 4: 4, 6: 7, 8: 10 });
  return `${date}T${cut(time, p - 8, { 2: 2, 4: 5, 6: 8, 9: 12 })}${zone}`;
}

function cut(
  text: string | undefined,
  precision: number | undefined,
  lengths: Record<number, number>,
): string | undefined {
  if (text === undefined) return undefined;
  if (precision === undefined) return text;
  const length = lengths[precision];
  return length === undefined ? undefined : text.slice(0, length);
}
