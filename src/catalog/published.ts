import type { Shown } from "../disclosure/engine.js";
import { emptyCell, type MeasuredCell, measureGroupedCells } from "../disclosure/measure.js";
import type { Published } from "../disclosure/published.js";
import type { Lake } from "../lake/lake.js";
import { ident, join, type Sql, sql } from "../lake/sql.js";
import type { TableMeta, VariableMeta } from "./metadata.js";
import type { TableProfile, VariableProfile } from "./profile.js";

/**
 * The catalog's published figures: every count of persons a researcher sees is a person-set cell
 * (the table's persons, each year's, each variable's persons with a value, each listed value's,
 * each measurement code's), measured at refresh and disclosed through the catalog ledger
 * (`publishCells`, scope "catalog"), stored next to the exact profile. Stewards read the exact one.
 */
export interface DisclosedProfile {
  /** The disclosure policy the figures were made under (`kaivo-sdc/2 k=5 ...`). */
  policy: string;
  /** Null for a table without persons (units, hospitals). */
  persons: Shown | null;
  /** Persons per year of the event column. */
  perYear: Record<string, Shown>;
  variables: Record<string, DisclosedVariable>;
  /** Per `code` + SEP + `unit`: persons with the code, and persons with a value of it. */
  measurements?: Record<string, { persons: Shown; withValue: Shown }>;
  /** Per code: persons per year. */
  measurementYears?: Record<string, Record<string, Shown>>;
}

export interface DisclosedVariable {
  /** Persons with a value (null: a table without persons). */
  persons: Shown | null;
  /**
   * Every value of a categorical variable ever published (the list is chosen from these by
   * disclosed counts, see present.ts): a value whose people all left keeps its figure.
   */
  values?: Record<string, Shown | null>;
  /** Distinct values, mean and quantiles as published (kept while the figures are held). */
  stats?: Pick<VariableProfile, "distinct" | "mean" | "quantiles">;
}

/** Registry figures for the published catalog (HealthDCAT-AP), per snapshot. */
export interface RegistryPublished {
  registry: string;
  policy: string;
  persons: Shown;
  perYear: Record<string, Shown>;
  lastLoad: string | null;
}

/** Separates the parts of a cell ID (no table, variable or code has it). */
export const SEP = "\u001f";

export const tableCellPrefix = (t: { registry: string; table: string }) =>
  `${t.registry}.${t.table}`;
export const registryCellPrefix = (registry: string) => `registry${SEP}${registry}`;

/** Adds an empty cell for each expected ID no one is in. */
function withUniverse(cells: Map<string, MeasuredCell>, ids: Iterable<string>) {
  for (const id of ids) if (!cells.has(id)) cells.set(id, emptyCell());
  return cells;
}

const label = (...parts: Sql[]) => join(parts, sql` || ${SEP} || `);

/**
 * The person-set cells of one table's profile, measured in one scan: every year, every variable's
 * persons with a value, every value of a categorical variable (those in the data, those published
 * before, and the whole code list when it is small), every measurement code and unit. IDs are
 * `registry.table` SEP kind SEP ....
 */
