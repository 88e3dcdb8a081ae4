import type { ControlStore } from "../../store/control-store.js";
import { discloseCells, type Shown } from "../engine.js";
import type { LedgerScope } from "../ledger.js";
import { measureKeys } from "../measure.js";
import type { DisclosurePolicy } from "../policy.js";

/**
 * A researcher's view of the engine for one attack: every question is a query of one or more
 * person sets, answered by the real engine (perturbation and ledger on a real control store), and
 * counted against the budget.
 */
export class Oracle {
  used = 0;
  constructor(
    private readonly store: ControlStore,
    private readonly policy: DisclosurePolicy,
    private readonly scope: LedgerScope,
    readonly budget: number,
  ) {}

  get left(): number {
    return this.budget - this.used;
  }

  /** One query's cells; undefined once the budget is spent. */
  async ask(...cells: ReadonlyArray<readonly bigint[]>): Promise<Shown[] | undefined> {
    if (this.used >= this.budget) return undefined;
    this.used++;
    const measured = new Map(cells.map((keys, i) => [String(i), measureKeys(keys)]));
    const shown = await discloseCells(this.store, this.policy, this.scope, measured);
    return cells.map((_, i) => shown.get(String(i)) as Shown);
  }

  async one(keys: readonly bigint[]): Promise<Shown | undefined> {
    return (await this.ask(keys))?.[0];
  }
}

/** What an attacker reads a shown count as: a number, with `<k` as its middle. */
export function asNumber(shown: Shown, k: number): number {
  return typeof shown === "number" ? shown : (k - 1) / 2;
}
