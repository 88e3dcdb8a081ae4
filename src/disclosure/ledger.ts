import { sql } from "kysely";
import type { ControlStore } from "../store/control-store.js";
import { countsOfText, type Known } from "./family.js";
import { decodeSample, encodeSample, type KeySample } from "./sample.js";
import {
  decodeSketch,
  differenceSize,
  encodeSketch,
  firstCounts,
  firstCountsOfText,
  type Sketch,
} from "./sketch.js";

/** Whose answers a new answer is compared with. */
export interface LedgerScope {
  /** "query": answers to researchers; "catalog": the figures published in the catalog. */
  scope: "query" | "catalog";
  actor: string;
  /** The application the answer is for: its researchers' answers are compared together. */
  application: string | null;
  definitionHash: string | null;
}

export interface LedgerEntry {
  persons: number;
  sketch: Sketch;
  sample: KeySample | null;
  shown: string;
  /** How many fresh perturbation draws the answer is made of. */
  weight: number;
}

/**
 * The earliest answer in scope (same actor, or same application) whose person set differs from
 * this one by fewer than k people, identical sets included; undefined if there is none. Only
 * sets within k-1 of this size can be that close, so only they are read.
 */
export async function nearestAnswer(
  store: ControlStore,
  scope: LedgerScope,
  persons: number,
  sketch: Sketch,
  k: number,
): Promise<{ shown: string; difference: number; weight: number } | undefined> {
  let q = store.db
    .selectFrom("disclosure_ledger")
    .select(["persons", "sketch", "shown", "weight"])
    .where("scope", "=", scope.scope)
    .where("persons", ">=", persons - (k - 1))
    .where("persons", "<=", persons + (k - 1));
  const { application, actor } = scope;
  q = application
    ? q.where((eb) => eb.or([eb("actor", "=", actor), eb("application", "=", application)]))
    : q.where("actor", "=", actor);
  const counts = firstCounts(sketch);
  for (const row of await q.orderBy("id").execute()) {
    // The first sub-table holds every member once: sets k or more apart there are far apart.
    const theirs = firstCountsOfText(row.sketch);
    let apart = 0;
    for (let i = 0; i < counts.length && apart < k; i++)
      apart += Math.abs((counts[i] as number) - (theirs[i] as number));
    if (apart >= k) continue;
    const difference = differenceSize(decodeSketch(row.sketch), sketch, k);
    if (difference !== null && difference < k)
      return { shown: row.shown, difference, weight: row.weight };
  }
  return undefined;
}

/** As nearestAnswer, among entries not yet on the ledger (an answer's own earlier cells). */
export function nearestEntry(
  entries: readonly LedgerEntry[],
  cell: { n: number; sketch: Sketch },
  k: number,
): { shown: string; difference: number; weight: number } | undefined {
  for (const entry of entries) {
    if (Math.abs(entry.persons - cell.n) > k - 1) continue;
    const difference = differenceSize(entry.sketch, cell.sketch, k);
    if (difference !== null && difference < k)
      return { shown: entry.shown, difference, weight: entry.weight };
  }
  return undefined;
}

/**
 * How a ledger row's answer was made, after the policy version: an earlier answer given again, a
 * sum or difference of known ones, or a set implied by two answered ones (never shown).
 */
export const REUSED = "(reused)";
export const COMBINED = "(combined)";
export const IMPLIED = "(implied)";

interface CachedFamily {
  lastId: number;
  rows: number;
  known: Known[];
}

/**
 * Known sets already read, per database and scope: a scope's ledger only grows, so each answer
 * reads just the rows added since. Rows are added by committed transactions only; if the rows up
 * to the last one read no longer number as many (a transaction that took an id earlier committed
 * later), the scope is read again from the start.
 */
const familyCache = new WeakMap<object, Map<string, CachedFamily>>();

/**
 * The known sets of a scope under this policy (src/disclosure/family.ts): answers with a number
 * that were perturbed, combined or implied, made of at most `maxWeight` draws. `cacheOwner` is
 * the store's own database handle (not a transaction's), under which the sets read are kept.
 * The list returned is the caller's to extend.
 */
