import { sql as storeSql } from "kysely";
import { appendAudit } from "../audit/append.js";
import { authorize } from "../auth/permissions.js";
import type { Actor } from "../auth/roles.js";
import { ensureCatalogSchema, sharedCatalog } from "../catalog/catalog-store.js";
import type { Home } from "../home/home.js";
import { assertNoIdentifyingText } from "../identity/free-text.js";
import { withLake } from "../lake/access.js";
import type { Lake } from "../lake/lake.js";
import { EMPTY, ident, int, join, type Sql, sql } from "../lake/sql.js";
import { indexedColumns } from "../lake/word-index.js";
import { NotFoundError, ValidationError } from "../shared/errors.js";
import { parseJsonText } from "../shared/json-text.js";
import type { ControlStore } from "../store/control-store.js";
import { type CompiledCohort, compileCohort } from "./compile.js";
import type { CohortContext, Issue } from "./context.js";
import {
  type CohortDefinition,
  cohortsUsed,
  definitionHash,
  parseDefinition,
} from "./definition.js";
import { explainDefinition } from "./explain.js";
import { DEFINITION_LIMITS } from "./limits.js";
import { validateDefinition } from "./validate.js";

export interface Ctx {
  home: Home;
  store: ControlStore;
  actor: Actor;
}

/** What the compiler needs, read from the lake as of a snapshot (latest by default). */
export async function cohortContext(
  lake: Lake,
  store: ControlStore,
  def: CohortDefinition,
  snapshot?: number,
): Promise<CohortContext> {
  const { loads, codes, wordIndex } = await lake.remember("cohort-context", () =>
    lakeContext(lake),
  );
  if (loads.length === 0)
    throw new NotFoundError(
      "The lake is empty.",
      "Ingest data first (`kaivo ingest`, or `npm start` for the demo).",
    );
  const latest = (loads[loads.length - 1] as { id: number }).id;
  const chosen = snapshot ?? latest;
  if (!loads.some((l) => l.id === chosen))
    throw new NotFoundError(
      `No snapshot ${chosen}.`,
      `Snapshots: 1 to ${latest} (\`kaivo lake snapshots\`).`,
    );
  const endOfData = loads
    .filter((l) => l.id <= chosen)
    .map((l) => l.time.slice(0, 10))
    .filter((t) => /^\d{4}-\d\d-\d\d$/.test(t))
    .sort()
    .pop();
  return {
    catalog: await sharedCatalog(lake),
    snapshot: chosen,
    latest: chosen === latest,
    endOfData: endOfData ?? new Date().toISOString().slice(0, 10),
    codes,
    cohorts: await savedCohorts(store, def),
    wordIndex,
  };
}

/** What a cohort's context reads of the lake itself: its loads, vocabulary and word index. */
async function lakeContext(lake: Lake): Promise<{
  loads: Array<{ id: number; time: string }>;
  codes: ReadonlyMap<string, ReadonlySet<string>>;
  wordIndex: ReadonlyMap<string, number>;
}> {
  await ensureCatalogSchema(lake);
  const loads = (
    await lake.query(
      sql`select load_id, json_extract_string(report, '$.transactionTime') as t from main._loads order by load_id`,
    )
  ).map((l) => ({ id: Number(l.load_id), time: String(l.t ?? "") }));
  const codes = new Map<string, Set<string>>();
  for (const r of await lake.query(sql`select system, code from _catalog.vocabulary`)) {
    const set = codes.get(String(r.system)) ?? new Set<string>();
    set.add(String(r.code));
    codes.set(String(r.system), set);
  }
  const wordIndex = new Map(
    (await indexedColumns(lake)).map((c) => [`${c.registry}.${c.table}.${c.column}`, c.tableId]),
  );
  return { loads, codes, wordIndex };
}

/**
 * The saved versions of the cohorts `def` uses as criteria, and of those they use in turn, by
 * name and hash; each definition parsed only when it is used (a version over today's limits,
 * saved by an older Kaivo, fails only there). Only the names used are read, so the many versions
 * a cohort builder saves cost nothing to a definition that uses none.
 */
