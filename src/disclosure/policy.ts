import type { KaivoConfig } from "../home/config.js";
import { type PerturbationTable, perturbationTable } from "./ptable.js";

/**
 * The disclosure policy in force: one version, recorded with every answer it produced, so that
 * any figure shown can later be traced to the rules that shaped it.
 */
export interface DisclosurePolicy {
  /** e.g. `kaivo-sdc/2 k=5 D=3 V=2 r=1 b=20`: the method's version and every parameter. */
  version: string;
  /** Smallest count shown as a number; 0 to k-1 read `<k`. */
  minCount: number;
  table: PerturbationTable;
  /** Perturbed counts are rounded to a multiple of this (1: not rounded). */
  rounding: number;
  /** Below this shown cohort size, no breakdown at all. */
  breakdownMin: number;
  /**
   * Feasibility answers per application (all its researchers together), and per researcher for
   * answers outside any application; null: no limit.
   */
  queryBudget: number | null;
}

/** The method's version: change it whenever the way a count is disclosed changes. */
export const METHOD = "kaivo-sdc/2";

export function policyFrom(config: Pick<KaivoConfig, "disclosure">): DisclosurePolicy {
  const d = config.disclosure;
  const table = perturbationTable(d.perturbation);
  return {
    version: `${METHOD} k=${d.minCount} D=${d.perturbation.maxNoise} V=${d.perturbation.variance} r=${d.rounding} b=${d.breakdownMin}`,
    minCount: d.minCount,
    table,
    rounding: d.rounding,
    breakdownMin: d.breakdownMin,
    queryBudget: d.queryBudget ?? null,
  };
}
