import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { peopleLake } from "../../test/support/people-lake.js";
import type { TestDeployment } from "../../test/support/stores.js";
import type { Lake } from "../lake/lake.js";
import { sql } from "../lake/sql.js";
import { perturbedCount } from "./engine.js";
import { type MeasuredCell, measureCells } from "./measure.js";
import { policyFrom } from "./policy.js";
import { type PublishMode, publishCells } from "./published.js";

describe("the published catalog's ledger", () => {
  let deployment: TestDeployment;
  let lake: Lake;
  let close: () => Promise<void>;
  beforeEach(async () => {
    ({ deployment, lake, close } = await peopleLake());
  });
  afterEach(() => close());

  const measure = async (below: number): Promise<MeasuredCell> => {
    const m = await measureCells(lake, [
      { id: "c", persons: sql`select pseudo_id from r.people where i < ${below}` },
    ]);
    return m.get("c") as MeasuredCell;
  };
  const publish = async (below: number, mode: PublishMode) => {
    const policy = policyFrom(deployment.home.config);
    const cell = await measure(below);
    const out = await publishCells(
      deployment.store,
      policy,
      "catalog",
      new Map([["t|c", cell]]),
      mode,
    );
    return {
      ...(out.get("t|c") as { shown: unknown; held: boolean }),
      fresh: perturbedCount(cell, policy),
    };
  };

  test("keeps a figure through opt-outs, and moves it once loads change the cell by k or more", async () => {
    const first = await publish(500, "snapshot");
    expect(first.held).toBe(false);
    expect(first.shown).toBe(first.fresh);
    // A load that changed the cell by 3: the figure stands.
    expect(await publish(503, "snapshot")).toMatchObject({ shown: first.shown, held: true });
    // Opt-outs one at a time (same snapshot): each within one person of the last, all stand.
    for (const below of [502, 501, 500, 499, 498, 497, 496])
      expect(await publish(below, "same-snapshot")).toMatchObject({
        shown: first.shown,
        held: true,
      });
    // The next load: 496 is 4 from the 500 the figure was drawn for, it stands; 495 is 5, it moves.
    expect(await publish(496, "snapshot")).toMatchObject({ shown: first.shown, held: true });
    const moved = await publish(495, "snapshot");
    expect(moved.held).toBe(false);
    expect(moved.shown).toBe(moved.fresh);
    // A policy's figures are never held for another policy.
    const other = policyFrom({
      disclosure: { ...deployment.home.config.disclosure, minCount: 10 },
    });
    const cell = await measure(495);
    const again = await publishCells(
      deployment.store,
      other,
      "catalog",
      new Map([["t|c", cell]]),
      "snapshot",
    );
    expect(again.get("t|c")?.held).toBe(false);
  });
});
