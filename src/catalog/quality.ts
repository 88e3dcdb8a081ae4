import { Lake } from "../lake/lake.js";
import { date, ident, join, type Sql, sql } from "../lake/sql.js";
import type { Catalog } from "./catalog-store.js";
import type { TableMeta } from "./metadata.js";

/**
 * Data quality checks in the spirit of the OHDSI Data Quality Dashboard: conformance
 * (codes, units), completeness (persons without events) and plausibility (time order, physical
 * limits). Each check reports, per table, the rows (or persons) failing out of those checked.
 */
export interface QualityResult {
  check: string;
  registry: string;
  table: string;
  variable: string | null;
  failing: number;
  total: number;
  threshold: number;
  fatal: boolean;
}

export type QualityStatus = "pass" | "warn" | "fail";

export function share(r: Pick<QualityResult, "failing" | "total">): number {
  return r.total === 0 ? 0 : r.failing / r.total;
}

/** Over its threshold a check warns, or fails when it is fatal. */
export function status(r: QualityResult): QualityStatus {
  if (share(r) <= r.threshold) return "pass";
  return r.fatal ? "fail" : "warn";
}

interface CheckContext {
  lake: Lake;
  catalog: Catalog;
  loadId: number;
  /** The day the load was made: anything dated later is in the future. */
  loadDate: string;
  persons: { table: TableMeta; birth: string; death: string } | undefined;
}

interface Check {
  id: string;
  title: string;
  threshold: number;
  fatal: boolean;
  run(ctx: CheckContext): Promise<Array<Omit<QualityResult, "check" | "threshold" | "fatal">>>;
}

const n = (v: unknown) => Number(v ?? 0);
const at = (t: TableMeta, alias: string) =>
  sql`${Lake.qualified(t.registry, t.table)} ${ident(alias)}`;
const current = (ctx: CheckContext, alias: string) => Lake.asOf(ctx.loadId, alias);

async function count(ctx: CheckContext, query: Sql): Promise<{ failing: number; total: number }> {
  const [r] = await ctx.lake.query(query);
  return { failing: n(r?.failing), total: n(r?.total) };
}

const eventTables = (ctx: CheckContext) =>
  ctx.catalog.tables.filter((t) => t.personColumn && t.eventColumn);

/** Events compared with the person's birth or death date. */
function againstPerson(which: "birth" | "death"): Check["run"] {
  return async (ctx) => {
    const persons = ctx.persons;
    if (!persons) return [];
    const out = [];
    for (const t of eventTables(ctx)) {
      if (t === persons.table) continue;
      const day =
        which === "birth"
          ? sql`try_cast(substr(${ident("p", persons.birth)}, 1, 10) as date)`
          : sql`try_cast(substr(${ident("p", persons.death)}, 1, 10) as date)`;
      const { failing, total } = await count(
        ctx,
        sql`select count(*) filter (where e.event_date ${which === "birth" ? sql`<` : sql`>`} ${day}) as failing,
                count(*) filter (where e.event_date is not null and ${day} is not null) as total
         from ${at(t, "e")} join ${at(persons.table, "p")} on p.pseudo_id = e.pseudo_id
         where ${current(ctx, "e")} and ${current(ctx, "p")}`,
      );
      out.push({ registry: t.registry, table: t.table, variable: "event_date", failing, total });
    }
    return out;
  };
}

