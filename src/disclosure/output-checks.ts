/**
 * The automatic checks of workspace outputs (issue 19 item 4): one versioned policy, ACRO's
 * defaults as the anchor (threshold 10, zeros flagged, N-K dominance n = 2 k = 90 %, p % = 10 %,
 * residual degrees of freedom ≥ 10, min and max only when their underlying counts pass),
 * configurable per deployment (`outputChecks` in kaivo.json). Each finding says where, what
 * failed, why, and a mitigation; an output passes, needs review or fails.
 *
 * The checks read only the counts an analysis carries (src/workspace/analysis/analyses.ts),
 * never rows. Differencing compares an output with the same permit's already released outputs.
 */
import type { KaivoConfig } from "../home/config.js";
import type { AnalysisResult, Level } from "../workspace/analysis/analyses.js";

export interface OutputPolicy {
  /** e.g. `kaivo-outputs/1 t=10 zeros=review nk=2,90 p=10 df=10`: the method and its parameters. */
  version: string;
  threshold: number;
  zeros: "review" | "fail";
  nkN: number;
  nkK: number;
  pPercent: number;
  minResidualDf: number;
}

/** The method's version: change it whenever a rule changes. */
export const OUTPUT_METHOD = "kaivo-outputs/1";

export function outputPolicyFrom(config: Pick<KaivoConfig, "outputChecks">): OutputPolicy {
  const c = config.outputChecks;
  return {
    version: `${OUTPUT_METHOD} t=${c.threshold} zeros=${c.zeros} nk=${c.nkN},${c.nkK} p=${c.pPercent} df=${c.minResidualDf}`,
    threshold: c.threshold,
    zeros: c.zeros,
    nkN: c.nkN,
    nkK: c.nkK,
    pPercent: c.pPercent,
    minResidualDf: c.minResidualDf,
  };
}

export type Outcome = "pass" | "review" | "fail";

export type Rule =
  | "threshold"
  | "zeros"
  | "dominance-nk"
  | "p-percent"
  | "min-max"
  | "residual-df"
  | "survival-at-risk"
  | "survival-events"
  | "differencing"
  | "free-file";

export interface Finding {
  rule: Rule;
  outcome: "review" | "fail";
  /** The cell, group, bin, step or term. */
  where: string;
  reason: string;
  mitigation: string;
}

export interface OutputCheck {
  outcome: Outcome;
  policy: string;
  findings: Finding[];
}

/** An earlier released output of the same permit, for the differencing check. */
export interface ReleasedResult {
  id: string;
  result: AnalysisResult;
}

const show = (l: Level) => (l === null ? "(missing)" : l);
const cellName = (vars: string[], values: Level[]) =>
  vars.map((v, i) => `${v}=${show(values[i] ?? null)}`).join(", ");

function overall(findings: Finding[]): Outcome {
  if (findings.some((f) => f.outcome === "fail")) return "fail";
  return findings.length ? "review" : "pass";
}

/** Counts in 1 .. t-1 fail, zeros are flagged as the policy says. */
function countCell(p: OutputPolicy, where: string, count: number, what: string): Finding[] {
  if (count === 0)
    return [
      {
        rule: "zeros",
        outcome: p.zeros,
        where,
        reason: `${what} is 0: an empty cell tells that nobody in the rest of the row has it (disclosive unless structural).`,
        mitigation: "Say in the context why the zero is structural, or merge categories.",
      },
    ];
  if (count < p.threshold)
    return [
      {
        rule: "threshold",
        outcome: "fail",
        where,
        reason: `${what} is ${count}, under the threshold of ${p.threshold}.`,
        mitigation:
          "Suppress the cell (and enough others that it cannot be recovered from totals), coarsen categories, or round.",
      },
    ];
  return [];
}

