import { Lake } from "../lake/lake.js";
import type { Catalog } from "./catalog-store.js";
import type { TableMeta, VariableMeta } from "./metadata.js";

/** What a table held at one snapshot. Counts are exact; disclosure control applies when shown. */
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
}

export interface VariableProfile {
  nonNull: number;
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
  first: string | null;
  last: string | null;
  perYear: Array<{ year: number; rows: number; persons: number }>;
}

const NUMERIC = new Set(["DOUBLE", "BIGINT", "INTEGER"]);
const TEMPORAL_SOURCE = new Set(["date", "dateTime", "instant"]);
const TOP_N = 10;

const q = (name: string) => `"${name.replace(/"/g, '""')}"`;
const num = (v: unknown) => (v === null || v === undefined ? 0 : Number(v));
const text = (v: unknown) => (v === null || v === undefined ? null : String(v));

function kind(v: VariableMeta): "numeric" | "temporal" | "json" | "other" {
  if (NUMERIC.has(v.type)) return "numeric";
  if (v.type === "DATE" || TEMPORAL_SOURCE.has(v.sourceType ?? "")) return "temporal";
  if (v.type === "JSON") return "json";
  return "other";
}

/** Profiles one table as of a load, in a few set-based queries. */
export async function profileTable(
  lake: Lake,
  table: TableMeta,
  variables: VariableMeta[],
  loadId: number,
): Promise<TableProfile> {
  // People who opted out of secondary use are left out of every figure (`_optouts`, see refresh).
  const from = `${Lake.qualified(table.registry, table.table)} where ${Lake.asOf(loadId)}${table.personColumn ? ` and ${q(table.personColumn)} not in (select pseudo_id from _optouts)` : ""}`;
  const profiled = variables.filter((v) => v.role === "value" || v.role === "key");
  const aggregates = profiled.flatMap((v, i) => {
    const c = q(v.variable);
    const k = kind(v);
    const parts = [`count(${c}) as n${i}`];
    if (k !== "json") parts.push(`approx_count_distinct(${c}) as d${i}`);
    if (k === "numeric")
      parts.push(
        `min(${c}) as min${i}`,
        `max(${c}) as max${i}`,
        `avg(${c}) as avg${i}`,
        `quantile_cont(${c}, [0.05, 0.25, 0.5, 0.75, 0.95]) as q${i}`,
      );
    if (k === "temporal") parts.push(`min(${c}) as min${i}`, `max(${c}) as max${i}`);
    return parts;
  });
  const person = table.personColumn ? `count(distinct ${q(table.personColumn)})` : "0";
  const event = table.eventColumn ? q(table.eventColumn) : "null";
  const [head] = await lake.rows(
    `select count(*) as rows, ${person} as persons, min(${event}) as first, max(${event}) as last
     ${aggregates.length ? `, ${aggregates.join(", ")}` : ""} from ${from}`,
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

  const personCount = table.personColumn ? `count(distinct ${q(table.personColumn)})` : "0";
  for (const v of profiled.filter((v) => v.categorical)) {
    const c = q(v.variable);
    const top = await lake.rows(
      `select ${c}::varchar as value, count(*) as n, ${personCount} as p from ${from} and ${c} is not null
       group by 1 order by n desc, value limit ${TOP_N}`,
    );
    const profile = variableProfiles[v.variable];
    if (profile)
      profile.top = top.map((t) => ({ value: String(t.value), rows: num(t.n), persons: num(t.p) }));
  }

  const perYear = table.eventColumn
    ? (
        await lake.rows(
          `select year(${event}) as y, count(*) as n, ${personCount} as p from ${from} and ${event} is not null group by 1 order by 1`,
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
  from: string,
): Promise<MeasurementProfile[]> {
  const m = table.measurement;
  if (!m) return [];
  const code = q(m.code);
  const event = table.eventColumn ? q(table.eventColumn) : "null";
  const person = table.personColumn ? `count(distinct ${q(table.personColumn)})` : "0";
  const byUnit = await lake.rows(
    `select ${code}::varchar as code, ${q(m.unit)}::varchar as unit, count(*) as n, ${person} as p,
            count(${q(m.value)}) as v, min(${event}) as first, max(${event}) as last
     from ${from} and ${code} is not null group by 1, 2 order by 1, n desc`,
  );
  const years = await lake.rows(
    `select ${code}::varchar as code, year(${event}) as y, count(*) as n, ${person} as p
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
    const [r] = await lake.rows(
      `select count(*) as n from ${Lake.qualified(t.registry, t.table)} where load_from = ${loadId} or load_to = ${loadId}`,
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
  const [r] = await lake.rows(
    `select profile from _catalog.profiles where registry = $registry and table_name = $table
     ${loadId === undefined ? "" : `and load_id <= ${Math.trunc(loadId)}`} order by load_id desc limit 1`,
    { registry, table },
  );
  return r ? (JSON.parse(String(r.profile)) as TableProfile) : undefined;
}
