import type { Shown } from "./engine.js";
import { combinationSize, firstCounts, type Sketch } from "./sketch.js";

/**
 * An answered set with a number shown: only those can be combined into a new figure. The sketch
 * is read from its text only when the cheap tests pass, since a scope holds thousands.
 */
export interface NumericAnswer {
  persons: number;
  sketch: () => Sketch;
  /** The counts of the sketch's first sub-table (firstCounts). */
  counts: Int32Array;
  shown: number;
}

type Indexed = NumericAnswer;

/**
 * Answers in scope, by size, for finding a new set that is within k-1 people of the sum or the
 * difference of two earlier ones (X ≈ Y + Z, X ≈ Y - Z). Such a set is given the sum or the
 * difference of their answers: otherwise a padding chain (target ∪ P, P ∪ Q, Q), whose no two
 * sets are close, would draw fresh noise each time and average it away.
 */
export class AnswerIndex {
  private readonly answers: Indexed[] = [];

  constructor(answers: Iterable<NumericAnswer>) {
    for (const a of answers) this.add(a);
  }

  add(a: NumericAnswer): void {
    const item = a;
    // Kept sorted by size, ties in the order answered.
    let lo = 0;
    let hi = this.answers.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.answers[mid] as Indexed).persons <= a.persons) lo = mid + 1;
      else hi = mid;
    }
    this.answers.splice(lo, 0, item);
  }

  /** The figure a set gets as a sum or difference of two answers, if it is one. */
  combined(persons: number, sketch: Sketch, k: number): Shown | undefined {
    const counts = firstCounts(sketch);
    for (const y of this.answers) {
      // X - Y + Z small: Z's size is Y's minus X's; X - Y - Z small: X's minus Y's.
      for (const [sign, centre] of [
        [1, y.persons - persons],
        [-1, persons - y.persons],
      ] as const) {
        for (const z of this.inWindow(centre - (k - 1), centre + (k - 1))) {
          if (z === y || !this.near(counts, y.counts, z.counts, sign, k)) continue;
          const size = combinationSize([sketch, y.sketch(), z.sketch()], [1, -1, sign], k);
          if (size === null || size >= k) continue;
          const value = sign === 1 ? y.shown - z.shown : y.shown + z.shown;
          return value < k ? `<${k}` : value;
        }
      }
    }
    return undefined;
  }

  private *inWindow(lo: number, hi: number): Generator<Indexed> {
    let a = 0;
    let b = this.answers.length;
    while (a < b) {
      const mid = (a + b) >> 1;
      if ((this.answers[mid] as Indexed).persons < lo) a = mid + 1;
      else b = mid;
    }
    for (let i = a; i < this.answers.length; i++) {
      const z = this.answers[i] as Indexed;
      if (z.persons > hi) return;
      yield z;
    }
  }

  /** Whether X - Y ± Z can be small: its first sub-table's counts add up to under k. */
  private near(x: Int32Array, y: Int32Array, z: Int32Array, sign: 1 | -1, k: number): boolean {
    let total = 0;
    for (let i = 0; i < x.length; i++) {
      total += Math.abs((x[i] as number) - (y[i] as number) + sign * (z[i] as number));
      if (total >= k) return false;
    }
    return true;
  }
}
