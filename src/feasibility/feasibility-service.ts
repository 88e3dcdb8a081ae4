import { authorize } from "../auth/permissions.js";
import { type Catalog, readCatalog } from "../catalog/catalog-store.js";
import {
  attrition,
  type Ctx,
  cohortContext,
  excludePersons,
  materialise,
  saveDefinition,
} from "../cohort/cohort-service.js";
import { compileCohort } from "../cohort/compile.js";
import { findTable, personsOf } from "../cohort/context.js";
import { type CohortDefinition, definitionHash, parseDefinition } from "../cohort/definition.js";
import { seesExactCounts } from "../disclosure/rules.js";
import { withLake } from "../lake/access.js";
import { Lake } from "../lake/lake.js";
import { EMPTY, ident, int, join, type Sql, sql } from "../lake/sql.js";
import { NotFoundError } from "../shared/errors.js";
import { recordOutcome, recordQuery } from "./query-record.js";
import {
  type Disclosed,
  type DisclosedTable,
  discloseCount,
  suppressBreakdown,
  suppressTable,
} from "./suppression.js";

/** FHIR's administrative genders: always listed, so an empty category says nothing. */
const SEXES = ["female", "male", "other", "unknown"];

/**
 * Persons by index year, over every year the entry table has data in (as of the snapshot), not
 * only the cohort's years: the years listed must not depend on who is in the cohort.
 */
async function indexYears(
  lake: Lake,
  catalog: Catalog,
  def: CohortDefinition,
  snapshot: number,
): Promise<Array<{ label: string; persons: number }>> {
  const counts = new Map(
    (
      await lake.query(
        sql`select year(index_date) y, count(*) n from cohort_people group by 1 order by 1`,
      )
    ).map((r) => [Number(r.y), Number(r.n)]),
  );
  const t = findTable(catalog, def.entry.events.table);
  const [span] = t
    ? await lake.query(
        sql`select min(year(e.event_date)) lo, max(year(e.event_date)) hi from ${Lake.qualified(t.registry, t.table)} e where ${Lake.asOf(snapshot, "e")}`,
      )
    : [];
  const years = [...counts.keys()];
  const lo = Math.min(Number(span?.lo ?? Number.POSITIVE_INFINITY), ...years);
  const hi = Math.max(Number(span?.hi ?? Number.NEGATIVE_INFINITY), ...years);
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  return Array.from({ length: hi - lo + 1 }, (_, i) => ({
    label: String(lo + i),
    persons: counts.get(lo + i) ?? 0,
  }));
}

export const AGE_BANDS = [
  [0, 17],
  [18, 39],
  [40, 59],
  [60, 79],
  [80, 200],
] as const;
const bandLabel = ([lo, hi]: readonly [number, number]) => (hi >= 200 ? `${lo}+` : `${lo}-${hi}`);

/** Exact figures, as a steward sees them and as disclosure control starts from. */
export interface FeasibilityFigures {
  name: string;
  hash: string;
  snapshot: number;
  persons: number;
  attrition: {
    entered: number;
    steps: Array<{ step: string; remaining: number; excludedByItAlone: number }>;
  };
  bySex: Array<{ label: string; persons: number }>;
  byAgeBand: Array<{ label: string; persons: number }>;
  byIndexYear: Array<{ label: string; persons: number }>;
  sexByAgeBand: { rows: string[]; columns: string[]; cells: number[][] };
  data: Array<{
    name: string;
    persons: number;
    firstYear: number | null;
    lastYear: number | null;
    byYear: Array<{ label: string; persons: number }>;
  }>;
}

export type FeasibilityResult =
  | ({ exact: true } & FeasibilityFigures)
  | {
      exact: false;
      name: string;
      hash: string;
      snapshot: number;
      minCount: number;
      persons: Disclosed;
      attrition: {
        entered: Disclosed;
        steps: Array<{ step: string; remaining: Disclosed; excludedByItAlone: Disclosed }>;
      };
      bySex: ReturnType<typeof suppressBreakdown>;
      byAgeBand: ReturnType<typeof suppressBreakdown>;
      byIndexYear: ReturnType<typeof suppressBreakdown>;
      sexByAgeBand: DisclosedTable;
      data: Array<{
        name: string;
        persons: Disclosed;
        firstYear: number | null;
        lastYear: number | null;
        byYear: ReturnType<typeof suppressBreakdown>;
      }>;
    };

