import type { Role } from "../auth/roles.js";
import {
  type DisclosureRule,
  type ShownCount,
  seesExactCounts,
  suppressSmall,
} from "../disclosure/rules.js";
import type { MeasurementProfile, TableProfile, VariableProfile } from "./profile.js";

/**
 * A profile as a role may see it. Stewards see it as stored. For everyone else every count of
 * rows or persons goes through the small-count rule; a share is shown only when neither it nor its
 * complement stands for a small count; minimum and maximum (one person's value) are left out, and
 * quantiles too when fewer than k values are behind them.
 */
export type ShownProfile = ReturnType<typeof discloseProfile>;

const small = (n: number, rule: DisclosureRule) => n > 0 && n < rule.minCount;

function safeShare(part: number, whole: number, rule: DisclosureRule): number | null {
  if (whole === 0) return 0;
  if (small(part, rule) || small(whole - part, rule)) return null;
  return Math.round((part / whole) * 1000) / 1000;
}

function discloseVariable(v: VariableProfile, rows: number, exact: boolean, rule: DisclosureRule) {
  if (exact) return v;
  const { min: _min, max: _max, quantiles, nonNull, nullShare: _share, top, ...rest } = v;
  return {
    ...rest,
    nonNull: suppressSmall(nonNull, rule),
    nullShare: safeShare(rows - nonNull, rows, rule),
    ...(quantiles !== undefined ? { quantiles: nonNull >= rule.minCount ? quantiles : null } : {}),
    ...(top
      ? {
          top: top.map((t) => ({
            value: t.value,
            rows: suppressSmall(t.rows, rule),
            persons: suppressSmall(t.persons, rule),
          })),
        }
      : {}),
  };
}

function discloseMeasurement(m: MeasurementProfile, exact: boolean, rule: DisclosureRule) {
  if (exact) return { ...m, valueShare: m.rows ? m.withValue / m.rows : 0 };
  return {
    code: m.code,
    unit: m.unit,
    rows: suppressSmall(m.rows, rule),
    persons: suppressSmall(m.persons, rule),
    withValue: suppressSmall(m.withValue, rule),
    valueShare: safeShare(m.withValue, m.rows, rule),
    first: m.first,
    last: m.last,
    perYear: m.perYear.map((y) => ({
      year: y.year,
      rows: suppressSmall(y.rows, rule),
      persons: suppressSmall(y.persons, rule),
    })),
  };
}

/** The first or last year with at least k people, as `YYYY`; null when there is none. */
function extentYear(p: TableProfile, rule: DisclosureRule, end: "first" | "last"): string | null {
  const years = p.perYear.filter((y) => y.persons >= rule.minCount).map((y) => y.year);
  if (years.length === 0) return null;
  return String(end === "first" ? Math.min(...years) : Math.max(...years));
}

export function discloseProfile(p: TableProfile, role: Role, rule: DisclosureRule) {
  const exact = seesExactCounts(role);
  const count = (n: number): ShownCount => (exact ? n : suppressSmall(n, rule));
  return {
    registry: p.registry,
    table: p.table,
    loadId: p.loadId,
    exact,
    rows: count(p.rows),
    persons: count(p.persons),
    // The first and last dates are single people's (the oldest person's birth): others see
    // years, and only years with at least k people in them.
    firstEvent: exact ? p.firstEvent : extentYear(p, rule, "first"),
    lastEvent: exact ? p.lastEvent : extentYear(p, rule, "last"),
    perYear: p.perYear.map((y) => ({
      year: y.year,
      rows: count(y.rows),
      persons: count(y.persons),
    })),
    variables: Object.fromEntries(
      Object.entries(p.variables).map(([name, v]) => [
        name,
        discloseVariable(v, p.rows, exact, rule),
      ]),
    ),
    ...(p.measurements
      ? { measurements: p.measurements.map((m) => discloseMeasurement(m, exact, rule)) }
      : {}),
  };
}
