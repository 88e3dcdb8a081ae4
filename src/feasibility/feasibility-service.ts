import { realpathSync } from "node:fs";
import { authorize } from "../auth/permissions.js";
import { catalogDigest, sharedCatalog } from "../catalog/catalog-store.js";
import {
  type Ctx,
  cohortContext,
  excludePersons,
  materialise,
  saveDefinition,
} from "../cohort/cohort-service.js";
import { compileCohort } from "../cohort/compile.js";
import { type CohortDefinition, definitionHash, parseDefinition } from "../cohort/definition.js";
import { discloseCells, type Shown } from "../disclosure/engine.js";
import type { MeasuredCell } from "../disclosure/measure.js";
import { measureCells } from "../disclosure/measure.js";
import { policyFrom } from "../disclosure/policy.js";
import { seesExactCounts } from "../disclosure/rules.js";
import { BUCKETS } from "../disclosure/sketch.js";
import { withLake } from "../lake/access.js";
import { sql } from "../lake/sql.js";
import { checkApplication } from "./application.js";
import {
  type AssessmentLayout,
  assessmentCells,
  assessmentLayout,
  CELL,
  dataRequests,
  materialiseAttributes,
} from "./cells.js";
import { cacheKey, QueryCache } from "./query-cache.js";
import {
  type Allowance,
  feasibilityAllowance,
  recordOutcome,
  recordQuery,
} from "./query-record.js";

type Labelled<T> = Array<{ label: string; persons: T }>;

/**
 * A data availability assessment: cohort size, attrition, breakdowns by sex, age band at index
 * and index year, and for each requested table or variable how many cohort members have data and
 * in which years. T is `number` for stewards (exact) and `Shown` for everyone else.
 */
export interface Assessment<T> {
  name: string;
  hash: string;
  snapshot: number;
  persons: T;
  attrition: {
    entered: T;
    steps: Array<{ step: string; remaining: T; excludedByItAlone: T }>;
  };
  bySex: Labelled<T>;
  byAgeBand: Labelled<T>;
  byIndexYear: Labelled<T>;
  sexByAgeBand: { rows: string[]; columns: string[]; cells: T[][] };
  data: Array<{
    name: string;
    persons: T;
    /** The first and last years with at least k people in them (any k for stewards). */
    firstYear: number | null;
    lastYear: number | null;
    byYear: Labelled<T>;
  }>;
}

export type FeasibilityResult =
  | ({ exact: true } & Assessment<number>)
  | ({
      exact: false;
      minCount: number;
      /** The disclosure policy that produced every count here (src/disclosure/policy.ts). */
      policy: string;
    } & Assessment<Shown>);

/**
 * `kaivo feasibility DEF.json`: the data availability assessment. Researchers and reviewers get
 * every count through the disclosure engine (perturbed, `<k` below k, and the same answer again
 * for a set of people within k-1 of one they or their application were answered on); stewards get
 * exact figures. Every query is audited with the definition's hash, rate-limited and counted
 * against its application's (or the researcher's) budget before it runs.
 */
export async function feasibility(
  ctx: Ctx,
  raw: unknown,
  options: { snapshot?: number; data?: string[]; source?: string; application?: string } = {},
): Promise<FeasibilityResult> {
  await authorize(ctx.store, ctx.actor, "feasibility.run");
  const application = options.application ?? null;
  if (application) await checkApplication(ctx, application);
  const policy = policyFrom(ctx.home.config);
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
      ...(application ? { application } : {}),
      policy: policy.version,
    },
    application,
    budget: policy.queryBudget,
  });
  try {
    if (!parsed.ok) throw parsed.error;
    const { layout, cells, base } = await assess(ctx, parsed.def, parsed.hash, options);
    const exact = seesExactCounts(ctx.actor.role);
    const scope = {
      scope: "query" as const,
      actor: ctx.actor.name,
      application,
      definitionHash: parsed.hash,
    };
    // The totals first: a cohort shown smaller than breakdownMin gets no breakdown, and cells not
    // shown do not go on the ledger.
    const disclose = async () => {
      const isTotal = (id: string) => !isBreakdown(id);
      const totals = await discloseCells(ctx.store, policy, scope, pick(cells, isTotal));
      const size = totals.get(CELL.persons);
      const breakdowns = typeof size === "number" && size >= policy.breakdownMin;
      const shown = breakdowns
        ? new Map([
            ...totals,
            ...(await discloseCells(ctx.store, policy, scope, pick(cells, isBreakdown))),
          ])
        : totals;
      return present(
        base,
        layout,
        (id) => shown.get(id) ?? `<${policy.minCount}`,
        breakdowns,
        policy.minCount,
      );
    };
    const result: FeasibilityResult = exact
      ? { exact: true, ...present(base, layout, (id) => cells.get(id)?.n ?? 0, true) }
      : { exact: false, minCount: policy.minCount, policy: policy.version, ...(await disclose()) };
    await recordOutcome(ctx, query, { ok: true });
    return result;
  } catch (error) {
    await recordOutcome(ctx, query, { ok: false, error });
    throw error;
  }
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

interface Measured {
  layout: AssessmentLayout;
  cells: Map<string, MeasuredCell>;
  base: { name: string; hash: string; snapshot: number };
}

/**
 * Measured assessments (exact cells, before disclosure control) by everything that decides them:
 * the home's lake and its latest load (so a new load, or another lake, never finds an entry), the
 * definition's hash and compiled SQL, the snapshot, the data requested, the catalog and the
 * opt-outs. Every request is still recorded, and a researcher's still goes through the engine
 * and its ledger: only the lake's work is saved.
 */