function dominance(p: OutputPolicy, where: string, largest: number[], total: number): Finding[] {
  if (total <= 0) return [];
  const out: Finding[] = [];
  const topN = largest.slice(0, p.nkN).reduce((s, x) => s + x, 0);
  if ((100 * topN) / total > p.nkK)
    out.push({
      rule: "dominance-nk",
      outcome: "fail",
      where,
      reason: `The ${p.nkN} largest contributions make ${((100 * topN) / total).toFixed(1)} % of the total, over ${p.nkK} % (N-K rule).`,
      mitigation: "Suppress the sum or mean, or merge groups so no few people dominate it.",
    });
  const [x1 = 0, x2 = 0] = largest;
  const rest = total - x1 - x2;
  if (x1 > 0 && rest < (p.pPercent / 100) * x1)
    out.push({
      rule: "p-percent",
      outcome: "fail",
      where,
      reason: `Besides the two largest, the rest is under ${p.pPercent} % of the largest: the second largest contributor could estimate the largest within ${p.pPercent} % (p % rule).`,
      mitigation: "Suppress the sum or mean, or merge groups.",
    });
  return out;
}

function residualDf(p: OutputPolicy, df: number): Finding[] {
  return df < p.minResidualDf
    ? [
        {
          rule: "residual-df",
          outcome: "fail",
          where: "model",
          reason: `The model has ${df} residual degrees of freedom, under ${p.minResidualDf}: with so few, the fit can reveal individual values.`,
          mitigation: "Use fewer predictors or more observations.",
        },
      ]
    : [];
}

function checkResult(p: OutputPolicy, r: AnalysisResult): Finding[] {
  switch (r.kind) {
    case "frequency":
      return [
        ...r.cells.flatMap((c) =>
          countCell(p, cellName(r.variables, c.values), c.count, "The cell"),
        ),
        ...(r.total > 0 && r.total < p.threshold
          ? countCell(p, "total", r.total, "The total")
          : []),
      ];
    case "histogram":
      return [
        ...r.bins.flatMap((b) => countCell(p, `bin [${b.from}, ${b.to})`, b.count, "The bin")),
        ...(r.below
          ? countCell(p, `below ${r.bins[0]?.from}`, r.below, "The count below the first break")
          : []),
        ...(r.above
          ? countCell(p, `above ${r.bins.at(-1)?.to}`, r.above, "The count above the last break")
          : []),
      ];
    case "summary":
      return r.groups.flatMap((g) => {
        const where = r.by ? `${r.by}=${show(g.group)}` : "all";
        const out = countCell(p, where, g.n, "The group's n");
        if (g.n === 0) return out;
        if (g.evidence.minCount < p.threshold)
          out.push({
            rule: "min-max",
            outcome: "fail",
            where: `${where}, min`,
            reason: `The minimum is the value of ${g.evidence.minCount} record(s), under ${p.threshold}.`,
            mitigation: "Leave the minimum out, or give a low percentile instead.",
          });
        if (g.evidence.maxCount < p.threshold)
          out.push({
            rule: "min-max",
            outcome: "fail",
            where: `${where}, max`,
            reason: `The maximum is the value of ${g.evidence.maxCount} record(s), under ${p.threshold}.`,
            mitigation: "Leave the maximum out, or give a high percentile instead.",
          });
        out.push(
          ...dominance(p, `${where}, sum and mean`, g.evidence.largest, g.evidence.absoluteSum),
        );
        return out;
      });
    case "survival":
      return r.groups.flatMap((g) => {
        const name = r.by ? `${r.by}=${show(g.group)}` : "all";
        const out = countCell(p, name, g.n, "The group's n");
        const small = g.steps.filter((s) => s.atRisk < p.threshold);
        if (small.length)
          out.push({
            rule: "survival-at-risk",
            outcome: "fail",
            where: `${name}, from time ${small[0]?.time}`,
            reason: `${small.length} step(s) have fewer than ${p.threshold} at risk: each step there is one or a few people.`,
            mitigation: `Mask the curve where fewer than ${p.threshold} remain at risk (truncate it at time ${small[0]?.time}).`,
          });
        const fewEvents = g.steps.filter(
          (s) => s.atRisk >= p.threshold && s.events > 0 && s.events < p.threshold,
        );
        if (fewEvents.length)
          out.push({
            rule: "survival-events",
            outcome: "review",
            where: `${name}, ${fewEvents.length} step(s)`,
            reason: `${fewEvents.length} step(s) show the exact time of fewer than ${p.threshold} events.`,
            mitigation: "Group time into intervals (e.g. months) so each step holds more events.",
          });
        return out;
      });
    case "linear":
      return residualDf(p, r.residualDf);
    case "logistic":
      return [
        ...residualDf(p, r.residualDf),
        ...countCell(p, `${r.outcome}=0`, r.outcomeCounts.zero, "The outcome's count"),
        ...countCell(p, `${r.outcome}=1`, r.outcomeCounts.one, "The outcome's count"),
      ];
  }
}