export async function knownSets(
  store: ControlStore,
  cacheOwner: object,
  scope: LedgerScope,
  policy: string,
  maxWeight: number,
): Promise<Known[]> {
  const inScope = () => {
    let q = store.db
      .selectFrom("disclosure_ledger")
      .where("scope", "=", scope.scope)
      .where("policy", "in", [policy, `${policy} ${COMBINED}`, `${policy} ${IMPLIED}`])
      .where("weight", "<=", maxWeight)
      .where("shown", "not like", "<%");
    const { application, actor } = scope;
    q = application
      ? q.where((eb) => eb.or([eb("actor", "=", actor), eb("application", "=", application)]))
      : q.where("actor", "=", actor);
    return q;
  };
  const byScope = familyCache.get(cacheOwner) ?? new Map<string, CachedFamily>();
  familyCache.set(cacheOwner, byScope);
  const key = JSON.stringify([scope.scope, scope.actor, scope.application, policy, maxWeight]);
  let cached = byScope.get(key) ?? { lastId: 0, rows: 0, known: [] };
  if (cached.rows > 0) {
    const counted = await inScope()
      .where("id", "<=", cached.lastId)
      .select((eb) => eb.fn.countAll().as("n"))
      .executeTakeFirst();
    if (Number(counted?.n ?? 0) !== cached.rows) cached = { lastId: 0, rows: 0, known: [] };
  }
  const added = await inScope()
    .where("id", ">", cached.lastId)
    .select(["id", "persons", "sketch", "shown", "sample", "weight"])
    .orderBy("id")
    .execute();
  for (const r of added) {
    let sketch: Sketch | undefined;
    cached.known.push({
      persons: r.persons,
      sketch: () => {
        sketch ??= decodeSketch(r.sketch);
        return sketch;
      },
      counts: countsOfText(r.sketch),
      sample: r.sample === null ? null : decodeSample(r.sample),
      shown: Number(r.shown),
      weight: r.weight,
    });
    cached.lastId = Number(r.id);
    cached.rows++;
  }
  byScope.set(key, cached);
  return [...cached.known];
}

/** A ledger row to be written: its policy (with how it was made) and its entry. */
export interface LedgerRow {
  policy: string;
  entry: LedgerEntry;
}

/** Rows of one scope in one statement per 200 (far below any bound on parameters). */
export async function recordAnswers(
  store: ControlStore,
  scope: LedgerScope,
  rows: readonly LedgerRow[],
): Promise<void> {
  const createdAt = new Date().toISOString();
  for (let from = 0; from < rows.length; from += 200)
    await store.db
      .insertInto("disclosure_ledger")
      .values(
        rows.slice(from, from + 200).map(({ policy, entry }) => ({
          scope: scope.scope,
          actor: scope.actor,
          application: scope.application,
          created_at: createdAt,
          definition_hash: scope.definitionHash,
          policy,
          persons: entry.persons,
          sketch: encodeSketch(entry.sketch),
          shown: entry.shown,
          sample: entry.sample === null ? null : encodeSample(entry.sample),
          weight: entry.weight,
        })),
      )
      .execute();
}

/** The newest ledger row an answer in this scope is compared with (0: none). */
export async function lastIdInScope(store: ControlStore, scope: LedgerScope): Promise<number> {
  const { application, actor } = scope;
  const row = await store.db
    .selectFrom("disclosure_ledger")
    .where("scope", "=", scope.scope)
    .where((eb) =>
      application
        ? eb.or([eb("actor", "=", actor), eb("application", "=", application)])
        : eb("actor", "=", actor),
    )
    .select((eb) => eb.fn.max("id").as("id"))
    .executeTakeFirst();
  return Number(row?.id ?? 0);
}

/**
 * Within a transaction: waits for any other transaction writing to this scope's ledger (on
 * PostgreSQL, transaction-level advisory locks on the actor and the application, in one order;
 * SQLite has one writer anyway).
 */
export async function lockScope(store: ControlStore, scope: LedgerScope): Promise<void> {
  if (store.dialect !== "postgres") return;
  const names = [
    `actor:${scope.actor}`,
    ...(scope.application ? [`application:${scope.application}`] : []),
  ];
  for (const name of names.sort())
    await sql`select pg_advisory_xact_lock(hashtext(${`kaivo-ledger:${scope.scope}:${name}`}))`.execute(
      store.db,
    );
}
