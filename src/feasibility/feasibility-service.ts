import { sql } from "kysely";
import { appendAudit } from "../audit/append.js";
import { authorize } from "../auth/permissions.js";
import { readCatalog } from "../catalog/catalog-store.js";
import {
  attrition,
  type Ctx,
  compileFor,
  excludePersons,
  materialise,
  saveDefinition,
} from "../cohort/cohort-service.js";
import { findTable, personsOf } from "../cohort/context.js";
import { withLake } from "../lake/access.js";
import { Lake } from "../lake/lake.js";
import { NotFoundError, RateLimitError } from "../shared/errors.js";
import { seesExactCounts } from "./disclosure.js";
import {
  type Disclosed,
  type DisclosedTable,
  discloseCount,
  suppressBreakdown,
  suppressTable,
} from "./suppression.js";

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

/** Refuses a researcher over the per-minute or per-day limit, counted from the audit log. */
async function checkRateLimit(ctx: Ctx): Promise<void> {
  if (seesExactCounts(ctx.actor.role)) return;
  const limits = ctx.home.config.feasibility;
  const since = (ms: number) => new Date(Date.now() - ms).toISOString();
  const count = async (from: string) =>
    Number(
      (
        await ctx.store.db
          .selectFrom("audit_log")
          .select(sql<number>`count(*)`.as("n"))
          .where("actor", "=", ctx.actor.name)
          .where("action", "=", "feasibility.run")
          .where("time", ">=", from)
          .executeTakeFirst()
      )?.n ?? 0,
    );
  if ((await count(since(60_000))) >= limits.perMinute)
    throw new RateLimitError(
      `${ctx.actor.name} has run ${limits.perMinute} feasibility queries in the last minute.`,
      "Wait a minute and try again (the limit guards against differencing small counts).",
    );
  if ((await count(since(86_400_000))) >= limits.perDay)
    throw new RateLimitError(
      `${ctx.actor.name} has run ${limits.perDay} feasibility queries today.`,
      "Try again tomorrow, or ask a data steward.",
    );
}

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
  await checkRateLimit(ctx);
  const figures = await withLake(ctx, "feasibility.run", async (lake) => {
    const { def, hash, compiled } = await compileFor(
      ctx,
      lake,
      raw,
      options.snapshot,
      options.source,
    );
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
    const one = async (q: string) => Number((await lake.rows(q))[0]?.n ?? 0);
    const size = await one("select count(distinct pseudo_id) n from cohort_members");
    // One row per person: the first episode's index date.
    await lake.connection.run(
      "create or replace temp table cohort_people as select pseudo_id, min(index_date) as index_date from cohort_members group by 1",
    );
    let bySex: FeasibilityFigures["bySex"] = [];
    let byAgeBand: FeasibilityFigures["byAgeBand"] = [];
    let sexByAgeBand: FeasibilityFigures["sexByAgeBand"] = { rows: [], columns: [], cells: [] };
    if (persons) {
      const band = `case ${AGE_BANDS.map(([lo, hi]) => `when a between ${lo} and ${hi} then '${bandLabel([lo, hi])}'`).join(" ")} else 'unknown' end`;
      const age = `date_part('year', age(c.index_date, try_cast(substr(p."${persons.birth}", 1, 10) as date)))`;
      const rows = await lake.rows(
        `select coalesce(sex, 'unknown') as sex, ${band} as band, count(*) as n
         from (select c.pseudo_id, p."${persons.sex}" as sex, ${age} as a
               from cohort_people c
               left join ${Lake.qualified(persons.table.registry, persons.table.table)} p
                 on p.pseudo_id = c.pseudo_id and ${asOf("p")})
         group by all order by all`,
      );
      const sexes = [...new Set(rows.map((r) => String(r.sex)))].sort();
      const bands = [
        ...AGE_BANDS.map(bandLabel),
        ...(rows.some((r) => r.band === "unknown") ? ["unknown"] : []),
      ];
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
    const byIndexYear = (
      await lake.rows(
        "select year(index_date) y, count(*) n from cohort_people group by 1 order by 1",
      )
    ).map((r) => ({ label: String(r.y), persons: Number(r.n) }));

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
      const rows = await lake.rows(
        `select ${t.eventColumn ? "year(e.event_date)" : "null"} as y, count(distinct e.pseudo_id) as n
         from ${Lake.qualified(t.registry, t.table)} e semi join cohort_people c on c.pseudo_id = e.pseudo_id
         where ${asOf("e")}${variable ? ` and e."${variable}" is not null` : ""}
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
  await appendAudit(ctx.store, ctx.actor, {
    action: "feasibility.run",
    target: `cohort:${figures.name}@${figures.hash.slice(0, 12)}`,
    details: { hash: figures.hash, snapshot: figures.snapshot, data: options.data ?? [] },
  });
  return seesExactCounts(ctx.actor.role)
    ? { exact: true, ...figures }
    : disclose(figures, ctx.home.config.disclosure.minCount);
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
      const byYear = breakdown(d.byYear);
      const small = typeof discloseCount(d.persons, rule) !== "number";
      return {
        name: d.name,
        persons: discloseCount(d.persons, rule),
        // The years a small group has data in would narrow it down further.
        firstYear: small ? null : d.firstYear,
        lastYear: small ? null : d.lastYear,
        byYear,
      };
    }),
  };
}