/** The counts of an output keyed by what they count: comparable across outputs. */
function countsOf(r: AnalysisResult): Map<string, number> {
  const m = new Map<string, number>();
  switch (r.kind) {
    case "frequency":
      for (const c of r.cells) m.set(`freq:${JSON.stringify([r.variables, c.values])}`, c.count);
      m.set(`n:${JSON.stringify(r.variables)}`, r.total);
      break;
    case "histogram":
      for (const b of r.bins) m.set(`bin:${r.variable}:${b.from}:${b.to}`, b.count);
      m.set(`n:${r.variable}`, r.n);
      break;
    case "summary":
      for (const g of r.groups) m.set(`n:${r.variable}:${r.by}:${JSON.stringify(g.group)}`, g.n);
      break;
    case "survival":
      for (const g of r.groups) m.set(`n:surv:${r.time}:${r.by}:${JSON.stringify(g.group)}`, g.n);
      break;
    case "linear":
    case "logistic":
      m.set(`n:model:${r.outcome}:${r.predictors.join(",")}`, r.n);
      break;
  }
  return m;
}

/**
 * Differencing: a count that differs from the same count in an already released output by
 * 1 .. t-1 describes those few people (nested populations, one criterion apart).
 */
function differencing(p: OutputPolicy, r: AnalysisResult, released: ReleasedResult[]): Finding[] {
  const mine = countsOf(r);
  const out: Finding[] = [];
  for (const earlier of released) {
    const theirs = countsOf(earlier.result);
    const close: string[] = [];
    for (const [key, count] of mine) {
      const other = theirs.get(key);
      if (other === undefined) continue;
      const d = Math.abs(count - other);
      if (d > 0 && d < p.threshold) close.push(key);
    }
    if (close.length)
      out.push({
        rule: "differencing",
        outcome: "review",
        where: `${close.length} count(s) against released output ${earlier.id}`,
        reason: `Counts differ from the released output ${earlier.id} by fewer than ${p.threshold}: their difference describes that few people.`,
        mitigation:
          "Use the released population, or one that differs from it by at least the threshold.",
      });
  }
  return out;
}

/** Checks one analysis output under the policy, against the permit's released outputs. */
export function checkAnalysis(
  policy: OutputPolicy,
  result: AnalysisResult,
  released: ReleasedResult[] = [],
): OutputCheck {
  const findings = [...checkResult(policy, result), ...differencing(policy, result, released)];
  return { outcome: overall(findings), policy: policy.version, findings };
}

/** A free file: nothing a machine can count, so a checker must judge it. */
export function checkFreeFile(policy: OutputPolicy, name: string): OutputCheck {
  const findings: Finding[] = [
    {
      rule: "free-file",
      outcome: "review",
      where: name,
      reason: "A free file carries no counts Kaivo can check.",
      mitigation:
        "Give its underlying table as an analysis output, and describe it in the context.",
    },
  ];
  return { outcome: "review", policy: policy.version, findings };
}
