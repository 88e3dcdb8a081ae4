/**
 * Analyses that know their disclosure risk (issue 19, item 3). Each takes the rows a workspace
 * query returned (the SQL ran in the sandbox) and computes one statistical output, and every
 * output carries its structure and the counts behind it, so the output checks
 * (src/disclosure/output-checks.ts) can judge it without the rows: cell counts, n per group,
 * how many rows hold the minimum and the maximum, the number at risk at every survival step,
 * residual degrees of freedom. What only the checks need and must never leave (the largest
 * contributions behind a mean) sits under `evidence`, which `releasable` strips.
 *
 * Rows with a null in a column the analysis uses are left out and counted (`excluded`).
 */
import { inverse, Matrix, QrDecomposition } from "ml-matrix";
import { ValidationError } from "../../shared/errors.js";
import { normalQuantile, tPValue, tQuantile, zPValue } from "./distributions.js";

export interface QueryRows {
  columns: Array<{ name: string; type: string }>;
  rows: unknown[][];
}

export type Level = string | null;

export interface FrequencyTable {
  kind: "frequency";
  variables: string[];
  /** Every combination of the levels seen, so a cross-tabulation's empty cells are there as 0. */
  cells: Array<{ values: Level[]; count: number }>;
  total: number;
}

export interface SummaryGroup {
  group: Level;
  n: number;
  /** Rows of the group whose value is null. */
  missing: number;
  sum: number | null;
  mean: number | null;
  sd: number | null;
  median: number | null;
  quantiles: Array<{ p: number; value: number | null }>;
  min: number | null;
  max: number | null;
  evidence: {
    /** How many rows hold the minimum and the maximum: one means the value is one person's. */
    minCount: number;
    maxCount: number;
    /** The two largest absolute values, for the dominance rules on the sum and the mean. */
    largest: number[];
    absoluteSum: number;
  };
}

export interface SummaryTable {
  kind: "summary";
  variable: string;
  by: string | null;
  groups: SummaryGroup[];
}

export interface Histogram {
  kind: "histogram";
  variable: string;
  /** [from, to): the last bin also holds `to`. */
  bins: Array<{ from: number; to: number; count: number }>;
  /** Values outside the breaks: cells too. */
  below: number;
  above: number;
  n: number;
  excluded: number;
}

export interface SurvivalStep {
  time: number;
  atRisk: number;
  events: number;
  censored: number;
  survival: number;
  /** Greenwood's standard error of the survival, as R's survfit reports it. */
  se: number;
  /** Confidence interval on the log scale (R's default conf.type = "log"), capped at 1. */
  lower: number;
  upper: number;
}

export interface SurvivalTable {
  kind: "survival";
  time: string;
  event: string;
  by: string | null;
  confidence: number;
  groups: Array<{
    group: Level;
    n: number;
    events: number;
    /** The first time the survival falls to 0.5 or below; null if it never does. */
    median: number | null;
    steps: SurvivalStep[];
  }>;
  excluded: number;
}

export interface Term {
  name: string;
  estimate: number;
  se: number;
  /** t for a linear model, z (Wald) for a logistic one. */
  statistic: number;
  p: number;
  lower: number;
  upper: number;
}

export interface LinearModel {
  kind: "linear";
  outcome: string;
  predictors: string[];
  n: number;
  excluded: number;
  residualDf: number;
  confidence: number;
  terms: Term[];
  sigma: number;
  rSquared: number;
  adjustedRSquared: number;
}

export interface LogisticModel {
  kind: "logistic";
  outcome: string;
  predictors: string[];
  n: number;
  excluded: number;
  residualDf: number;
  confidence: number;
  terms: Term[];
  deviance: number;
  nullDeviance: number;
  aic: number;
  iterations: number;
  /** Rows with outcome 0 and 1: a model is a table of its outcome too. */
  outcomeCounts: { zero: number; one: number };
}

export type AnalysisResult =
  | FrequencyTable
  | SummaryTable
  | Histogram
  | SurvivalTable
  | LinearModel
  | LogisticModel;

