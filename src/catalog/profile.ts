import { Lake } from "../lake/lake.js";
import { EMPTY, ident, int, join, type Sql, sql } from "../lake/sql.js";
import type { Catalog } from "./catalog-store.js";
import type { TableMeta, VariableMeta } from "./metadata.js";
import type { DisclosedProfile } from "./published.js";

/**
 * What a table held at one snapshot. Counts are exact (stewards see them); `disclosed` holds the
 * figures everyone else sees, made at refresh through the disclosure engine (published.ts).
 */
export interface TableProfile {
  registry: string;
  table: string;
  loadId: number;
  rows: number;
  persons: number;
  firstEvent: string | null;
  lastEvent: string | null;
  perYear: Array<{ year: number; rows: number; persons: number }>;
  variables: Record<string, VariableProfile>;
  /** Measurement tables (labs): per code and unit. */
  measurements?: MeasurementProfile[];
  /** The published figures (absent in profiles made before the disclosure engine). */
  disclosed?: DisclosedProfile;
}

export interface VariableProfile {
  nonNull: number;
  /** Persons with a value (exact; set at refresh from the measured cells). */
  persons?: number;
  nullShare: number;
  /** Approximate (HyperLogLog) distinct values. */
  distinct?: number;
  min?: number | string | null;
  max?: number | string | null;
  mean?: number | null;
  quantiles?: { p05: number; p25: number; p50: number; p75: number; p95: number } | null;
  top?: Array<{ value: string; rows: number; persons: number }>;
}

export interface MeasurementProfile {
  code: string;
  unit: string | null;
  rows: number;
  persons: number;
  withValue: number;
  /** Persons with a value (exact; set at refresh from the measured cells). */
  personsWithValue?: number;
  first: string | null;
  last: string | null;
  perYear: Array<{ year: number; rows: number; persons: number }>;
}

const NUMERIC = new Set(["DOUBLE", "BIGINT", "INTEGER"]);
const TEMPORAL_SOURCE = new Set(["date", "dateTime", "instant"]);
const TOP_N = 10;

const num = (v: unknown) => (v === null || v === undefined ? 0 : Number(v));
const text = (v: unknown) => (v === null || v === undefined ? null : String(v));

function kind(v: VariableMeta): "numeric" | "temporal" | "json" | "other" {
  if (NUMERIC.has(v.type)) return "numeric";
  if (v.type === "DATE" || TEMPORAL_SOURCE.has(v.sourceType ?? "")) return "temporal";
  if (v.type === "JSON") return "json";
  return "other";
}

const personCountOf = (t: TableMeta) =>
  t.personColumn ? sql`count(distinct ${ident(t.personColumn)})` : sql`0`;
const eventOf = (t: TableMeta) => (t.eventColumn ? ident(t.eventColumn) : sql`null`);

/** The rows of a table as of a load, without the people who opted out (`_optouts`, see refresh). */
export function profileFrom(table: TableMeta, loadId: number): Sql {
  return sql`${Lake.qualified(table.registry, table.table)} where ${Lake.asOf(loadId)}${table.personColumn ? sql` and ${ident(table.personColumn)} not in (select pseudo_id from _optouts)` : EMPTY}`;
}

/** The variables a profile describes. */
export const profiledVariables = (variables: VariableMeta[]) =>
  variables.filter((v) => v.role === "value" || v.role === "key");