async function savedCohorts(
  store: ControlStore,
  def: CohortDefinition,
): Promise<CohortContext["cohorts"]> {
  const out: CohortContext["cohorts"] = [];
  const read = new Set<string>();
  let uses = cohortsUsed(def);
  // One level deeper than the limit, so validation reports the depth rather than a missing one.
  for (let depth = 0; uses.length > 0 && depth <= DEFINITION_LIMITS.groupDepth + 1; depth++) {
    const names = [...new Set(uses.map((u) => u.name))].filter((n) => !read.has(n));
    for (const n of names) read.add(n);
    if (names.length > 0) out.push(...(await savedVersions(store, names)));
    const next: typeof uses = [];
    for (const use of uses) {
      const found = out.filter((c) => c.name === use.name && c.hash.startsWith(use.version));
      if (found.length !== 1) continue;
      try {
        next.push(...cohortsUsed((found[0] as (typeof out)[number]).definition));
      } catch {
        // Unusable (over the limits): reported where it is used.
      }
    }
    uses = next;
  }
  return out;
}

async function savedVersions(
  store: ControlStore,
  names: string[],
): Promise<CohortContext["cohorts"]> {
  const rows = await store.db
    .selectFrom("cohort_definitions")
    .select([
      "name",
      "hash",
      storeSql<
        string | null
      >`case when length(definition) <= ${DEFINITION_LIMITS.bytes} then definition end`.as(
        "definition",
      ),
    ])
    .where("name", "in", names)
    .execute();
  return rows.map(({ name, hash, definition: text }) => {
    const source = `saved cohort ${name} (${hash.slice(0, 12)})`;
    let parsed: CohortDefinition | undefined;
    return {
      name,
      hash,
      get definition(): CohortDefinition {
        if (text === null)
          throw new ValidationError(
            `${source} is larger than the limit of ${DEFINITION_LIMITS.bytes / 1024} KB and can no longer be used.`,
            "Save a smaller version of it (docs/cohorts.md, Limits) and refer to that one.",
          );
        parsed ??= parseDefinition(parseJsonText(text, source), source);
        return parsed;
      },
    };
  });
}

/** Stores a version once; later saves of the same content are no-ops. Audited when new. */
export async function saveDefinition(ctx: Ctx, def: CohortDefinition): Promise<string> {
  assertNoIdentifyingText({ "cohort's title": def.title, "cohort's description": def.description });
  const text = JSON.stringify(def);
  // parseDefinition has checked the limits; this keeps any other caller from storing for good
  // what every later command would have to read.
  if (text.length > DEFINITION_LIMITS.bytes)
    throw new ValidationError(
      `cohort ${def.name} is larger than the limit of ${DEFINITION_LIMITS.bytes / 1024} KB; it is not saved.`,
    );
  const hash = definitionHash(def);
  const existing = await ctx.store.db
    .selectFrom("cohort_definitions")
    .select("hash")
    .where("hash", "=", hash)
    .executeTakeFirst();
  if (existing) return hash;
  await ctx.store.db
    .insertInto("cohort_definitions")
    .values({
      hash,
      name: def.name,
      title: def.title ?? null,
      definition: text,
      created_at: new Date().toISOString(),
      created_by: ctx.actor.name,
    })
    .onConflict((oc) => oc.column("hash").doNothing())
    .execute();
  await appendAudit(ctx.store, ctx.actor, {
    action: "cohort.save",
    target: `cohort:${def.name}@${hash.slice(0, 12)}`,
  });
  return hash;
}

export interface ValidationReport {
  name: string;
  hash: string;
  errors: Issue[];
  warnings: Issue[];
}

