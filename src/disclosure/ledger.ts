import { sql } from "kysely";
import type { ControlStore } from "../store/control-store.js";
import { countsOfText, type Known } from "./family.js";
import { decodeSample, encodeSample, type KeySample } from "./sample.js";
import { decodeSketch, differenceSize, encodeSketch, firstCounts, type Sketch } from "./sketch.js";

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

/** A ledger row as read back: its counts parsed, its sketch decoded when first needed. */
export interface ReadRow {
  id: number;
  persons: number;
  policy: string;
  shown: string;
  weight: number;
  /** All bucket counts of the sketch. */
  counts: Int32Array;
  sketch: () => Sketch;
  sample: KeySample | null;
}

/** A scope's ledger as read: every row in id order, and the rows of each size. */
export interface ScopeLedger {
  rows: readonly ReadRow[];
  bySize: ReadonlyMap<number, readonly ReadRow[]>;
  /** Every row's sketch as text: the same set of people has the same text. */
  sketches: ReadonlySet<string>;
}

interface CachedScope {
  lastId: number;
  rows: ReadRow[];
  bySize: Map<number, ReadRow[]>;
  sketches: Set<string>;
  /** Known sets per policy and weight cap, and how many rows they were taken from. */
  known: Map<string, { read: number; known: Known[] }>;
}

/**
 * Scopes already read, per database handle: a scope's ledger only grows, so each answer reads
 * just the rows added since. Rows are added by committed transactions only; if the rows up to the
 * last one read no longer number as many (a transaction that took an id earlier committed later),
 * the scope is read again from the start. The scopes used least recently are let go first.
 */
const scopeCache = new WeakMap<object, Map<string, CachedScope>>();
const SCOPES_KEPT = 256;

const inScope = (store: ControlStore, scope: LedgerScope) => {
  const q = store.db.selectFrom("disclosure_ledger").where("scope", "=", scope.scope);
  const { application, actor } = scope;
  return application
    ? q.where((eb) => eb.or([eb("actor", "=", actor), eb("application", "=", application)]))
    : q.where("actor", "=", actor);
};

/**
 * The ledger of a scope (same actor, or same application), read through `store` and kept under
 * `cacheOwner`, the store's own database handle (not a transaction's).
 */
export async function readScope(
  store: ControlStore,
  cacheOwner: object,
  scope: LedgerScope,
): Promise<ScopeLedger & { known: CachedScope["known"] }> {
  const byScope = scopeCache.get(cacheOwner) ?? new Map<string, CachedScope>();
  scopeCache.set(cacheOwner, byScope);
  const key = JSON.stringify([scope.scope, scope.actor, scope.application]);
  const fresh = (): CachedScope => ({
    lastId: 0,
    rows: [],
    bySize: new Map(),
    sketches: new Set(),
    known: new Map(),
  });
  let cached = byScope.get(key) ?? fresh();
  if (cached.rows.length > 0) {
    const counted = await inScope(store, scope)
      .where("id", "<=", cached.lastId)
      .select((eb) => eb.fn.countAll().as("n"))
      .executeTakeFirst();
    if (Number(counted?.n ?? 0) !== cached.rows.length) cached = fresh();
  }
  const added = await inScope(store, scope)
    .where("id", ">", cached.lastId)
    .select(["id", "persons", "policy", "sketch", "shown", "sample", "weight"])
    .orderBy("id")
    .execute();
  for (const r of added) {
    let sketch: Sketch | undefined;
    const row: ReadRow = {
      id: Number(r.id),
      persons: r.persons,
      policy: r.policy,
      shown: r.shown,
      weight: r.weight,
      counts: countsOfText(r.sketch),
      sketch: () => {
        sketch ??= decodeSketch(r.sketch);
        return sketch;
      },
      sample: r.sample === null ? null : decodeSample(r.sample),
    };
    cached.rows.push(row);
    const sameSize = cached.bySize.get(row.persons);
    if (sameSize) sameSize.push(row);
    else cached.bySize.set(row.persons, [row]);
    cached.sketches.add(r.sketch);
    cached.lastId = row.id;
  }
  byScope.delete(key);
  byScope.set(key, cached);
  if (byScope.size > SCOPES_KEPT) byScope.delete(byScope.keys().next().value as string);
  return cached;
}