/** Profiles one table as of a load, in a few set-based queries. */
export async function profileTable(
  lake: Lake,
  table: TableMeta,
  variables: VariableMeta[],
  loadId: number,
): Promise<TableProfile> {
  const from = profileFrom(table, loadId);
  const profiled = profiledVariables(variables);
  const aggregates = profiled.flatMap((v, i) => {
    const c = ident(v.variable);
    const k = kind(v);
    const as = (name: string) => ident(`${name}${i}`);
    const parts = [sql`count(${c}) as ${as("n")}`];
    if (k !== "json") parts.push(sql`approx_count_distinct(${c}) as ${as("d")}`);
    if (k === "numeric")
      parts.push(
        sql`min(${c}) as ${as("min")}`,
        sql`max(${c}) as ${as("max")}`,
        sql`avg(${c}) as ${as("avg")}`,
        sql`quantile_cont(${c}, [0.05, 0.25, 0.5, 0.75, 0.95]) as ${as("q")}`,
      );
    if (k === "temporal")
      parts.push(sql`min(${c}) as ${as("min")}`, sql`max(${c}) as ${as("max")}`);
    return parts;
  });
  const person = personCountOf(table);
  const event = eventOf(table);
  const [head] = await lake.query(
    sql`select count(*) as rows, ${person} as persons, min(${event}) as first, max(${event}) as last
     ${aggregates.length ? sql`, ${join(aggregates)}` : EMPTY} from ${from}`,
  );
  const row = head ?? {};
  const rows = num(row.rows);
  const variableProfiles: Record<string, VariableProfile> = {};
  profiled.forEach((v, i) => {
    const nonNull = num(row[`n${i}`]);
    const p: VariableProfile = { nonNull, nullShare: rows ? 1 - nonNull / rows : 0 };
    if (row[`d${i}`] !== undefined) p.distinct = num(row[`d${i}`]);
    if (row[`min${i}`] !== undefined) {
      const numeric = kind(v) === "numeric";
      p.min = numeric
        ? row[`min${i}`] === null
          ? null
          : num(row[`min${i}`])
        : text(row[`min${i}`]);
      p.max = numeric
        ? row[`max${i}`] === null
          ? null
          : num(row[`max${i}`])
        : text(row[`max${i}`]);
    }
    if (row[`avg${i}`] !== undefined) {
      p.mean = row[`avg${i}`] === null ? null : num(row[`avg${i}`]);
      const qs = row[`q${i}`] as number[] | null;
      p.quantiles = qs
        ? { p05: num(qs[0]), p25: num(qs[1]), p50: num(qs[2]), p75: num(qs[3]), p95: num(qs[4]) }
        : null;
    }
    variableProfiles[v.variable] = p;
  });

  for (const v of profiled.filter((v) => v.categorical)) {
    const c = ident(v.variable);
    const top = await lake.query(
      sql`select ${c}::varchar as value, count(*) as n, ${person} as p from ${from} and ${c} is not null
       group by 1 order by n desc, value limit ${int(TOP_N)}`,
    );
    const profile = variableProfiles[v.variable];
    if (profile)
      profile.top = top.map((t) => ({ value: String(t.value), rows: num(t.n), persons: num(t.p) }));
  }

  const perYear = table.eventColumn
    ? (
        await lake.query(
          sql`select year(${event}) as y, count(*) as n, ${person} as p from ${from} and ${event} is not null group by 1 order by 1`,
        )
      ).map((r) => ({ year: num(r.y), rows: num(r.n), persons: num(r.p) }))
    : [];

  const profile: TableProfile = {
    registry: table.registry,
    table: table.table,
    loadId,
    rows,
    persons: num(row.persons),
    firstEvent: text(row.first),
    lastEvent: text(row.last),
    perYear,
    variables: variableProfiles,
  };
  if (table.measurement) profile.measurements = await profileMeasurements(lake, table, from);
  return profile;
}

async function profileMeasurements(
  lake: Lake,
  table: TableMeta,
  from: Sql,
): Promise<MeasurementProfile[]> {
  const m = table.measurement;
  if (!m) return [];
  const code = ident(m.code);
  const event = eventOf(table);
  const person = personCountOf(table);
  const byUnit = await lake.query(
    sql`select ${code}::varchar as code, ${ident(m.unit)}::varchar as unit, count(*) as n, ${person} as p,
            count(${ident(m.value)}) as v, min(${event}) as first, max(${event}) as last
     from ${from} and ${code} is not null group by 1, 2 order by 1, n desc`,
  );
  const years = await lake.query(
    sql`select ${code}::varchar as code, year(${event}) as y, count(*) as n, ${person} as p
     from ${from} and ${code} is not null and ${event} is not null group by 1, 2 order by 1, 2`,
  );
  const perCode = new Map<string, MeasurementProfile["perYear"]>();
  for (const r of years) {
    const list = perCode.get(String(r.code)) ?? [];
    list.push({ year: num(r.y), rows: num(r.n), persons: num(r.p) });
    perCode.set(String(r.code), list);
  }
  return byUnit.map((r) => ({
    code: String(r.code),
    unit: text(r.unit),
    rows: num(r.n),
    persons: num(r.p),
    withValue: num(r.v),
    first: text(r.first),
    last: text(r.last),
    perYear: perCode.get(String(r.code)) ?? [],
  }));
}

/** Tables a load added, changed or closed rows in. */
export async function tablesChangedIn(
  lake: Lake,
  catalog: Catalog,
  loadId: number,
): Promise<TableMeta[]> {
  const changed: TableMeta[] = [];
  for (const t of catalog.tables) {
    const [r] = await lake.query(
      sql`select count(*) as n from ${Lake.qualified(t.registry, t.table)} where load_from = ${int(loadId)} or load_to = ${int(loadId)}`,
    );
    if (num(r?.n) > 0) changed.push(t);
  }
  return changed;
}

/** The profile of a table as of a load (latest by default): the one from the last load that changed it. */
export async function profileAsOf(
  lake: Lake,
  registry: string,
  table: string,
  loadId?: number,
): Promise<TableProfile | undefined> {
  const [r] = await lake.query(
    sql`select profile from _catalog.profiles where registry = ${registry} and table_name = ${table}
     ${loadId === undefined ? EMPTY : sql`and load_id <= ${int(Math.trunc(loadId))}`} order by load_id desc limit 1`,
  );
  return r ? (JSON.parse(String(r.profile)) as TableProfile) : undefined;
}
