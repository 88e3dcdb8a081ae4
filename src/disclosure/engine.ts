import type { ControlStore } from "../store/control-store.js";
import { AnswerIndex } from "./combinations.js";
import { type LedgerScope, nearestAnswer, numericAnswers, REUSED, recordAnswer } from "./ledger.js";
import type { MeasuredCell } from "./measure.js";
import type { DisclosurePolicy } from "./policy.js";
import { noiseAt } from "./ptable.js";
import { firstCounts } from "./sketch.js";

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
  const small: Shown = `<${policy.minCount}`;
  if (cell.n === 0) return small;
  const value = cell.n + noiseAt(policy.table, cell.n, cell.key);
  if (value < policy.minCount) return small;
  return policy.rounding > 1
    ? Math.max(policy.minCount, Math.round(value / policy.rounding) * policy.rounding)
    : value;
}

/** A shown count as the ledger keeps it (text) read back. */
export const parseShown = (text: string): Shown =>
  text.startsWith("<") ? (text as Shown) : Number(text);

/**
 * Disclosure control for one answer's cells. Each non-empty cell is compared with the ledger: a
 * person set within k-1 people of one answered before (either way, identical included) gets that
 * earlier answer again, so bisection, one-person tests and padding by a few people learn nothing;
 * a set within k-1 people of the sum or difference of two answered sets gets the sum or
 * difference of their answers, so padding chains learn nothing either; any other set gets its
 * perturbed count. Every new set goes on the ledger before the answer is returned.
 */
export async function discloseCells(
  store: ControlStore,
  policy: DisclosurePolicy,
  scope: LedgerScope,
  cells: ReadonlyMap<string, MeasuredCell>,
): Promise<Map<string, Shown>> {
  const k = policy.minCount;
  const out = new Map<string, Shown>();
  await store.db.transaction().execute(async (tx) => {
    const txStore = { ...store, db: tx } as ControlStore;
    // Only freshly perturbed answers are combined, so a combined answer is within 2D + k - 1 of
    // its true count and errors do not compound.
    const combinable = new AnswerIndex(await numericAnswers(txStore, scope, policy.version), k);
    for (const [id, cell] of cells) {
      if (cell.n === 0) {
        out.set(id, `<${k}`);
        continue;
      }
      const earlier = await nearestAnswer(txStore, scope, cell.n, cell.sketch, k);
      const combined = earlier
        ? undefined
        : combinable.combined(cell.n, cell.sketch, firstCounts(cell.sketch));
      const fresh = !earlier && combined === undefined;
      const shown = earlier
        ? parseShown(earlier.shown)
        : (combined ?? perturbedCount(cell, policy));
      out.set(id, shown);
      if (fresh && typeof shown === "number")
        combinable.add({
          persons: cell.n,
          sketch: () => cell.sketch,
          counts: firstCounts(cell.sketch),
          shown,
        });
      if (!earlier || earlier.difference > 0)
        await recordAnswer(txStore, scope, fresh ? policy.version : `${policy.version} ${REUSED}`, {
          persons: cell.n,
          sketch: cell.sketch,
          shown: String(shown),
        });
    }
  });
  return out;
}
