/**
 * The perturbation table of cell-key perturbation (as in ABS TableBuilder and the ONS 2021 census
 * tables): for a true count n, a distribution of noise v over -D..D with v >= -n, mean 0 and a
 * stated variance, chosen as the distribution of maximum entropy with those moments. A count's
 * noise is read from it at the count's cell key, a number in [0, 1) fixed by who is in the cell.
 * The table is public: its protection comes from the keys, which are not.
 */
export interface PerturbationParameters {
  /** Largest noise either way (D). */
  maxNoise: number;
  /** Variance of the noise, where the count is large enough to allow it. */
  variance: number;
}

export interface NoiseDistribution {
  /** Noise values, ascending. */
  values: number[];
  /** Their probabilities, summing to 1. */
  probabilities: number[];
  mean: number;
  variance: number;
}

export interface PerturbationTable {
  parameters: PerturbationParameters;
  /** Row n (1 <= n <= D) and, for every n > D, the last row. Zero is never perturbed. */
  rows: NoiseDistribution[];
}

export function perturbationTable(p: PerturbationParameters): PerturbationTable {
  if (!Number.isInteger(p.maxNoise) || p.maxNoise < 1) throw new Error("maxNoise must be >= 1");
  if (!(p.variance > 0) || p.variance >= p.maxNoise * p.maxNoise)
    throw new Error("variance must be above 0 and below maxNoise squared");
  const rows: NoiseDistribution[] = [];
  for (let n = 1; n <= p.maxNoise + 1; n++) {
    const low = Math.max(-n, -p.maxNoise);
    // On -n..D a zero mean allows at most n*D of variance; small counts get somewhat less.
    const variance = Math.min(p.variance, 0.9 * n * p.maxNoise);
    rows.push(maxEntropy(low, p.maxNoise, variance));
  }
  return { parameters: p, rows };
}

/** The noise for count n at cell key u in [0, 1): the inverse of the row's distribution. */
export function noiseAt(table: PerturbationTable, n: number, u: number): number {
  if (n <= 0) return 0;
  const row = table.rows[Math.min(n, table.rows.length) - 1] as NoiseDistribution;
  let cumulative = 0;
  for (const [i, v] of row.values.entries()) {
    cumulative += row.probabilities[i] as number;
    if (u < cumulative) return v;
  }
  return row.values[row.values.length - 1] as number;
}

/**
 * p(v) ∝ exp(a v + b v²) on low..high with the given mean 0 and variance: Newton's method on the
 * two moment conditions, which are the gradient of a convex function of (a, b).
 */
function maxEntropy(low: number, high: number, variance: number): NoiseDistribution {
  const values = Array.from({ length: high - low + 1 }, (_, i) => low + i);
  let a = 0;
  let b = -1 / (2 * variance);
  const moments = (a: number, b: number) => {
    const w = values.map((v) => Math.exp(a * v + b * v * v));
    const z = w.reduce((s, x) => s + x, 0);
    const p = w.map((x) => x / z);
    const m = (f: (v: number) => number) =>
      values.reduce((s, v, i) => s + (p[i] as number) * f(v), 0);
    return { p, m1: m((v) => v), m2: m((v) => v * v), m3: m((v) => v ** 3), m4: m((v) => v ** 4) };
  };
  for (let step = 0; step < 200; step++) {
    const { m1, m2, m3, m4 } = moments(a, b);
    const g1 = m1;
    const g2 = m2 - variance;
    if (Math.abs(g1) < 1e-12 && Math.abs(g2) < 1e-12) break;
    // Hessian: covariance of (v, v²).
    const h11 = m2 - m1 * m1;
    const h12 = m3 - m1 * m2;
    const h22 = m4 - m2 * m2;
    const det = h11 * h22 - h12 * h12;
    const da = (h22 * g1 - h12 * g2) / det;
    const db = (h11 * g2 - h12 * g1) / det;
    // Damped, so that a poor start does not overshoot.
    const scale = Math.min(1, 2 / Math.max(Math.abs(da), Math.abs(db), 1e-12));
    a -= da * scale;
    b -= db * scale;
  }
  const { p, m1, m2 } = moments(a, b);
  return { values, probabilities: p, mean: m1, variance: m2 - m1 * m1 };
}
