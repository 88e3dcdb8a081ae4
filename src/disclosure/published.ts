import { createHash } from "node:crypto";
import type { ControlStore } from "../store/control-store.js";
import { parseShown, perturbedCount, type Shown } from "./engine.js";
import type { MeasuredCell } from "./measure.js";
import type { DisclosurePolicy } from "./policy.js";
import { decodeSketch, differenceSize, encodeSketch } from "./sketch.js";

/** A published figure: what it shows, and whether it is the one published before, kept. */
export interface Published {
  shown: Shown;
  /** The cell's person set is within k-1 people of the one published last: its figure stands. */
  held: boolean;
}

/** The ledger key of a published cell (its ID hashed, so that no value text sits in the store). */
const cellHash = (id: string) => createHash("sha256").update(id).digest("hex");
/** Entries of a set that kept the figure drawn before carry this after the cell's hash. */
const HELD = ":held";

/**
 * What a cell is compared with. "snapshot" (a refresh after a load): the set its figure was last
 * drawn for, so a figure moves once the cell has changed by k people or more since, and is never
 * further than D + k - 1 from the truth. "same-snapshot" (a refresh of the same snapshot after
 * the opt-out register changed): the set published last, so that no opt-out moves a figure.
 */
export type PublishMode = "snapshot" | "same-snapshot";

/**
 * Disclosure control for published figures (scope "catalog"), cell by cell. Each cell is compared
 * with an earlier person set under the same cell ID (a table's persons, one value's persons, one
 * year's; which one: `mode`): when the two differ by fewer than k people and the policy is the
 * same, the published figure stands; else the cell gets its perturbed count. Each changed set
 * goes on the ledger, so the published catalog before and after one person leaves is the same,
 * and a cell moves once loads have changed it by k people or more.
 *
 * Every new entry is written before the figures are returned (and so before they are stored in
 * the catalog): a refresh that fails after this step finds the same sets on its next run.
 */
export async function publishCells(
  store: ControlStore,
  policy: DisclosurePolicy,
  actor: string,
  cells: ReadonlyMap<string, MeasuredCell>,
  mode: PublishMode,
): Promise<Map<string, Published>> {
  const k = policy.minCount;
  const out = new Map<string, Published>();
  if (cells.size === 0) return out;
  await store.db.transaction().execute(async (tx) => {
    const latest = await tx
      .selectFrom("disclosure_ledger")
      .select(["id", "definition_hash", "policy", "persons", "sketch", "shown"])
      .where("id", "in", (eb) =>
        eb
          .selectFrom("disclosure_ledger")
          .select((e) => e.fn.max("id").as("id"))
          .where("scope", "=", "catalog")
          .where("actor", "=", actor)
          .groupBy("definition_hash"),
      )
      .execute();
    const latestOf = new Map(latest.map((r) => [String(r.definition_hash), r]));
    const entries = [];
    const now = new Date().toISOString();
    for (const [id, cell] of cells) {
      const hash = cellHash(id);
      const drawn = latestOf.get(hash);
      const kept = latestOf.get(`${hash}${HELD}`);
      const before =
        mode === "same-snapshot" && kept && (!drawn || kept.id > drawn.id) ? kept : drawn;
      const difference =
        before && before.policy === policy.version && Math.abs(before.persons - cell.n) < k
          ? differenceSize(decodeSketch(before.sketch), cell.sketch, k)
          : null;
      const held = before !== undefined && difference !== null && difference < k;
      const shown = held ? parseShown(before.shown) : perturbedCount(cell, policy);
      out.set(id, { shown, held });
      if (!held || difference !== 0)
        entries.push({
          scope: "catalog",
          actor,
          application: null,
          created_at: now,
          definition_hash: held ? `${hash}${HELD}` : hash,
          policy: policy.version,
          persons: cell.n,
          sketch: encodeSketch(cell.sketch),
          shown: String(shown),
        });
    }
    // In slices: SQLite takes at most 32 766 bound values in one statement.
    for (let i = 0; i < entries.length; i += 500)
      await tx
        .insertInto("disclosure_ledger")
        .values(entries.slice(i, i + 500))
        .execute();
  });
  return out;
}