export const CHECKS: Check[] = [
  {
    id: "event_before_birth",
    title: "Events dated before the person's birth",
    threshold: 0.001,
    fatal: true,
    run: againstPerson("birth"),
  },
  {
    id: "event_after_death",
    title: "Events dated after the person's death (post-mortem results are possible)",
    threshold: 0.01,
    fatal: false,
    run: againstPerson("death"),
  },
  {
    id: "future_date",
    title: "Events dated after the load that brought them",
    threshold: 0,
    fatal: true,
    run: async (ctx) => {
      const out = [];
      for (const t of eventTables(ctx)) {
        const { failing, total } = await count(
          ctx,
          sql`select count(*) filter (where e.event_date > ${date(ctx.loadDate)}) as failing,
                  count(e.event_date) as total from ${at(t, "e")} where ${current(ctx, "e")}`,
        );
        out.push({ registry: t.registry, table: t.table, variable: "event_date", failing, total });
      }
      return out;
    },
  },
  {
    // A row without a date falls out of every cohort window: a cohort on a code 13 people have
    // returns 0. The dates come from each table's columns in order (tables.json eventDate).
    id: "event_date_missing",
    title: "Rows with no event date (no date in any of the table's date fields)",
    threshold: 0.01,
    fatal: false,
    run: async (ctx) => {
      const out = [];
      for (const t of eventTables(ctx)) {
        const { failing, total } = await count(
          ctx,
          sql`select count(*) filter (where e.event_date is null) as failing, count(*) as total
           from ${at(t, "e")} where ${current(ctx, "e")}`,
        );
        out.push({ registry: t.registry, table: t.table, variable: "event_date", failing, total });
      }
      return out;
    },
  },
  {
    id: "end_before_start",
    title: "Periods (visits) that end before they start",
    threshold: 0.001,
    fatal: true,
    run: async (ctx) => {
      const out = [];
      for (const t of ctx.catalog.tables.filter((t) => t.period)) {
        const { start, end } = t.period as { start: string; end: string };
        const s = sql`try_cast(${ident("e", start)} as timestamptz)`;
        const f = sql`try_cast(${ident("e", end)} as timestamptz)`;
        const r = await count(
          ctx,
          sql`select count(*) filter (where ${f} < ${s}) as failing,
                  count(*) filter (where ${f} is not null and ${s} is not null) as total
           from ${at(t, "e")} where ${current(ctx, "e")}`,
        );
        out.push({ registry: t.registry, table: t.table, variable: end, ...r });
      }
      return out;
    },
  },
  {
    id: "implausible_value",
    title: "Measurements outside physically plausible limits (per code, from the vocabulary)",
    threshold: 0.001,
    fatal: true,
    run: async (ctx) => {
      const out = [];
      for (const t of ctx.catalog.tables.filter((t) => t.measurement)) {
        const m = t.measurement as NonNullable<TableMeta["measurement"]>;
        const system = codeSystemOf(ctx, t, m.code);
        if (!system) continue;
        const v = ident("e", m.value);
        const r = await count(
          ctx,
          sql`select count(*) filter (where ${v} < c.plausible_min or ${v} > c.plausible_max) as failing,
                  count(*) as total
           from ${at(t, "e")} join _catalog.vocabulary c
             on c.system = ${system} and c.code = ${ident("e", m.code)}::varchar
           where ${current(ctx, "e")} and ${v} is not null
             and (c.plausible_min is not null or c.plausible_max is not null)`,
        );
        out.push({ registry: t.registry, table: t.table, variable: m.value, ...r });
      }
      return out;
    },
  },
  {
    id: "unit_mix",
    title:
      "Measurements in another unit than their code's (the vocabulary's, else the most common)",
    threshold: 0.01,
    fatal: false,
    run: async (ctx) => {
      const out = [];
      for (const t of ctx.catalog.tables.filter((t) => t.measurement)) {
        const m = t.measurement as NonNullable<TableMeta["measurement"]>;
        const system = codeSystemOf(ctx, t, m.code) ?? "";
        const code = sql`${ident("e", m.code)}::varchar`;
        const unit = ident("e", m.unit);
        const value = ident("e", m.value);
        const r = await count(
          ctx,
          sql`with modal as (
             select ${code} as code, mode(${unit}) as unit from ${at(t, "e")}
             where ${current(ctx, "e")} and ${value} is not null group by 1),
           expected as (
             select modal.code, coalesce(c.unit, modal.unit) as unit from modal
             left join _catalog.vocabulary c on c.system = ${system} and c.code = modal.code)
           select count(*) filter (where ${unit} is distinct from x.unit) as failing,
                  count(*) as total
           from ${at(t, "e")} join expected x on x.code = ${code}
           where ${current(ctx, "e")} and ${value} is not null`,
        );
        out.push({ registry: t.registry, table: t.table, variable: m.unit, ...r });
      }
      return out;
    },
  },
  {
    id: "unknown_code",
    title: "Codes that are not in the vocabulary of their code system",
    threshold: 0.01,
    fatal: false,
    run: async (ctx) => {
      const systems = new Set(
        (await ctx.lake.query(sql`select distinct system from _catalog.vocabulary`)).map((r) =>
          String(r.system),
        ),
      );
      const out = [];
      for (const v of ctx.catalog.variables) {
        if (!v.codeSystem || !systems.has(v.codeSystem)) continue;
        const t = ctx.catalog.tables.find((t) => t.registry === v.registry && t.table === v.table);
        if (!t) continue;
        const c = ident("e", v.variable);
        const r = await count(
          ctx,
          sql`select count(*) filter (where k.code is null) as failing, count(*) as total
           from ${at(t, "e")} left join _catalog.vocabulary k
             on k.system = ${v.codeSystem} and k.code = ${c}::varchar
           where ${current(ctx, "e")} and ${c} is not null`,
        );
        out.push({ registry: v.registry, table: v.table, variable: v.variable, ...r });
      }
      return out;
    },
  },
  {
    id: "person_without_event",
    title: "Persons with no row in any other table",
    threshold: 0.2,
    fatal: false,
    run: async (ctx) => {
      const persons = ctx.persons;
      if (!persons) return [];
      const others = ctx.catalog.tables.filter((t) => t.personColumn && t !== persons.table);
      const any = join(
        others.map((t) => sql`select e.pseudo_id from ${at(t, "e")} where ${current(ctx, "e")}`),
        sql` union `,
      );
      const r = await count(
        ctx,
        sql`select count(*) filter (where a.pseudo_id is null) as failing, count(*) as total
         from ${at(persons.table, "p")} left join (${others.length ? any : sql`select null as pseudo_id`}) a
           on a.pseudo_id = p.pseudo_id
         where ${current(ctx, "p")}`,
      );
      return [
        { registry: persons.table.registry, table: persons.table.table, variable: null, ...r },
      ];
    },
  },
];

function codeSystemOf(ctx: CheckContext, t: TableMeta, variable: string): string | undefined {
  return ctx.catalog.variables.find(
    (v) => v.registry === t.registry && v.table === t.table && v.variable === variable,
  )?.codeSystem;
}

/** Runs every check as of a load, over the tables the catalog lists and the lake has. */
export async function runQualityChecks(
  lake: Lake,
  catalog: Catalog,
  loadId: number,
  loadDate: string,
): Promise<QualityResult[]> {
  const personsOf = catalog.registries.find((r) => r.persons)?.persons;
  const personTable = personsOf
    ? catalog.tables.find(
        (t) =>
          t.registry === catalog.registries.find((r) => r.persons)?.registry &&
          t.table === personsOf.table,
      )
    : undefined;
  const ctx: CheckContext = {
    lake,
    catalog,
    loadId,
    loadDate,
    persons:
      personsOf && personTable
        ? { table: personTable, birth: personsOf.birthDate, death: personsOf.deathDate }
        : undefined,
  };
  const results: QualityResult[] = [];
  for (const check of CHECKS) {
    for (const r of await check.run(ctx))
      results.push({ check: check.id, threshold: check.threshold, fatal: check.fatal, ...r });
  }
  return results;
}