export type AnalysisSpec =
  | { kind: "frequency"; variables: string[] }
  | { kind: "summary"; variable: string; by?: string; quantiles?: number[] }
  | { kind: "histogram"; variable: string; breaks: number[] }
  | { kind: "survival"; time: string; event: string; by?: string; confidence?: number }
  | { kind: "linear"; outcome: string; predictors: string[]; confidence?: number }
  | { kind: "logistic"; outcome: string; predictors: string[]; confidence?: number };

export const ANALYSIS_KINDS = [
  "frequency",
  "summary",
  "histogram",
  "survival",
  "linear",
  "logistic",
] as const;

function columnIndex(data: QueryRows, name: string): number {
  const i = data.columns.findIndex((c) => c.name === name);
  if (i < 0)
    throw new ValidationError(
      `The query's result has no column ${JSON.stringify(name)} (it has ${data.columns.map((c) => c.name).join(", ") || "none"}).`,
      "Name the analysis's columns as the SQL's result names them (use `as`).",
    );
  return i;
}

const level = (v: unknown): Level =>
  v === null || v === undefined ? null : typeof v === "string" ? v : JSON.stringify(v);

function number(v: unknown, column: string): number | null {
  if (v === null || v === undefined) return null;
  const x =
    typeof v === "number" ? v : typeof v === "string" || typeof v === "bigint" ? Number(v) : NaN;
  if (!Number.isFinite(x))
    throw new ValidationError(
      `Column ${JSON.stringify(column)} holds a value that is not a number.`,
      "Cast it in the SQL (e.g. `cast(x as double)`), or code categories as 0/1 columns.",
    );
  return x;
}

const compareLevels = (a: Level, b: Level) =>
  a === b ? 0 : a === null ? 1 : b === null ? -1 : a < b ? -1 : 1;

export function frequencyTable(data: QueryRows, variables: string[]): FrequencyTable {
  if (variables.length === 0)
    throw new ValidationError("A frequency table needs at least one variable.");
  const idx = variables.map((v) => columnIndex(data, v));
  const levels = idx.map(() => new Set<Level>());
  const counts = new Map<string, number>();
  for (const row of data.rows) {
    const values = idx.map((i) => level(row[i]));
    values.forEach((v, k) => {
      levels[k]?.add(v);
    });
    const key = JSON.stringify(values);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const sorted = levels.map((s) => [...s].sort(compareLevels));
  let combos: Level[][] = [[]];
  for (const ls of sorted) combos = combos.flatMap((c) => ls.map((l) => [...c, l]));
  if (data.rows.length === 0) combos = [];
  return {
    kind: "frequency",
    variables,
    cells: combos.map((values) => ({ values, count: counts.get(JSON.stringify(values)) ?? 0 })),
    total: data.rows.length,
  };
}

/** R's default quantile (type 7): linear between order statistics. */
export function quantile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const a = sorted[lo] as number;
  const b = sorted[Math.min(lo + 1, sorted.length - 1)] as number;
  return a + (h - lo) * (b - a);
}

function summarise(group: Level, values: Array<number | null>, ps: number[]): SummaryGroup {
  const xs = values.filter((v): v is number => v !== null).sort((a, b) => a - b);
  const n = xs.length;
  const sum = n ? xs.reduce((s, x) => s + x, 0) : null;
  const mean = sum === null ? null : sum / n;
  const sd =
    n > 1 && mean !== null
      ? Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1))
      : null;
  const min = n ? (xs[0] as number) : null;
  const max = n ? (xs[n - 1] as number) : null;
  const abs = xs.map(Math.abs).sort((a, b) => b - a);
  return {
    group,
    n,
    missing: values.length - n,
    sum,
    mean,
    sd,
    median: quantile(xs, 0.5),
    quantiles: ps.map((p) => ({ p, value: quantile(xs, p) })),
    min,
    max,
    evidence: {
      minCount: xs.filter((x) => x === min).length,
      maxCount: xs.filter((x) => x === max).length,
      largest: abs.slice(0, 2),
      absoluteSum: abs.reduce((s, x) => s + x, 0),
    },
  };
}