/**
 * `kaivo feasibility DEF.json`: the data availability assessment. Cohort size, attrition,
 * breakdowns by sex, age band and index year, and for each requested table or variable how many
 * cohort members have data and over which years. Researchers and reviewers get disclosure-
 * controlled counts; every query is audited with the definition's hash and rate-limited.
 */
export async function feasibility(
  ctx: Ctx,
  raw: unknown,
  options: { snapshot?: number; data?: string[]; source?: string } = {},
): Promise<FeasibilityResult> {
  await authorize(ctx.store, ctx.actor, "feasibility.run");
  // Recorded (and counted) before anything runs, so a query that fails still counts.
  const parsed = tryParse(raw, options.source);
  const query = await recordQuery(ctx, {
    target: parsed.ok
      ? `cohort:${parsed.def.name}@${parsed.hash.slice(0, 12)}`
      : "cohort:(invalid definition)",
    details: {
      ...(parsed.ok ? { hash: parsed.hash } : {}),
      snapshot: options.snapshot ?? "latest",
      data: options.data ?? [],
    },
  });
  let figures: FeasibilityFigures;
  try {
    if (!parsed.ok) throw parsed.error;
    figures = await assess(ctx, parsed.def, parsed.hash, options);
  } catch (error) {
    await recordOutcome(ctx, query, { ok: false, error });
    throw error;
  }
  await recordOutcome(ctx, query, { ok: true });
  return seesExactCounts(ctx.actor.role)
    ? { exact: true, ...figures }
    : disclose(figures, ctx.home.config.disclosure.minCount);
}

function tryParse(
  raw: unknown,
  source?: string,
): { ok: true; def: CohortDefinition; hash: string } | { ok: false; error: unknown } {
  try {
    const def = parseDefinition(raw, source);
    return { ok: true, def, hash: definitionHash(def) };
  } catch (error) {
    return { ok: false, error };
  }
}

