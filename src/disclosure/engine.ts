import type { ControlStore } from "../store/control-store.js";
import { AnswerIndex } from "./combinations.js";
import { countsOf, type Known, nearestKnown, search, WEIGHT_CAP } from "./family.js";
import {
  COMBINED,
  IMPLIED,
  knownOf,
  type LedgerEntry,
  type LedgerRow,
  type LedgerScope,
  lastIdInScope,
  lockScope,
  nearestAnswer,
  nearestEntry,
  onLedger,
  REUSED,
  readScope,
  recordAnswers,
} from "./ledger.js";
import type { MeasuredCell } from "./measure.js";
import type { DisclosurePolicy } from "./policy.js";
import { noiseAt } from "./ptable.js";
import { firstCounts } from "./sketch.js";

/**
 * At most this many implied sets go on the ledger per cell, the nearest first (the search is
 * breadth first). A padding attack needs only the few differences next to the cell; refinements
 * and breakdowns, whose cells nest in dozens of earlier ones, would otherwise fill the ledger.
 */
export const IMPLIED_PER_CELL = 8;

/** A count as shown outside the service: a perturbed number, or `<k` for anything below k. */
export type Shown = number | `<${number}`;

/**
 * The count a set of people gets under the policy, before the ledger: the true count plus the
 * noise its cell key draws from the perturbation table, then `<k` below k (0 included, so a zero
 * is never told apart from a small count), then rounding if the policy asks for it.
 */
export function perturbedCount(
  cell: Pick<MeasuredCell, "n" | "key">,
  policy: DisclosurePolicy,
): Shown {
  if (cell.n === 0) return `<${policy.minCount}`;
  return shownWithNoise(cell.n, noiseAt(policy.table, cell.n, cell.key), policy);
}

function shownWithNoise(n: number, noise: number, policy: DisclosurePolicy): Shown {
  const value = n + noise;
  if (value < policy.minCount) return `<${policy.minCount}`;
  return policy.rounding > 1
    ? Math.max(policy.minCount, Math.round(value / policy.rounding) * policy.rounding)
    : value;
}

/** The chance that a count of n people is shown as exactly n under the policy. */
export function chanceShownExact(n: number, policy: DisclosurePolicy): number {
  if (n < policy.minCount) return 0;
  const row = policy.table.rows[Math.min(n, policy.table.rows.length) - 1];
  let chance = 0;
  for (const [i, noise] of (row?.values ?? []).entries())
    if (shownWithNoise(n, noise, policy) === n) chance += row?.probabilities[i] ?? 0;
  return chance;
}

/** A shown count as the ledger keeps it (text) read back. */
export const parseShown = (text: string): Shown =>
  text.startsWith("<") ? (text as Shown) : Number(text);

/**
 * Disclosure control for one answer's cells. Each non-empty cell is compared with the ledger:
 * - a person set within k-1 people of one answered before (either way, identical included) gets
 *   that earlier answer again, so bisection, one-person tests and padding by a few people learn
 *   nothing;
 * - a set within k-1 people of the sum or difference of two known sets gets the sum or difference
 *   of their answers, so padding chains learn nothing either;
 * - a set whose differences with known sets inside or around it (up to three steps) land within
 *   k-1 people of a known set gets the answer that keeps them agreeing (src/disclosure/family.ts),
 *   so padding a target again and again gives the same estimate of it every time;
 * - any other set gets its perturbed count.
 * Every new set, and the sets it implies, go on the ledger before the answer is returned.
 *
 * The answers are worked out outside any transaction, so that one researcher's search does not
 * hold the control store from everyone else; the rows then go on the ledger in one short
 * transaction, which first checks (under a lock on the scope) that no answer came into the scope
 * meanwhile. If one did, the answers are worked out again; after three tries, inside the
 * transaction.
 */