export function summaryTable(
  data: QueryRows,
  variable: string,
  by?: string,
  quantiles: number[] = [0.25, 0.75],
): SummaryTable {
  for (const p of quantiles)
    if (!(p >= 0 && p <= 1)) throw new ValidationError(`A quantile must be within 0 and 1 (${p}).`);
  const vi = columnIndex(data, variable);
  const bi = by === undefined ? undefined : columnIndex(data, by);
  const groups = new Map<string, { level: Level; values: Array<number | null> }>();
  for (const row of data.rows) {
    const g = bi === undefined ? null : level(row[bi]);
    const key = JSON.stringify(g);
    let entry = groups.get(key);
    if (!entry) {
      entry = { level: g, values: [] };
      groups.set(key, entry);
    }
    entry.values.push(number(row[vi], variable));
  }
  return {
    kind: "summary",
    variable,
    by: by ?? null,
    groups: [...groups.values()]
      .sort((a, b) => compareLevels(a.level, b.level))
      .map((g) => summarise(g.level, g.values, quantiles)),
  };
}

/**
 * Bins are given, never taken from the data: breaks at the minimum and the maximum would publish
 * both.
 */
export function histogram(data: QueryRows, variable: string, breaks: number[]): Histogram {
  if (breaks.length < 2 || breaks.some((b, i) => i > 0 && !(b > (breaks[i - 1] as number))))
    throw new ValidationError(
      "A histogram needs at least two breaks, strictly increasing.",
      "Choose them from the variable's meaning (e.g. ages 0, 10, 20, ...), not from the data.",
    );
  const vi = columnIndex(data, variable);
  const bins = breaks.slice(1).map((to, i) => ({ from: breaks[i] as number, to, count: 0 }));
  let below = 0;
  let above = 0;
  let excluded = 0;
  const last = breaks[breaks.length - 1] as number;
  for (const row of data.rows) {
    const x = number(row[vi], variable);
    if (x === null) excluded++;
    else if (x < (breaks[0] as number)) below++;
    else if (x > last) above++;
    else {
      const bin = x === last ? bins.length - 1 : bins.findIndex((b) => x >= b.from && x < b.to);
      (bins[bin] as { count: number }).count++;
    }
  }
  return {
    kind: "histogram",
    variable,
    bins,
    below,
    above,
    n: data.rows.length - excluded,
    excluded,
  };
}

/** Kaplan-Meier with Greenwood's variance, one curve per group. */
export function survivalTable(
  data: QueryRows,
  time: string,
  event: string,
  by?: string,
  confidence = 0.95,
): SurvivalTable {
  const ti = columnIndex(data, time);
  const ei = columnIndex(data, event);
  const bi = by === undefined ? undefined : columnIndex(data, by);
  const z = normalQuantile(1 - (1 - confidence) / 2);
  const groups = new Map<string, { level: Level; obs: Array<{ t: number; d: boolean }> }>();
  let excluded = 0;
  for (const row of data.rows) {
    const t = number(row[ti], time);
    const e = number(row[ei], event);
    if (t === null || e === null) {
      excluded++;
      continue;
    }
    if (e !== 0 && e !== 1)
      throw new ValidationError(
        `Column ${JSON.stringify(event)} must be 1 (event) or 0 (censored).`,
      );
    const g = bi === undefined ? null : level(row[bi]);
    const key = JSON.stringify(g);
    let entry = groups.get(key);
    if (!entry) {
      entry = { level: g, obs: [] };
      groups.set(key, entry);
    }
    entry.obs.push({ t, d: e === 1 });
  }
  const curves = [...groups.values()]
    .sort((a, b) => compareLevels(a.level, b.level))
    .map(({ level: g, obs }) => {
      const times = [...new Set(obs.map((o) => o.t))].sort((a, b) => a - b);
      let atRisk = obs.length;
      let s = 1;
      let greenwood = 0;
      let median: number | null = null;
      const steps: SurvivalStep[] = [];
      for (const t of times) {
        const here = obs.filter((o) => o.t === t);
        const events = here.filter((o) => o.d).length;
        const censored = here.length - events;
        if (events > 0) {
          s *= 1 - events / atRisk;
          greenwood += atRisk > events ? events / (atRisk * (atRisk - events)) : 0;
        }
        const logSe = Math.sqrt(greenwood);
        steps.push({
          time: t,
          atRisk,
          events,
          censored,
          survival: s,
          se: s * logSe,
          lower: s > 0 ? Math.exp(Math.log(s) - z * logSe) : 0,
          upper: s > 0 ? Math.min(1, Math.exp(Math.log(s) + z * logSe)) : 0,
        });
        if (median === null && s <= 0.5) median = t;
        atRisk -= here.length;
      }
      return { group: g, n: obs.length, events: obs.filter((o) => o.d).length, median, steps };
    });
  return { kind: "survival", time, event, by: by ?? null, confidence, groups: curves, excluded };
}