export async function measureTableCells(
  lake: Lake,
  table: TableMeta,
  variables: VariableMeta[],
  from: Sql,
  previous: DisclosedProfile | undefined,
  smallCodeLists: Map<string, string[]>,
): Promise<Map<string, MeasuredCell>> {
  if (!table.personColumn) return new Map();
  const prefix = tableCellPrefix(table);
  const pid = sql`${ident(table.personColumn)} as pseudo_id`;
  const p = sql`${prefix}`;
  const parts: Sql[] = [sql`select ${label(p, sql`'persons'`)} as cell, ${pid} from ${from}`];
  const universe: string[] = [`${prefix}${SEP}persons`];
  if (table.eventColumn) {
    const e = ident(table.eventColumn);
    parts.push(
      sql`select ${label(p, sql`'year'`, sql`year(${e})::varchar`)}, ${pid} from ${from} and ${e} is not null`,
    );
    for (const y of Object.keys(previous?.perYear ?? {}))
      universe.push(`${prefix}${SEP}year${SEP}${y}`);
  }
  for (const v of variables) {
    const c = ident(v.variable);
    parts.push(
      sql`select ${label(p, sql`'var'`, sql`${v.variable}`)}, ${pid} from ${from} and ${c} is not null`,
    );
    universe.push(`${prefix}${SEP}var${SEP}${v.variable}`);
    if (!v.categorical) continue;
    parts.push(
      sql`select ${label(p, sql`'value'`, sql`${v.variable}`, sql`${c}::varchar`)}, ${pid} from ${from} and ${c} is not null`,
    );
    const known = [
      ...Object.keys(previous?.variables[v.variable]?.values ?? {}),
      ...(v.codeSystem ? (smallCodeLists.get(v.codeSystem) ?? []) : []),
    ];
    for (const value of known)
      universe.push(`${prefix}${SEP}value${SEP}${v.variable}${SEP}${value}`);
  }
  const m = table.measurement;
  if (m) {
    const code = ident(m.code);
    const unit = sql`coalesce(${ident(m.unit)}::varchar, '')`;
    parts.push(
      sql`select ${label(p, sql`'measure'`, sql`${code}::varchar`, unit)}, ${pid} from ${from} and ${code} is not null`,
      sql`select ${label(p, sql`'measure-value'`, sql`${code}::varchar`, unit)}, ${pid} from ${from} and ${code} is not null and ${ident(m.value)} is not null`,
    );
    for (const key of Object.keys(previous?.measurements ?? {}))
      universe.push(
        `${prefix}${SEP}measure${SEP}${key}`,
        `${prefix}${SEP}measure-value${SEP}${key}`,
      );
    if (table.eventColumn) {
      const e = ident(table.eventColumn);
      parts.push(
        sql`select ${label(p, sql`'measure-year'`, sql`${code}::varchar`, sql`year(${e})::varchar`)}, ${pid} from ${from} and ${code} is not null and ${e} is not null`,
      );
      for (const [c, years] of Object.entries(previous?.measurementYears ?? {}))
        for (const y of Object.keys(years))
          universe.push(`${prefix}${SEP}measure-year${SEP}${c}${SEP}${y}`);
    }
  }
  const cells = await measureGroupedCells(lake, join(parts, sql` union all `));
  // A code with people but no value has persons with a value too: none.
  for (const id of [...cells.keys(), ...universe])
    if (id.startsWith(`${prefix}${SEP}measure${SEP}`))
      universe.push(id.replace(`${SEP}measure${SEP}`, `${SEP}measure-value${SEP}`));
  return withUniverse(cells, universe);
}

/**
 * The person-set cells of a registry in the published catalog: its persons across its tables and
 * per year. `union` lists (pseudo_id, event_date) of its tables without the opted-out.
 */
export async function measureRegistryCells(
  lake: Lake,
  registry: string,
  union: Sql,
  previous: RegistryPublished | undefined,
): Promise<Map<string, MeasuredCell>> {
  const prefix = registryCellPrefix(registry);
  const p = sql`${prefix}`;
  const cells = await measureGroupedCells(
    lake,
    sql`select ${label(p, sql`'persons'`)} as cell, pseudo_id from (${union})
        union all select ${label(p, sql`'year'`, sql`year(event_date)::varchar`)}, pseudo_id from (${union}) where event_date is not null`,
  );
  return withUniverse(cells, [
    `${prefix}${SEP}persons`,
    ...Object.keys(previous?.perYear ?? {}).map((y) => `${prefix}${SEP}year${SEP}${y}`),
  ]);
}

/** The cells under a prefix, by the rest of their ID split at SEP. */
function cellsUnder(published: ReadonlyMap<string, Published>, prefix: string) {
  const out: Array<{ parts: string[]; cell: Published }> = [];
  const start = `${prefix}${SEP}`;
  for (const [id, cell] of published)
    if (id.startsWith(start)) out.push({ parts: id.slice(start.length).split(SEP), cell });
  return out;
}

