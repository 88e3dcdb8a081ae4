import type { ControlStore } from "../../store/control-store.js";
import { chanceShownExact } from "../engine.js";
import type { DisclosurePolicy } from "../policy.js";
import { ATTACKS, type Trial } from "./attacks.js";
import { Oracle } from "./oracle.js";
import { Population } from "./population.js";

export type AttackName = keyof typeof ATTACKS;

export interface AttackResult {
  attack: AttackName;
  targets: number;
  /** Share of targets the attacker got right. */
  success: number;
  /** Share the guess from the published answer (or the prior) alone got right. */
  baseline: number;
  /** Two standard errors of a success rate at the baseline: above it by more is better than guessing. */
  margin: number;
  medianQueries: number;
}

const CATALOG_ATTACKS: readonly AttackName[] = ["3 catalog subtraction", "5 opt-out diff (sex)"];

/**
 * Runs the automated adversaries against the engine under a policy: each attack over `targets`
 * synthetic targets, each target with its own researcher (ledger and budget) and `budget` queries.
 * Catalog attacks read the published catalog, which has one ledger of its own per catalog.
 */
export async function evaluateAdversaries(
  store: ControlStore,
  policy: DisclosurePolicy,
  options: { targets: number; budget: number; seed?: string; only?: AttackName[] },
): Promise<AttackResult[]> {
  const results: AttackResult[] = [];
  const names = options.only ?? (Object.keys(ATTACKS) as AttackName[]);
  for (const attack of names) {
    const population = new Population(`${options.seed ?? "kaivo"}:${attack}`);
    const trials: Trial[] = [];
    for (let i = 0; i < options.targets; i++) {
      const catalog = CATALOG_ATTACKS.includes(attack);
      const actor = `${catalog ? "catalog" : "adversary"}:${attack}:${options.seed ?? ""}:${i}`;
      const oracle = () =>
        new Oracle(
          store,
          policy,
          {
            scope: catalog ? "catalog" : "query",
            actor,
            application: null,
            definitionHash: null,
          },
          options.budget,
        );
      const exactChance = (n: number) => chanceShownExact(n, policy);
      trials.push(
        await ATTACKS[attack]({ population, k: policy.minCount, index: i, oracle, exactChance }),
      );
    }
    const success = trials.filter((t) => t.success).length / trials.length;
    const baseline = trials.reduce((a, t) => a + t.baseline, 0) / trials.length;
    const queries = trials.map((t) => t.queries).sort((a, b) => a - b);
    results.push({
      attack,
      targets: trials.length,
      success,
      baseline,
      // Every baseline is a known chance, so only the success rate has sampling error.
      margin: 2 * Math.sqrt((baseline * (1 - baseline)) / trials.length),
      medianQueries: queries[Math.floor(queries.length / 2)] ?? 0,
    });
  }
  return results;
}

export function adversaryTable(results: AttackResult[]): string {
  const pct = (x: number) => `${(100 * x).toFixed(0)} %`;
  const rows = results.map(
    (r) =>
      `| ${r.attack} | ${r.targets} | ${r.medianQueries} | ${pct(r.success)} | ${pct(r.baseline)} | ${r.success - r.baseline > r.margin ? "better than guessing" : "no better than guessing"} |`,
  );
  return [
    "| adversary | targets | queries (median) | success | baseline | verdict |",
    "| --- | ---: | ---: | ---: | ---: | --- |",
    ...rows,
  ].join("\n");
}