/** What an earlier answer tells a new cell: the answer, how far apart the sets are, its weight. */
export interface Earlier {
  shown: string;
  difference: number;
  weight: number;
}

/**
 * The earliest answer in the scope's ledger whose person set differs from this one by fewer than
 * k people, identical sets included; undefined if there is none. Only sets within k-1 of this
 * size can be that close, so only they are compared.
 */
export function nearestAnswer(
  ledger: ScopeLedger,
  persons: number,
  sketch: Sketch,
  k: number,
): Earlier | undefined {
  const counts = firstCounts(sketch);
  // The rows of every size near this one, merged in id order (each size's rows are).
  const lists: Array<readonly ReadRow[]> = [];
  for (let size = persons - (k - 1); size <= persons + (k - 1); size++) {
    const rows = ledger.bySize.get(size);
    if (rows?.length) lists.push(rows);
  }
  const at = lists.map(() => 0);
  for (;;) {
    let next = -1;
    let row: ReadRow | undefined;
    for (let l = 0; l < lists.length; l++) {
      const candidate = lists[l]?.[at[l] as number];
      if (candidate && (row === undefined || candidate.id < row.id)) {
        row = candidate;
        next = l;
      }
    }
    if (row === undefined) return undefined;
    at[next] = (at[next] as number) + 1;
    // The first sub-table holds every member once: sets k or more apart there are far apart.
    let apart = 0;
    for (let i = 0; i < counts.length && apart < k; i++)
      apart += Math.abs((counts[i] as number) - (row.counts[i] as number));
    if (apart >= k) continue;
    const difference = differenceSize(row.sketch(), sketch, k);
    if (difference !== null && difference < k)
      return { shown: row.shown, difference, weight: row.weight };
  }
}

/** Whether exactly this set of people is on the scope's ledger already. */
export function onLedger(ledger: ScopeLedger, sketch: Sketch): boolean {
  return ledger.sketches.has(encodeSketch(sketch));
}

/** As nearestAnswer, among entries not yet on the ledger (an answer's own earlier cells). */
export function nearestEntry(
  entries: readonly LedgerEntry[],
  cell: { n: number; sketch: Sketch },
  k: number,
): Earlier | undefined {
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

/**
 * The known sets of a scope's ledger under this policy (src/disclosure/family.ts): answers with a
 * number that were perturbed, combined or implied, made of at most `maxWeight` draws. The list
 * returned is the caller's to extend.
 */
export function knownOf(
  ledger: Awaited<ReturnType<typeof readScope>>,
  policy: string,
  maxWeight: number,
): Known[] {
  const policies = new Set([policy, `${policy} ${COMBINED}`, `${policy} ${IMPLIED}`]);
  const key = JSON.stringify([policy, maxWeight]);
  const taken = ledger.known.get(key) ?? { read: 0, known: [] };
  for (const r of ledger.rows.slice(taken.read)) {
    if (!policies.has(r.policy) || r.weight > maxWeight || r.shown.startsWith("<")) continue;
    taken.known.push({
      persons: r.persons,
      sketch: r.sketch,
      counts: r.counts,
      sample: r.sample,
      shown: Number(r.shown),
      weight: r.weight,
    });
  }
  taken.read = ledger.rows.length;
  ledger.known.set(key, taken);
  return [...taken.known];
}

/** The known sets of a scope, read as readScope does (see knownOf). */
export async function knownSets(
  store: ControlStore,
  cacheOwner: object,
  scope: LedgerScope,
  policy: string,
  maxWeight: number,
): Promise<Known[]> {
  return knownOf(await readScope(store, cacheOwner, scope), policy, maxWeight);
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
