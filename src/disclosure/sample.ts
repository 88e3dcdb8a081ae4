/**
 * A bottom-m sample of a set's record keys (a KMV or theta sketch): the m smallest keys, and the
 * threshold below which it holds every key of the set. Record keys are uniform random, so the
 * sample is a uniform one. The ledger uses it to tell whether one answered set contains another
 * (every key of the smaller one under both thresholds is in the larger one's sample), which the
 * bucket sketch cannot tell once sets are large. A set with at most m members is held whole.
 */
export const SAMPLE_SIZE = 64;

/** No threshold: the sample holds the whole set. */
export const WHOLE = (1n << 64n) - 1n;

export interface KeySample {
  /** Ascending. */
  keys: readonly bigint[];
  /** Every member with a key at or below this is in `keys`. */
  theta: bigint;
}

export function sampleOf(keys: Iterable<bigint>): KeySample {
  const sorted = [...keys].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return sorted.length <= SAMPLE_SIZE
    ? { keys: sorted, theta: WHOLE }
    : { keys: sorted.slice(0, SAMPLE_SIZE), theta: sorted[SAMPLE_SIZE - 1] as bigint };
}

/**
 * Whether `outer` seems to contain `inner`: each of inner's keys at or below both thresholds is
 * in outer's sample, and at least `evidence` such keys were compared (fewer proves nothing: a set
 * far larger than another has few sampled keys in the other's range).
 */
export function seemsToContain(outer: KeySample, inner: KeySample, evidence = 3): boolean {
  const theta = outer.theta < inner.theta ? outer.theta : inner.theta;
  // Both samples are ascending: one walk through each, no allocation (this runs for every pair
  // of nested sets the ledger meets).
  const theirs = outer.keys;
  let i = 0;
  let compared = 0;
  for (const key of inner.keys) {
    if (key > theta) break;
    while (i < theirs.length && (theirs[i] as bigint) < key) i++;
    if (i === theirs.length || theirs[i] !== key) return false;
    compared++;
  }
  return compared >= Math.min(evidence, inner.keys.length) && compared > 0;
}

/** The sample of `outer` minus `inner`, for outer containing inner. */
export function sampleMinus(outer: KeySample, inner: KeySample): KeySample {
  const theta = outer.theta < inner.theta ? outer.theta : inner.theta;
  const drop = new Set(inner.keys);
  return { keys: outer.keys.filter((k) => k <= theta && !drop.has(k)), theta };
}

/** As text for the ledger: the threshold (`*` for a whole set), then the keys, in hex. */
export function encodeSample(s: KeySample): string {
  return [
    s.theta === WHOLE ? "*" : s.theta.toString(16),
    ...s.keys.map((k) => k.toString(16)),
  ].join(",");
}

export function decodeSample(text: string): KeySample {
  const [theta = "*", ...keys] = text.split(",");
  return {
    theta: theta === "*" ? WHOLE : BigInt(`0x${theta}`),
    keys: keys.filter((k) => k !== "").map((k) => BigInt(`0x${k}`)),
  };
}
