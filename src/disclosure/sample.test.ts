import { createHash } from "node:crypto";
import { describe, expect, test } from "vitest";
import {
  decodeSample,
  encodeSample,
  SAMPLE_SIZE,
  sampleMinus,
  sampleOf,
  seemsToContain,
  WHOLE,
} from "./sample.js";

let counter = 0;
const keys = (n: number) =>
  Array.from({ length: n }, () =>
    createHash("sha256").update(`s${counter++}`).digest().readBigUInt64BE(),
  );

describe("key samples", () => {
  test("hold a small set whole and a large one as its smallest keys", () => {
    const small = keys(10);
    expect(sampleOf(small)).toEqual({
      keys: [...small].sort((a, b) => (a < b ? -1 : 1)),
      theta: WHOLE,
    });
    const large = keys(1000);
    const s = sampleOf(large);
    expect(s.keys).toHaveLength(SAMPLE_SIZE);
    expect(large.filter((k) => k <= s.theta)).toHaveLength(SAMPLE_SIZE);
    expect(decodeSample(encodeSample(s))).toEqual(s);
    expect(decodeSample(encodeSample(sampleOf([])))).toEqual({ keys: [], theta: WHOLE });
  });

  test("tell a set inside another from one beside it, at sizes an attacker pads with", () => {
    let wrong = 0;
    for (let trial = 0; trial < 200; trial++) {
      const inner = keys(20 + (trial % 180));
      const rest = keys(10 + (trial % 40));
      const outer = sampleOf([...inner, ...rest]);
      if (!seemsToContain(outer, sampleOf(inner))) wrong++;
      // A set that shares nobody, or half.
      if (seemsToContain(outer, sampleOf(keys(inner.length)))) wrong++;
      const half = Math.floor(inner.length / 2);
      if (seemsToContain(outer, sampleOf([...inner.slice(half), ...keys(half)]))) wrong++;
    }
    // Inside is always seen; beside almost never. (Sets a few people apart look alike here: the
    // bucket sketch tells those apart.)
    expect(wrong).toBeLessThanOrEqual(4);
  });

  test("take one set from another it contains", () => {
    const inner = keys(50);
    const rest = keys(30);
    const d = sampleMinus(sampleOf([...inner, ...rest]), sampleOf(inner));
    const truth = sampleOf(rest);
    // Every key of the difference at or below its threshold, and nothing else.
    expect(d.keys).toEqual(truth.keys.filter((k) => k <= d.theta));
    expect(d.keys.length).toBeGreaterThan(10);
  });
});
