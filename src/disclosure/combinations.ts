import { type Known, WEIGHT_CAP } from "./family.js";
import { combinationSize, type Sketch } from "./sketch.js";

/**
 * A known set with a number: only those can be combined into a new figure. The sketch is read
 * from its text only when the cheap tests pass, since a scope holds thousands.
 */
export type NumericAnswer = Pick<Known, "persons" | "sketch" | "counts" | "shown" | "weight">;

/**
 * Answers in scope, for finding a new set that is within k-1 people of the sum or the difference
 * of two earlier ones (X ≈ Y + Z, X ≈ Y - Z). Such a set is given the sum or the difference of
 * their answers: otherwise a padding chain (target ∪ P, P ∪ Q, Q), whose no two sets are close,
 * would draw fresh noise each time and average it away. Sets under k people are left out: they
 * are shown `<k` or close to it, and an attacker needs numbers.
 *
 * Finding Z for each earlier Y must not scan every answer: X - Y ± Z is within k-1 people only if
 * the first sub-table's counts of ∓Z and X - Y differ in at most k-1 buckets, so (pigeonhole) in
 * one of k groups of buckets they agree exactly. Answers are indexed by each group's counts.
 */
export class AnswerIndex {
  private readonly answers: NumericAnswer[] = [];
  private readonly byGroup = new Map<number, NumericAnswer[]>();
  private readonly groups: number[][];

  constructor(
    answers: Iterable<NumericAnswer>,
    private readonly k: number,
  ) {
    const buckets = 16;
    const n = Math.min(k, buckets);
    this.groups = Array.from({ length: n }, (_, g) =>
      Array.from({ length: buckets }, (_, i) => i).filter((i) => i % n === g),
    );
    for (const a of answers) this.add(a);
  }

  add(a: NumericAnswer): void {
    if (a.persons < this.k) return;
    this.answers.push(a);
    for (const [g, group] of this.groups.entries()) {
      const key = groupKey(g, group, (i) => a.counts[i] as number);
      const list = this.byGroup.get(key);
      if (list) list.push(a);
      else this.byGroup.set(key, [a]);
    }
  }

  /**
   * The figure a set gets as a sum or difference of two answers, if it is one, and how many fresh
   * draws it is made of. Answers together made of more than WEIGHT_CAP draws are not combined.
   */
  combined(
    persons: number,
    sketch: Sketch,
    counts: Int32Array,
  ): { value: number; weight: number } | undefined {
    const k = this.k;
    if (persons < k) return undefined;
    // With more groups than buckets the pigeonhole does not hold: compare with every answer.
    const exhaustive = k > 16;
    for (const y of this.answers) {
      // Every term holds at least one draw.
      if (y.weight >= WEIGHT_CAP) continue;
      // sign 1: X - Y + Z small, so Z's counts are Y's minus X's; sign -1: X - Y - Z, X's minus Y's.
      for (const sign of [1, -1] as const) {
        const centre = sign === 1 ? y.persons - persons : persons - y.persons;
        // Z holds at least k people (smaller answers are not indexed).
        if (centre < 1) continue;
        const want = (i: number) => sign * ((y.counts[i] as number) - (counts[i] as number));
        const candidates = exhaustive ? this.answers : this.candidates(want);
        for (const z of candidates) {
          if (z === y || Math.abs(z.persons - centre) > k - 1) continue;
          if (y.weight + z.weight > WEIGHT_CAP) continue;
          let apart = 0;
          for (let i = 0; i < 16 && apart < k; i++)
            apart += Math.abs((z.counts[i] as number) - want(i));
          if (apart >= k) continue;
          const size = combinationSize([sketch, y.sketch(), z.sketch()], [1, -1, sign], k);
          if (size === null || size >= k) continue;
          return {
            value: sign === 1 ? y.shown - z.shown : y.shown + z.shown,
            weight: y.weight + z.weight,
          };
        }
      }
    }
    return undefined;
  }

  private candidates(want: (i: number) => number): Set<NumericAnswer> {
    const out = new Set<NumericAnswer>();
    for (const [g, group] of this.groups.entries()) {
      // Stored counts are never negative: a group wanting one matches nothing.
      if (group.some((i) => want(i) < 0)) continue;
      for (const z of this.byGroup.get(groupKey(g, group, want)) ?? []) out.add(z);
    }
    return out;
  }
}

/** A hash of a group's counts; a collision only adds a candidate, which is then checked. */
function groupKey(g: number, group: number[], count: (i: number) => number): number {
  let h = g + 1;
  for (const i of group) h = (Math.imul(h, 0x01000193) ^ count(i)) | 0;
  return h;
}