/** The exact figures of a definition already read (and recorded), on a read-only lake. */
function assess(
  ctx: Ctx,
  def: CohortDefinition,
  hash: string,
  options: { snapshot?: number; data?: string[] },
): Promise<FeasibilityFigures> {
  return withLake(ctx, "feasibility.run", async (lake) => {
    const compiled = compileCohort(def, await cohortContext(lake, ctx.store, options.snapshot));
    await saveDefinition(ctx, def);
    await materialise(lake, compiled);
    // People who opted out are in no count shown outside the service.
    const optouts = await ctx.store.db.selectFrom("optouts").select("pseudo_id").execute();
    await excludePersons(
      lake,
      optouts.map((o) => o.pseudo_id),
    );
    const catalog = await readCatalog(lake);
    const persons = personsOf(catalog);
    const asOf = (alias: string) => Lake.asOf(compiled.snapshot, alias);
    const one = async (q: Sql) => Number((await lake.query(q))[0]?.n ?? 0);
    const size = await one(sql`select count(distinct pseudo_id) n from cohort_members`);
    // One row per person: the first episode's index date.
    await lake.query(
      sql`create or replace temp table cohort_people as select pseudo_id, min(index_date) as index_date from cohort_members group by 1`,
    );
    let bySex: FeasibilityFigures["bySex"] = [];
    let byAgeBand: FeasibilityFigures["byAgeBand"] = [];
    let sexByAgeBand: FeasibilityFigures["sexByAgeBand"] = { rows: [], columns: [], cells: [] };
    if (persons) {
      const band = sql`case ${join(
        AGE_BANDS.map(
          ([lo, hi]) => sql`when a between ${int(lo)} and ${int(hi)} then ${bandLabel([lo, hi])}`,
        ),
        sql` `,
      )} else 'unknown' end`;
      const age = sql`date_part('year', age(c.index_date, try_cast(substr(${ident("p", persons.birth)}, 1, 10) as date)))`;
      const rows = await lake.query(
        sql`select coalesce(sex, 'unknown') as sex, ${band} as band, count(*) as n
         from (select c.pseudo_id, ${ident("p", persons.sex)} as sex, ${age} as a
               from cohort_people c
               left join ${Lake.qualified(persons.table.registry, persons.table.table)} p
                 on p.pseudo_id = c.pseudo_id and ${asOf("p")})
         group by all order by all`,
      );
      // Every category is listed, empty or not: which labels appear would say who is there.
      const sexes = [
        ...SEXES,
        ...[...new Set(rows.map((r) => String(r.sex)))].filter((s) => !SEXES.includes(s)).sort(),
      ];
      const bands = [...AGE_BANDS.map(bandLabel), "unknown"];
      const cells = sexes.map((s) =>
        bands.map((b) => Number(rows.find((r) => r.sex === s && r.band === b)?.n ?? 0)),
      );
      sexByAgeBand = { rows: sexes, columns: bands, cells };
      bySex = sexes.map((s, i) => ({
        label: s,
        persons: (cells[i] ?? []).reduce((a, b) => a + b, 0),
      }));
      byAgeBand = bands.map((b, j) => ({
        label: b,
        persons: cells.reduce((a, r) => a + (r[j] ?? 0), 0),
      }));
    }
    const byIndexYear = await indexYears(lake, catalog, def, compiled.snapshot);

    const data: FeasibilityFigures["data"] = [];
    for (const name of options.data ?? []) {
      const [registry, table, variable] = name.split(".");
      const t = findTable(catalog, `${registry}.${table}`);
      if (!t?.personColumn)
        throw new NotFoundError(
          `No table ${registry}.${table} with persons in the catalog.`,
          `Tables: ${catalog.tables
            .filter((x) => x.personColumn)
            .map((x) => `${x.registry}.${x.table}`)
            .join(", ")}.`,
        );
      if (
        variable &&
        !catalog.variables.some(
          (v) => v.registry === t.registry && v.table === t.table && v.variable === variable,
        )
      )
        throw new NotFoundError(
          `No variable ${variable} in ${registry}.${table}.`,
          `See \`kaivo catalog show ${registry}.${table}\`.`,
        );
      const rows = await lake.query(
        sql`select ${t.eventColumn ? sql`year(e.event_date)` : sql`null`} as y, count(distinct e.pseudo_id) as n
         from ${Lake.qualified(t.registry, t.table)} e semi join cohort_people c on c.pseudo_id = e.pseudo_id
         where ${asOf("e")}${variable ? sql` and ${ident("e", variable)} is not null` : EMPTY}
         group by grouping sets ((), (1)) order by 1 nulls first`,
      );
      const total = rows.find((r) => r.y === null);
      const years = rows
        .filter((r) => r.y !== null)
        .map((r) => ({ label: String(r.y), persons: Number(r.n) }));
      data.push({
        name,
        persons: Number(total?.n ?? 0),
        firstYear: years.length ? Number(years[0]?.label) : null,
        lastYear: years.length ? Number(years[years.length - 1]?.label) : null,
        byYear: years,
      });
    }
    return {
      name: def.name,
      hash,
      snapshot: compiled.snapshot,
      persons: size,
      attrition: await attrition(lake, compiled),
      bySex,
      byAgeBand,
      byIndexYear,
      sexByAgeBand,
      data,
    } satisfies FeasibilityFigures;
  });
}

function disclose(f: FeasibilityFigures, minCount: number): FeasibilityResult {
  const rule = { minCount };
  const breakdown = (cells: Array<{ label: string; persons: number }>) =>
    suppressBreakdown(
      cells.map((c) => c.label),
      cells.map((c) => c.persons),
      rule,
    );
  return {
    exact: false,
    name: f.name,
    hash: f.hash,
    snapshot: f.snapshot,
    minCount,
    persons: discloseCount(f.persons, rule),
    attrition: {
      entered: discloseCount(f.attrition.entered, rule),
      steps: f.attrition.steps.map((s) => ({
        step: s.step,
        remaining: discloseCount(s.remaining, rule),
        excludedByItAlone: discloseCount(s.excludedByItAlone, rule),
      })),
    },
    bySex: breakdown(f.bySex),
    byAgeBand: breakdown(f.byAgeBand),
    byIndexYear: breakdown(f.byIndexYear),
    sexByAgeBand: suppressTable(f.sexByAgeBand, rule),
    data: f.data.map((d) => {
      const persons = discloseCount(d.persons, rule);
      const small = typeof persons !== "number";
      return {
        name: d.name,
        persons,
        // The years a small group has data in, and how many of its labelled years there are,
        // would narrow it down further: a small group gets no years at all.
        firstYear: small ? null : d.firstYear,
        lastYear: small ? null : d.lastYear,
        byYear: small ? { cells: [], total: persons } : breakdown(d.byYear),
      };
    }),
  };
}