/** `kaivo cohort validate`: shape and catalog checks; a valid definition is saved as a version. */
export function validateCohort(ctx: Ctx, raw: unknown, source?: string): Promise<ValidationReport> {
  return withLake(ctx, "cohort.define", async (lake) => {
    const def = parseDefinition(raw, source);
    const cctx = await cohortContext(lake, ctx.store, def);
    const { errors, warnings } = validateDefinition(def, cctx);
    const hash = errors.length === 0 ? await saveDefinition(ctx, def) : definitionHash(def);
    return { name: def.name, hash, errors, warnings };
  });
}

/** `kaivo cohort explain`: the plain-language rendering for reviewers. */
export function explainCohort(ctx: Ctx, raw: unknown, source?: string): Promise<string> {
  return withLake(ctx, "cohort.read", async (lake) => {
    const def = parseDefinition(raw, source);
    await ensureCatalogSchema(lake);
    const vocabulary = await lake.query(
      sql`select system, code, title_fi, title_en from _catalog.vocabulary order by system, code`,
    );
    const titles = (system: string, pattern: string) =>
      vocabulary
        .filter(
          (r) =>
            r.system === system &&
            (pattern.endsWith("*")
              ? String(r.code).startsWith(pattern.slice(0, -1))
              : r.code === pattern),
        )
        .map((r) => ({
          system,
          code: String(r.code),
          titleFi: r.title_fi === null ? null : String(r.title_fi),
          titleEn: r.title_en === null ? null : String(r.title_en),
        }));
    return explainDefinition(def, titles, definitionHash(def));
  });
}

/** The compiled cohort for a definition over a snapshot (latest by default). */
export async function compileFor(
  ctx: Ctx,
  lake: Lake,
  raw: unknown,
  snapshot?: number,
  source?: string,
): Promise<{ def: CohortDefinition; hash: string; compiled: CompiledCohort }> {
  const def = parseDefinition(raw, source);
  const cctx = await cohortContext(lake, ctx.store, def, snapshot);
  const compiled = compileCohort(def, cctx);
  return { def, hash: definitionHash(def), compiled };
}

/** `kaivo cohort sql`: the readable SQL the cohort runs as. */
export function cohortSql(ctx: Ctx, raw: unknown, snapshot?: number, source?: string) {
  return withLake(ctx, "cohort.read", async (lake) => {
    const { compiled } = await compileFor(ctx, lake, raw, snapshot, source);
    // The steps name the flag columns (`s1`, `s2`, …) the statement's comments only number.
    return { ...compiled.sql.compile(), steps: compiled.steps };
  });
}

/** Builds the flags and members of a compiled cohort as temp tables on the lake connection. */
export async function materialise(lake: Lake, compiled: CompiledCohort): Promise<void> {
  await lake.query(
    sql`create or replace temp table cohort_flags as with ${compiled.ctes} select * from flags`,
  );
  await lake.query(
    sql`create or replace temp table cohort_members as ${compiled.cohortFrom(sql`cohort_flags`)}`,
  );
}

/** Leaves people out of a materialised cohort (opted out of secondary use). */
export async function excludePersons(lake: Lake, pseudoIds: string[]): Promise<void> {
  await lake.tempIds("_excluded", pseudoIds);
  for (const t of ["cohort_flags", "cohort_members"])
    await lake.query(
      sql`delete from ${ident(t)} where pseudo_id in (select pseudo_id from _excluded)`,
    );
}

export interface AttritionStep {
  step: string;
  /** Persons still in after this step and every one before it. */
  remaining: number;
  /** Persons who fail this step and no other: excluded by it alone. */
  excludedByItAlone: number;
}

/**
 * Attrition for every step, from the flags table, in one pass. A person is excluded by a step
 * alone when they are out of the cohort (no episode passes every step) and some episode of theirs
 * fails that step and passes every other: with several episodes, one that fails does not exclude
 * a person another episode keeps in.
 */
/**
 * The person sets behind attrition, over the materialised `cohort_flags` (one row per episode):
 * who entered; who remains after each step and every one before it; and who is excluded by a step
 * alone: out of the cohort, with an episode that fails that step and passes every other.
 */