export const assessmentCache = new QueryCache<Measured>(
  { entries: 64, bytes: 32 * 1024 * 1024 },
  copyMeasured,
);

/**
 * A copy of a measured assessment that shares its cells' sketches and samples, frozen: cloning
 * them (thousands of big integers) took longer than the rest of a repeated request.
 */
function copyMeasured(m: Measured): Measured {
  const cells = new Map<string, MeasuredCell>();
  for (const [id, cell] of m.cells) {
    // Frozen once, when the entry is stored; a hit only copies the cell's own fields.
    if (!Object.isFrozen(cell.sketch)) {
      for (const bucket of cell.sketch) Object.freeze(bucket);
      Object.freeze(cell.sketch);
      if (cell.sample) Object.freeze(Object.freeze(cell.sample).keys);
    }
    cells.set(id, { ...cell });
  }
  return { layout: structuredClone(m.layout), cells, base: { ...m.base } };
}

/** Estimated bytes of a measured assessment: mostly its cells' sketches. */
const measuredBytes = (m: Measured) =>
  2 * JSON.stringify(m.layout).length + m.cells.size * (64 + BUCKETS * 3 * 16);

/** Measures every cell of a definition already read (and recorded), on a read-only lake. */
function assess(
  ctx: Ctx,
  def: CohortDefinition,
  hash: string,
  options: { snapshot?: number; data?: string[] },
): Promise<Measured> {
  return withLake(ctx, "feasibility.run", async (lake) => {
    const catalog = await sharedCatalog(lake);
    const data = dataRequests(catalog, options.data ?? []);
    const compiled = compileCohort(
      def,
      await cohortContext(lake, ctx.store, def, options.snapshot),
    );
    await saveDefinition(ctx, def);
    // People who opted out are in no count shown outside the service.
    const optouts = (await ctx.store.db.selectFrom("optouts").select("pseudo_id").execute())
      .map((o) => o.pseudo_id)
      .sort();
    const [latest] = await lake.remember("latest-load", () =>
      lake.query(
        sql`select load_id, fingerprint, finished_at from main._loads order by load_id desc limit 1`,
      ),
    );
    const key = cacheKey([
      realpathSync(ctx.home.dir),
      latest ?? null,
      compiled.snapshot,
      hash,
      compiled.sql.compile(),
      data.map((d) => d.name),
      await catalogDigest(lake),
      optouts,
    ]);
    return assessmentCache.getOrCompute(key, measuredBytes, async () => {
      await materialise(lake, compiled);
      await excludePersons(lake, optouts);
      await materialiseAttributes(lake, catalog, compiled.snapshot);
      const layout = await assessmentLayout(lake, catalog, compiled, def.entry.events.table, data);
      const cells = await measureCells(lake, assessmentCells(compiled, layout));
      return { layout, cells, base: { name: def.name, hash, snapshot: compiled.snapshot } };
    });
  });
}

const isBreakdown = (id: string) =>
  !(id === CELL.persons || id.startsWith("attrition.") || /^data\.\d+$/.test(id));

function pick<V>(cells: ReadonlyMap<string, V>, keep: (id: string) => boolean): Map<string, V> {
  return new Map([...cells].filter(([id]) => keep(id)));
}

/**
 * Lays the cells out as an assessment. Without breakdowns every breakdown is empty; a data group's
 * first and last years are those shown with at least `minCount` people.
 */
function present<T extends number | Shown>(
  base: { name: string; hash: string; snapshot: number },
  full: AssessmentLayout,
  value: (id: string) => T,
  breakdowns: boolean,
  minCount = 1,
): Assessment<T> {
  const layout: AssessmentLayout = breakdowns
    ? full
    : {
        ...full,
        sexes: [],
        bands: [],
        indexYears: [],
        data: full.data.map((d) => ({ ...d, years: [] })),
      };
  const labelled = (
    labels: ReadonlyArray<string | number>,
    id: (l: never) => string,
  ): Labelled<T> => labels.map((l) => ({ label: String(l), persons: value(id(l as never)) }));
  const shownAtLeast = (v: T) => typeof v === "number" && v >= minCount;
  return {
    ...base,
    persons: value(CELL.persons),
    attrition: {
      entered: value(CELL.entered),
      steps: layout.steps.map((step, k) => ({
        step,
        remaining: value(CELL.remaining(k)),
        excludedByItAlone: value(CELL.excluded(k)),
      })),
    },
    bySex: labelled([...layout.sexes], CELL.sex),
    byAgeBand: labelled(layout.bands, CELL.band),
    byIndexYear: labelled(layout.indexYears, CELL.year),
    sexByAgeBand: {
      rows: [...layout.sexes],
      columns: layout.bands,
      cells: layout.sexes.map((s) => layout.bands.map((b) => value(CELL.sexBand(s, b)))),
    },
    data: layout.data.map((d, i) => {
      const byYear = labelled(d.years, (y: number) => CELL.dataYear(i, y));
      const years = byYear.filter((y) => shownAtLeast(y.persons)).map((y) => Number(y.label));
      return {
        name: d.name,
        persons: value(CELL.data(i)),
        firstYear: years.length ? Math.min(...years) : null,
        lastYear: years.length ? Math.max(...years) : null,
        byYear,
      };
    }),
  };
}

/**
 * How much of the feasibility limits (per minute, per day, the budget outside an application)
 * the actor has left, without spending any: the portal's live count stops asking on its own when
 * they are near, and keeps the last count on screen.
 */
export async function feasibilityLimits(ctx: Ctx): Promise<Allowance> {
  await authorize(ctx.store, ctx.actor, "feasibility.run");
  return feasibilityAllowance(ctx, policyFrom(ctx.home.config).queryBudget);
}
