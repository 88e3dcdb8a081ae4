import { createHash } from "node:crypto";
import { uniformFloat64 } from "pure-rand/distribution/uniformFloat64";
import { uniformInt } from "pure-rand/distribution/uniformInt";
import { xoroshiro128plusFromState } from "pure-rand/generator/xoroshiro128plus";
import type { RandomGenerator } from "pure-rand/types/RandomGenerator";

/**
 * A seeded random stream. Streams are derived from the run's seed and a path (for example the
 * patient's index), so every patient is generated independently of the others: the output is
 * byte-identical for the same arguments and a patient can be regenerated on its own.
 */
export class Rng {
  readonly #g: RandomGenerator;

  private constructor(g: RandomGenerator) {
    this.#g = g;
  }

  /** A 128-bit stream seeded from SHA-256 of the seed and path: distinct paths never share one. */
  static derive(seed: number, ...path: Array<string | number>): Rng {
    const digest = createHash("sha256")
      .update(`${seed}/${path.join("/")}`)
      .digest();
    const state = [
      digest.readInt32LE(0),
      digest.readInt32LE(4),
      digest.readInt32LE(8),
      digest.readInt32LE(12),
    ];
    if (state.join() === "0,0,0,0") state[0] = 1;
    return new Rng(xoroshiro128plusFromState(state));
  }

  /** Uniform in [0, 1). */
  float(): number {
    return uniformFloat64(this.#g);
  }

  /** Uniform integer in [min, max]. */
  int(min: number, max: number): number {
    return uniformInt(this.#g, min, max);
  }

  chance(p: number): boolean {
    return p > 0 && this.float() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error("pick from an empty list");
    return items[this.int(0, items.length - 1)] as T;
  }

  /** Picks by weight; weights need not sum to 1. */
  weighted<T>(items: ReadonlyArray<readonly [T, number]>): T {
    let total = 0;
    for (const [, w] of items) total += w;
    let r = this.float() * total;
    for (const [item, w] of items) {
      r -= w;
      if (r < 0) return item;
    }
    return (items[items.length - 1] as readonly [T, number])[0];
  }

  /** Normally distributed (Box-Muller). */
  normal(mean: number, sd: number): number {
    const u = 1 - this.float();
    const v = this.float();
    return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Poisson-distributed count (Knuth; fine for the small means used here). */
  poisson(mean: number): number {
    const limit = Math.exp(-mean);
    let k = 0;
    let p = this.float();
    while (p > limit) {
      k++;
      p *= this.float();
    }
    return k;
  }

  /** A random RFC 4122 version-4 UUID, as EHR systems use for resource ids. */
  uuid(): string {
    const hex = (n: number) => (n >>> 0).toString(16).padStart(8, "0");
    const a = hex(this.#g.next());
    const b = hex(this.#g.next());
    const c = hex(this.#g.next());
    const d = hex(this.#g.next());
    const variant = "89ab"[Number.parseInt(c[0] as string, 16) & 3] as string;
    return `${a}-${b.slice(0, 4)}-4${b.slice(5, 8)}-${variant}${c.slice(1, 4)}-${c.slice(4)}${d}`;
  }
}