export async function discloseCells(
  store: ControlStore,
  policy: DisclosurePolicy,
  scope: LedgerScope,
  cells: ReadonlyMap<string, MeasuredCell>,
): Promise<Map<string, Shown>> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const seen = await lastIdInScope(store, scope);
    const decision = await decide(store, store, policy, scope, cells);
    const stored = await store.db.transaction().execute(async (tx) => {
      const txStore = { ...store, db: tx } as ControlStore;
      await lockScope(txStore, scope);
      if ((await lastIdInScope(txStore, scope)) !== seen) return false;
      await recordAnswers(txStore, scope, decision.rows);
      return true;
    });
    if (stored) return decision.out;
  }
  return store.db.transaction().execute(async (tx) => {
    const txStore = { ...store, db: tx } as ControlStore;
    await lockScope(txStore, scope);
    const decision = await decide(txStore, store, policy, scope, cells);
    await recordAnswers(txStore, scope, decision.rows);
    return decision.out;
  });
}

/** The answers to an answer's cells, and the ledger rows they make, given the ledger as read. */
async function decide(
  reader: ControlStore,
  store: ControlStore,
  policy: DisclosurePolicy,
  scope: LedgerScope,
  cells: ReadonlyMap<string, MeasuredCell>,
): Promise<{ out: Map<string, Shown>; rows: LedgerRow[] }> {
  const k = policy.minCount;
  const small: Shown = `<${k}`;
  const out = new Map<string, Shown>();
  const rows: LedgerRow[] = [];
  const record = (kind: string | null, entry: LedgerEntry) =>
    rows.push({ policy: kind ? `${policy.version} ${kind}` : policy.version, entry });
  const ledger = await readScope(reader, store.db, scope);
  const family = knownOf(ledger, policy.version, WEIGHT_CAP);
  const combinable = new AnswerIndex(family, k);
  const remember = (known: Known) => {
    family.push(known);
    combinable.add(known);
  };
  for (const [id, cell] of cells) {
    if (cell.n === 0) {
      out.set(id, small);
      continue;
    }
    // The ledger's rows are earlier than this answer's own.
    const entries = rows.map((r) => r.entry);
    const earlier = nearestAnswer(ledger, cell.n, cell.sketch, k) ?? nearestEntry(entries, cell, k);
    if (earlier) {
      // An implied set's answer can be below k, or below zero: it is shown as `<k`.
      const again = parseShown(earlier.shown);
      out.set(id, typeof again === "number" && again < k ? small : again);
      // A set near an earlier one goes on the ledger once, not again each time it is asked.
      const known =
        onLedger(ledger, cell.sketch) ||
        entries.some((e) => e.persons === cell.n && nearestEntry([e], cell, 1));
      if (earlier.difference > 0 && !known)
        record(REUSED, {
          persons: cell.n,
          sketch: cell.sketch,
          sample: cell.sample,
          shown: String(again),
          weight: earlier.weight,
        });
      continue;
    }
    const combined = combinable.combined(cell.n, cell.sketch, firstCounts(cell.sketch));
    const found = search(family, { persons: cell.n, sketch: cell.sketch, sample: cell.sample }, k);
    const decided = combined ?? found.forced;
    const fresh = decided ? undefined : perturbedCount(cell, policy);
    const value = decided ? decided.value : typeof fresh === "number" ? fresh : undefined;
    const weight = decided ? decided.weight : 1;
    const shown: Shown = value === undefined || value < k ? small : value;
    out.set(id, shown);
    record(decided ? COMBINED : null, {
      persons: cell.n,
      sketch: cell.sketch,
      sample: cell.sample,
      shown: String(shown),
      weight,
    });
    // Only a number shown fixes the sets it implies: a `<k` tells its value to no one.
    if (typeof shown !== "number") continue;
    if (weight <= WEIGHT_CAP)
      remember({
        persons: cell.n,
        counts: countsOf(cell.sketch),
        sketch: () => cell.sketch,
        sample: cell.sample,
        shown,
        weight,
      });
    let implied = 0;
    for (const set of found.reached) {
      if (implied >= IMPLIED_PER_CELL) break;
      const setWeight = set.weight - 1 + weight;
      if (setWeight > WEIGHT_CAP || set.persons < 1 || nearestKnown(family, set, k)) continue;
      const answer = set.a + set.s * shown;
      const sketch = set.sketch();
      record(IMPLIED, {
        persons: set.persons,
        sketch,
        sample: set.sample,
        shown: String(answer),
        weight: setWeight,
      });
      remember({ ...set, sketch: () => sketch, shown: answer, weight: setWeight });
      implied++;
    }
  }
  return { out, rows };
}