/**
 * A table's published figures from its published cells. Distinct values, means and quantiles are
 * kept from the previous publication when `holdStats` (a refresh of the same snapshot after the
 * opt-out register changed) and the variable's persons figure stood: else they would show what
 * one person's values did to a mean.
 */
export function disclosedTable(
  table: TableMeta,
  exact: TableProfile,
  published: ReadonlyMap<string, Published>,
  policy: string,
  previous: DisclosedProfile | undefined,
  holdStats: boolean,
): DisclosedProfile {
  const prefix = tableCellPrefix(table);
  const statsOf = (v: VariableProfile) => {
    const s: DisclosedVariable["stats"] = {};
    if (v.distinct !== undefined) s.distinct = v.distinct;
    if (v.mean !== undefined) s.mean = v.mean;
    if (v.quantiles !== undefined) s.quantiles = v.quantiles;
    return s;
  };
  if (!table.personColumn) {
    // Units and hospitals: no persons to count; the values (names) are listed without counts.
    return {
      policy,
      persons: null,
      perYear: {},
      variables: Object.fromEntries(
        Object.entries(exact.variables).map(([name, v]) => [
          name,
          {
            persons: null,
            ...(v.top ? { values: Object.fromEntries(v.top.map((t) => [t.value, null])) } : {}),
            stats: statsOf(v),
          },
        ]),
      ),
    };
  }
  const shownOf = (id: string): Shown => {
    const cell = published.get(id);
    if (!cell) throw new Error(`The catalog cell ${id.split(SEP).join(".")} was not published.`);
    return cell.shown;
  };
  const out: DisclosedProfile = {
    policy,
    persons: shownOf(`${prefix}${SEP}persons`),
    perYear: {},
    variables: Object.fromEntries(
      Object.keys(exact.variables).map((name) => [
        name,
        { persons: shownOf(`${prefix}${SEP}var${SEP}${name}`) },
      ]),
    ),
  };
  const held = new Set<string>();
  const measurements: NonNullable<DisclosedProfile["measurements"]> = {};
  const measurementYears: NonNullable<DisclosedProfile["measurementYears"]> = {};
  for (const { parts, cell } of cellsUnder(published, prefix)) {
    const [kind, a = "", b = "", ...rest] = parts;
    if (kind === "year") out.perYear[a] = cell.shown;
    else if (kind === "var" && cell.held) held.add(a);
    else if (kind === "value") {
      const v = out.variables[a];
      if (v) {
        const values = v.values ?? {};
        values[[b, ...rest].join(SEP)] = cell.shown;
        v.values = values;
      }
    } else if (kind === "measure") {
      const key = `${a}${SEP}${b}`;
      measurements[key] = {
        persons: cell.shown,
        withValue: shownOf(`${prefix}${SEP}measure-value${SEP}${key}`),
      };
    } else if (kind === "measure-year") {
      const years = measurementYears[a] ?? {};
      years[b] = cell.shown;
      measurementYears[a] = years;
    }
  }
  if (table.measurement) {
    out.measurements = measurements;
    out.measurementYears = measurementYears;
  }
  for (const [name, v] of Object.entries(exact.variables)) {
    const d = out.variables[name] as DisclosedVariable;
    const before = previous?.variables[name]?.stats;
    d.stats = holdStats && held.has(name) && before ? before : statsOf(v);
  }
  return out;
}

export function registryPublished(
  registry: string,
  published: ReadonlyMap<string, Published>,
  policy: string,
  lastLoad: string | null,
): RegistryPublished {
  const prefix = registryCellPrefix(registry);
  const persons = published.get(`${prefix}${SEP}persons`);
  if (!persons) throw new Error(`The catalog figures of registry ${registry} were not published.`);
  const out: RegistryPublished = {
    registry,
    policy,
    persons: persons.shown,
    perYear: {},
    lastLoad,
  };
  for (const { parts, cell } of cellsUnder(published, prefix))
    if (parts[0] === "year" && parts[1] !== undefined) out.perYear[parts[1]] = cell.shown;
  return out;
}