/** Complete cases of the outcome and predictors, and the design matrix with an intercept. */
function design(data: QueryRows, outcome: string, predictors: string[]) {
  if (predictors.length === 0) throw new ValidationError("A model needs at least one predictor.");
  const oi = columnIndex(data, outcome);
  const pi = predictors.map((p) => columnIndex(data, p));
  const x: number[][] = [];
  const y: number[] = [];
  let excluded = 0;
  for (const row of data.rows) {
    const yv = number(row[oi], outcome);
    const xv = pi.map((i, k) => number(row[i], predictors[k] as string));
    if (yv === null || xv.some((v) => v === null)) {
      excluded++;
      continue;
    }
    x.push([1, ...(xv as number[])]);
    y.push(yv);
  }
  const p = predictors.length + 1;
  if (x.length <= p)
    throw new ValidationError(
      `A model with ${p} coefficients needs more than ${p} complete rows (${x.length} here).`,
    );
  const X = new Matrix(x);
  if (!new QrDecomposition(X).isFullRank())
    throw new ValidationError(
      "The predictors are collinear (or one is constant): the model has no unique fit.",
      "Drop a predictor that is a combination of the others.",
    );
  return { X, y, excluded, names: ["(Intercept)", ...predictors] };
}

/** Ordinary least squares. Checked against R's lm in analyses.test.ts. */
export function linearModel(
  data: QueryRows,
  outcome: string,
  predictors: string[],
  confidence = 0.95,
): LinearModel {
  const { X, y, excluded, names } = design(data, outcome, predictors);
  const n = X.rows;
  const p = X.columns;
  const Y = Matrix.columnVector(y);
  const xtxInv = inverse(X.transpose().mmul(X));
  const beta = xtxInv.mmul(X.transpose()).mmul(Y);
  const residuals = Y.clone().sub(X.mmul(beta));
  const rss = residuals.to1DArray().reduce((s, r) => s + r * r, 0);
  const df = n - p;
  const sigma2 = rss / df;
  const mean = y.reduce((s, v) => s + v, 0) / n;
  const tss = y.reduce((s, v) => s + (v - mean) ** 2, 0);
  const q = tQuantile(1 - (1 - confidence) / 2, df);
  const terms = names.map((name, j) => {
    const estimate = beta.get(j, 0);
    const se = Math.sqrt(sigma2 * xtxInv.get(j, j));
    const t = estimate / se;
    return {
      name,
      estimate,
      se,
      statistic: t,
      p: tPValue(t, df),
      lower: estimate - q * se,
      upper: estimate + q * se,
    };
  });
  const r2 = 1 - rss / tss;
  return {
    kind: "linear",
    outcome,
    predictors,
    n,
    excluded,
    residualDf: df,
    confidence,
    terms,
    sigma: Math.sqrt(sigma2),
    rSquared: r2,
    adjustedRSquared: 1 - ((1 - r2) * (n - 1)) / df,
  };
}

/**
 * Logistic regression by iteratively reweighted least squares (as R's glm, binomial, logit),
 * Wald standard errors and intervals (R's confint.default).
 */