export function attritionSets(compiled: CompiledCohort): {
  entered: Sql;
  steps: Array<{ step: string; remaining: Sql; excludedByItAlone: Sql }>;
} {
  const cols = compiled.steps.map((s) => ident(s.column));
  const passes = cols.length ? join(cols, sql` and `) : sql`true`;
  const flagged = sql`cohort_flags f join (select pseudo_id, bool_or(${passes}) as kept from cohort_flags group by 1) p on p.pseudo_id = f.pseudo_id`;
  return {
    entered: sql`select distinct pseudo_id from cohort_flags`,
    steps: compiled.steps.map((s, k) => {
      const c = cols[k] as Sql;
      const others = cols.filter((_, j) => j !== k);
      return {
        step: s.name,
        remaining: sql`select distinct pseudo_id from cohort_flags where ${join(cols.slice(0, k + 1), sql` and `)}`,
        excludedByItAlone: sql`select distinct f.pseudo_id from ${flagged} where not p.kept and not ${c}${others.length ? sql` and ${join(others, sql` and `)}` : EMPTY}`,
      };
    }),
  };
}

/** Exact attrition counts (for stewards and tests), from the same person sets. */
export async function attrition(
  lake: Lake,
  compiled: CompiledCohort,
): Promise<{ entered: number; steps: AttritionStep[] }> {
  const sets = attritionSets(compiled);
  const count = async (q: Sql) =>
    Number((await lake.query(sql`select count(*) n from (${q})`))[0]?.n ?? 0);
  const steps: AttritionStep[] = [];
  for (const s of sets.steps)
    steps.push({
      step: s.step,
      remaining: await count(s.remaining),
      excludedByItAlone: await count(s.excludedByItAlone),
    });
  return { entered: await count(sets.entered), steps };
}

/**
 * `kaivo cohort run`: stores membership (lake pseudo-ID, index date, exit date) for a snapshot in
 * the lake's `_cohort` schema, for releases. Stewards only; audited with the definition's hash.
 */
export function runCohort(ctx: Ctx, raw: unknown, snapshot?: number, source?: string) {
  return withLake(
    ctx,
    "cohort.run",
    async (lake) => {
      const { def, hash, compiled } = await compileFor(ctx, lake, raw, snapshot, source);
      await saveDefinition(ctx, def);
      await materialise(lake, compiled);
      const c = lake.connection;
      await c.run("create schema if not exists _cohort");
      await c.run(`create table if not exists _cohort.runs (run_id integer, hash varchar, name varchar,
      snapshot integer, persons integer, episodes integer, created_by varchar, created_at varchar)`);
      await c.run(
        "create table if not exists _cohort.members (run_id integer, pseudo_id varchar, index_date date, exit_date date)",
      );
      const { runId, persons } = await lake.transaction(async () => {
        const [next] = await lake.query(
          sql`select coalesce(max(run_id), 0) + 1 as n from _cohort.runs`,
        );
        const runId = Number(next?.n ?? 1);
        await lake.query(
          sql`insert into _cohort.members select ${int(runId)}, pseudo_id, index_date, exit_date from cohort_members`,
        );
        const [n] = await lake.query(
          sql`select count(distinct pseudo_id) p, count(*) e from cohort_members`,
        );
        const persons = Number(n?.p ?? 0);
        await lake.query(
          sql`insert into _cohort.runs values (${int(runId)}, ${hash}, ${def.name}, ${int(compiled.snapshot)}, ${int(persons)}, ${int(Number(n?.e ?? 0))}, ${ctx.actor.name}, ${new Date().toISOString()})`,
        );
        return { runId, persons };
      });
      await appendAudit(ctx.store, ctx.actor, {
        action: "cohort.run",
        target: `cohort:${def.name}@${hash.slice(0, 12)}`,
        details: { runId, snapshot: compiled.snapshot, persons },
      });
      return {
        runId,
        name: def.name,
        hash,
        snapshot: compiled.snapshot,
        persons,
        ...(await attrition(lake, compiled)),
      };
    },
    {},
  );
}

