import { createHash } from "node:crypto";

/** A synthetic person as the engine sees them: a record key and the attributes attacks use. */
export interface SimPerson {
  key: bigint;
  sex: "female" | "male";
  /** Age band 0..5. */
  band: number;
  /** Birth date as a day number. */
  birth: number;
}

/**
 * Reproducible people: record keys are SHA-256 of a seed and a counter, as uniform as the
 * service's random keys. Every draw comes from one counter, so an evaluation reruns exactly.
 */
export class Population {
  private counter = 0;
  constructor(private readonly seed: string) {}

  private bits(): bigint {
    return createHash("sha256")
      .update(`${this.seed}:${this.counter++}`)
      .digest()
      .readBigUInt64BE();
  }

  /** A uniform number in [0, 1). */
  uniform(): number {
    return Number(this.bits() >> 11n) / 2 ** 53;
  }

  int(lo: number, hi: number): number {
    return lo + Math.floor(this.uniform() * (hi - lo + 1));
  }

  people(n: number): SimPerson[] {
    return Array.from({ length: n }, () => ({
      key: this.bits(),
      sex: this.uniform() < 0.5 ? "female" : "male",
      band: this.int(0, 5),
      birth: this.int(0, 365 * 80),
    }));
  }
}

export const keysOf = (people: readonly SimPerson[]) => people.map((p) => p.key);
