import type { Role } from "../auth/roles.js";
import type { Shown } from "../disclosure/engine.js";
import { seesExactCounts } from "../disclosure/rules.js";
import type { MeasurementProfile, TableProfile, VariableProfile } from "./profile.js";
import { type DisclosedProfile, type DisclosedVariable, SEP } from "./published.js";

/**
 * A profile as a role may see it. Stewards see it as stored (exact). Everyone else sees the
 * figures published at refresh (published.ts): every count is of persons and went through the
 * disclosure engine (cell-key perturbation, `<k` below k, the catalog ledger); row counts are not
 * shown (docs/disclosure.md, Catalog); shares are computed from the disclosed counts; minimum
 * and maximum (one person's value) are left out, and means and quantiles when the persons behind
 * them read `<k`; the time span is the first and last year whose disclosed persons reach k.
 */
export type ShownProfile = StewardProfile | ResearcherProfile;

export interface StewardProfile extends Omit<TableProfile, "disclosed" | "measurements"> {
  exact: true;
  policy: string | null;
  measurements?: Array<MeasurementProfile & { valueShare: number }>;
}

export interface ResearcherVariable {
  /** Persons with a value. */
  persons: Shown | null;
  /** Share of the table's persons with no value, from the disclosed counts. */
  missingShare: number | null;
  distinct?: number;
  mean?: number | null;
  quantiles?: VariableProfile["quantiles"];
  /** The values with the most persons, by disclosed count; every value when there are few. */
  top?: Array<{ value: string; persons: Shown | null }>;
}

export interface ResearcherMeasurement {
  code: string;
  unit: string | null;
  persons: Shown;
  /** Persons with a value of the code. */
  withValue: Shown;
  /** withValue / persons, from the disclosed counts. */
  valueShare: number | null;
  first: string | null;
  last: string | null;
  perYear: Array<{ year: number; persons: Shown }>;
}

export interface ResearcherProfile {
  registry: string;
  table: string;
  loadId: number;
  exact: false;
  /** The disclosure policy the figures were made under; null: not published yet. */
  policy: string | null;
  /** Row counts are shown to stewards only. */
  rows: null;
  persons: Shown | null;
  firstEvent: string | null;
  lastEvent: string | null;
  perYear: Array<{ year: number; persons: Shown }>;
  variables: Record<string, ResearcherVariable>;
  measurements?: ResearcherMeasurement[];
}

const TOP_N = 10;
const isNumber = (s: Shown | null | undefined): s is number => typeof s === "number";

function share(part: Shown | null | undefined, whole: Shown | null | undefined): number | null {
  if (!isNumber(part) || !isNumber(whole) || whole === 0) return null;
  return Math.round(Math.min(1, Math.max(0, part / whole)) * 1000) / 1000;
}

/** The first or last year whose disclosed persons reach k (a number, not `<k`), as `YYYY`. */
function extentYear(perYear: Record<string, Shown>, end: "first" | "last"): string | null {
  const years = Object.entries(perYear)
    .filter(([, s]) => isNumber(s))
    .map(([y]) => Number(y));
  if (years.length === 0) return null;
  return String(end === "first" ? Math.min(...years) : Math.max(...years));
}

const byYear = (perYear: Record<string, Shown>) =>
  Object.entries(perYear)
    .map(([year, persons]) => ({ year: Number(year), persons }))
    .sort((a, b) => a.year - b.year);

/**
 * The listed values: with at most TOP_N values ever published, every one of them (so the number
 * listed says nothing); else the TOP_N with the largest disclosed counts. Both depend on
 * disclosed figures only, which one person's leaving does not move.
 */
function topValues(values: Record<string, Shown | null>) {
  const all = Object.entries(values).map(([value, persons]) => ({ value, persons }));
  const order = (a: (typeof all)[number], b: (typeof all)[number]) =>
    (isNumber(b.persons) ? b.persons : -1) - (isNumber(a.persons) ? a.persons : -1) ||
    (a.value < b.value ? -1 : a.value > b.value ? 1 : 0);
  if (all.length <= TOP_N) return all.sort(order);
  return all
    .filter((v) => isNumber(v.persons) || v.persons === null)
    .sort(order)
    .slice(0, TOP_N);
}

function researcherVariable(
  v: DisclosedVariable,
  tablePersons: Shown | null,
  role: VariableProfile | undefined,
  isKey: boolean,
): ResearcherVariable {
  const out: ResearcherVariable = {
    persons: v.persons,
    missingShare: (() => {
      const s = share(v.persons, tablePersons);
      return s === null ? null : Math.round((1 - s) * 1000) / 1000;
    })(),
  };
  const stats = v.stats ?? {};
  // A key's distinct values are its rows, which researchers are not shown.
  if (stats.distinct !== undefined && !isKey) out.distinct = stats.distinct;
  const enough = v.persons === null || isNumber(v.persons);
  if (stats.mean !== undefined) out.mean = enough ? stats.mean : null;
  if (stats.quantiles !== undefined) out.quantiles = enough ? stats.quantiles : null;
  if (v.values) out.top = topValues(v.values);
  else if (role?.top) out.top = [];
  return out;
}

function researcherProfile(p: TableProfile, keys: Set<string>): ResearcherProfile {
  const d: DisclosedProfile | undefined = p.disclosed;
  const base = {
    registry: p.registry,
    table: p.table,
    loadId: p.loadId,
    exact: false as const,
    rows: null,
  };
  if (!d)
    return {
      ...base,
      policy: null,
      persons: null,
      firstEvent: null,
      lastEvent: null,
      perYear: [],
      variables: {},
    };
  const out: ResearcherProfile = {
    ...base,
    policy: d.policy,
    persons: d.persons,
    firstEvent: extentYear(d.perYear, "first"),
    lastEvent: extentYear(d.perYear, "last"),
    perYear: byYear(d.perYear),
    variables: Object.fromEntries(
      Object.entries(d.variables).map(([name, v]) => [
        name,
        researcherVariable(v, d.persons, p.variables[name], keys.has(name)),
      ]),
    ),
  };
  if (d.measurements) {
    out.measurements = Object.entries(d.measurements)
      .map(([key, m]) => {
        const [code = "", unit = ""] = key.split(SEP);
        const years = d.measurementYears?.[code] ?? {};
        return {
          code,
          unit: unit === "" ? null : unit,
          persons: m.persons,
          withValue: m.withValue,
          valueShare: share(m.withValue, m.persons),
          first: extentYear(years, "first"),
          last: extentYear(years, "last"),
          perYear: byYear(years),
        };
      })
      .sort((a, b) =>
        a.code === b.code
          ? (isNumber(b.persons) ? b.persons : -1) - (isNumber(a.persons) ? a.persons : -1)
          : a.code < b.code
            ? -1
            : 1,
      );
  }
  return out;
}

/** `keys`: the table's key variables (record IDs), whose distinct counts are row counts. */
export function discloseProfile(
  p: TableProfile,
  role: Role,
  keys: Set<string> = new Set(),
): ShownProfile {
  if (!seesExactCounts(role)) return researcherProfile(p, keys);
  const { disclosed, measurements, ...exact } = p;
  return {
    ...exact,
    exact: true,
    policy: disclosed?.policy ?? null,
    ...(measurements
      ? {
          measurements: measurements.map((m) => ({
            ...m,
            valueShare: m.rows ? m.withValue / m.rows : 0,
          })),
        }
      : {}),
  };
}