/** `kaivo cohort list`: saved versions and, for stewards, materialised runs. */
export function listCohorts(ctx: Ctx) {
  return withLake(ctx, "cohort.read", async (lake) => {
    const versions = await ctx.store.db
      .selectFrom("cohort_definitions")
      .select([
        "name",
        "hash",
        // A title saved before titles had a limit is shown in part.
        storeSql<string | null>`substr(title, 1, ${DEFINITION_LIMITS.titleLength})`.as("title"),
        "created_at",
        "created_by",
      ])
      .orderBy("name")
      .orderBy("created_at")
      .execute();
    const hasRuns = await lake.query(
      sql`select count(*) n from information_schema.tables where table_schema = '_cohort' and table_name = 'runs'`,
    );
    const runs =
      Number(hasRuns[0]?.n) > 0
        ? (
            await lake.query(
              sql`select run_id, hash, name, snapshot, persons, created_by, created_at from _cohort.runs order by run_id`,
            )
          ).map((r) => ({
            runId: Number(r.run_id),
            name: String(r.name),
            hash: String(r.hash),
            snapshot: Number(r.snapshot),
            persons: Number(r.persons),
            createdBy: String(r.created_by),
            createdAt: String(r.created_at),
          }))
        : [];
    return { versions, runs: ctx.actor.role === "steward" ? runs : [] };
  });
}

/** JSON text as a value; an error says where it is wrong and never quotes the text. */
export function requireJson(text: string, source: string): unknown {
  return parseJsonText(text, source);
}

export interface CohortVersion {
  name: string;
  hash: string;
  title: string | null;
  createdAt: string;
  createdBy: string;
}

/** The saved versions of one cohort, oldest first: its version history. */
export async function cohortHistory(ctx: Ctx, name: string): Promise<CohortVersion[]> {
  await authorize(ctx.store, ctx.actor, "cohort.read");
  const rows = await ctx.store.db
    .selectFrom("cohort_definitions")
    .select([
      "name",
      "hash",
      storeSql<string | null>`substr(title, 1, ${DEFINITION_LIMITS.titleLength})`.as("title"),
      "created_at",
      "created_by",
    ])
    .where("name", "=", name)
    .orderBy("created_at")
    .orderBy("hash")
    .execute();
  return rows.map((r) => ({
    name: r.name,
    hash: r.hash,
    title: r.title,
    createdAt: r.created_at,
    createdBy: r.created_by,
  }));
}

/**
 * One saved version and its definition, by its full hash or a prefix of at least 8 characters;
 * the definition is what `kaivo cohort validate` reads back to the same version.
 */
export async function cohortVersion(
  ctx: Ctx,
  version: string,
): Promise<CohortVersion & { definition: CohortDefinition }> {
  await authorize(ctx.store, ctx.actor, "cohort.read");
  if (!/^[0-9a-f]{8,64}$/.test(version))
    throw new ValidationError("A cohort version is its content hash or its first 8+ hex digits.");
  const rows = await ctx.store.db
    .selectFrom("cohort_definitions")
    .selectAll()
    .where("hash", "like", `${version}%`)
    .limit(2)
    .execute();
  const row = rows[0];
  if (!row || rows.length > 1)
    throw new NotFoundError(
      rows.length > 1
        ? `Cohort version ${version} is ambiguous.`
        : `No saved cohort version ${version}.`,
      "See `kaivo cohort list`.",
    );
  const source = `saved cohort ${row.name} (${row.hash.slice(0, 12)})`;
  return {
    name: row.name,
    hash: row.hash,
    title: row.title,
    createdAt: row.created_at,
    createdBy: row.created_by,
    definition: parseDefinition(parseJsonText(row.definition, source), source),
  };
}

/**
 * A definition as a file for `kaivo cohort validate`: the saved version's JSON, indented, with
 * nothing added, so the CLI reads it back to the same version (hash).
 */
export function definitionFile(def: CohortDefinition): string {
  const { $schema: _schema, ...rest } = def;
  return `${JSON.stringify(rest, null, 2)}\n`;
}