export function logisticModel(
  data: QueryRows,
  outcome: string,
  predictors: string[],
  confidence = 0.95,
): LogisticModel {
  const { X, y, excluded, names } = design(data, outcome, predictors);
  if (y.some((v) => v !== 0 && v !== 1))
    throw new ValidationError(`The outcome ${JSON.stringify(outcome)} must be 0 or 1.`);
  const n = X.rows;
  const p = X.columns;
  let beta = Matrix.zeros(p, 1);
  let deviance = Number.POSITIVE_INFINITY;
  let iterations = 0;
  let info = Matrix.eye(p);
  const dev = (mu: number[]) =>
    -2 *
    y.reduce(
      (s, yi, i) => s + (yi === 1 ? Math.log(mu[i] as number) : Math.log(1 - (mu[i] as number))),
      0,
    );
  for (; iterations < 50; ) {
    iterations++;
    const eta = X.mmul(beta).to1DArray();
    const mu = eta.map((e) => 1 / (1 + Math.exp(-e)));
    const w = mu.map((m) => Math.max(m * (1 - m), 1e-12));
    const z = eta.map((e, i) => e + ((y[i] as number) - (mu[i] as number)) / (w[i] as number));
    const Xw = X.clone();
    for (let i = 0; i < n; i++)
      for (let j = 0; j < p; j++) Xw.set(i, j, X.get(i, j) * (w[i] as number));
    info = X.transpose().mmul(Xw);
    beta = inverse(info).mmul(Xw.transpose()).mmul(Matrix.columnVector(z));
    const muNext = X.mmul(beta)
      .to1DArray()
      .map((e) => 1 / (1 + Math.exp(-e)));
    const next = dev(muNext);
    // R's glm.control: converged when |dev - dev_old| / (|dev| + 0.1) < 1e-8.
    const done = Math.abs(next - deviance) / (Math.abs(next) + 0.1) < 1e-8;
    deviance = next;
    if (done) break;
  }
  const muFinal = X.mmul(beta)
    .to1DArray()
    .map((e) => 1 / (1 + Math.exp(-e)));
  const wFinal = muFinal.map((m) => m * (1 - m));
  const Xw = X.clone();
  for (let i = 0; i < n; i++)
    for (let j = 0; j < p; j++) Xw.set(i, j, X.get(i, j) * (wFinal[i] as number));
  const cov = inverse(X.transpose().mmul(Xw));
  const ones = y.filter((v) => v === 1).length;
  const ybar = ones / n;
  const nullDeviance =
    ones === 0 || ones === n ? 0 : -2 * (ones * Math.log(ybar) + (n - ones) * Math.log(1 - ybar));
  const q = normalQuantile(1 - (1 - confidence) / 2);
  const terms = names.map((name, j) => {
    const estimate = beta.get(j, 0);
    const se = Math.sqrt(cov.get(j, j));
    const zv = estimate / se;
    return {
      name,
      estimate,
      se,
      statistic: zv,
      p: zPValue(zv),
      lower: estimate - q * se,
      upper: estimate + q * se,
    };
  });
  return {
    kind: "logistic",
    outcome,
    predictors,
    n,
    excluded,
    residualDf: n - p,
    confidence,
    terms,
    deviance,
    nullDeviance,
    aic: deviance + 2 * p,
    iterations,
    outcomeCounts: { zero: n - ones, one: ones },
  };
}

/** Runs the analysis a spec names over a query's rows. */
export function analyse(data: QueryRows, spec: AnalysisSpec): AnalysisResult {
  switch (spec.kind) {
    case "frequency":
      return frequencyTable(data, spec.variables);
    case "summary":
      return summaryTable(data, spec.variable, spec.by, spec.quantiles);
    case "histogram":
      return histogram(data, spec.variable, spec.breaks);
    case "survival":
      return survivalTable(data, spec.time, spec.event, spec.by, spec.confidence);
    case "linear":
      return linearModel(data, spec.outcome, spec.predictors, spec.confidence);
    case "logistic":
      return logisticModel(data, spec.outcome, spec.predictors, spec.confidence);
  }
}

/** The output as it may leave after checking: without what only the checks may see. */
export function releasable(result: AnalysisResult): unknown {
  return JSON.parse(
    JSON.stringify(result, (key, value) => (key === "evidence" ? undefined : value)),
  );
}
