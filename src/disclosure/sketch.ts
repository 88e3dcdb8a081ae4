/**
 * A person set's sketch for the differencing ledger: an invertible Bloom lookup table over the
 * members' record keys. Sketches subtract bucket by bucket, and the difference of two sets' sketches
 * is the sketch of their symmetric difference, which peels back into its members when it is small.
 * So two answered sets can be compared (do they differ by 1 to k-1 people?) without keeping either
 * set. Each key falls in one bucket of each of HASHES sub-tables, chosen by bits 32-51 of the key;
 * a bucket holds how many keys fell in it, their sum and the sum of a non-linear check of each.
 */
export const HASHES = 5;
export const BUCKETS_PER_HASH = 16;
export const BUCKETS = HASHES * BUCKETS_PER_HASH;

const LOW = (1n << 32n) - 1n;

export interface Bucket {
  count: number;
  ids: bigint;
  checks: bigint;
}

export type Sketch = Bucket[];

export function emptySketch(): Sketch {
  return Array.from({ length: BUCKETS }, () => ({ count: 0, ids: 0n, checks: 0n }));
}

/** The bucket of a record key in sub-table i (the same as the SQL in measure.ts). */
export function bucketOf(key: bigint, i: number): number {
  return i * BUCKETS_PER_HASH + Number((key >> BigInt(32 + 4 * i)) & 15n);
}

/** The check of a key: the product of its halves, which no sum of other keys' checks mimics. */
export function checkOf(key: bigint): bigint {
  return (key >> 32n) * (key & LOW);
}

/** x modulo 2^64, in [0, 2^64): two's complement of the low 64 bits, without a division. */
export const mod64 = (x: bigint) => BigInt.asUintN(64, x);
const mod = mod64;

export function addKey(sketch: Sketch, key: bigint, sign: 1 | -1 = 1): void {
  for (let i = 0; i < HASHES; i++) {
    const b = sketch[bucketOf(key, i)] as Bucket;
    b.count += sign;
    b.ids = mod(b.ids + BigInt(sign) * key);
    b.checks = mod(b.checks + BigInt(sign) * checkOf(key));
  }
}

/**
 * How many people two sets differ by (either way), or null when the difference is too large to
 * peel (far more than k-1 in practice).
 */
export function differenceSize(a: Sketch, b: Sketch, limit = BUCKETS): number | null {
  // The same set again, the common case on a repeated question, without building the difference.
  if (a === b || a.every((x, i) => sameBucket(x, b[i] as Bucket))) return 0;
  return combinationSize([a, b], [1, -1], limit);
}

const sameBucket = (x: Bucket, y: Bucket) =>
  x.count === y.count && x.ids === y.ids && x.checks === y.checks;

/**
 * The size of a signed sum of sets (e.g. X - Y + Z) when every person in it counts once, either
 * way; null when it does not peel (a large sum, or someone counted twice).
 */
export function combinationSize(
  sketches: readonly Sketch[],
  signs: readonly (1 | -1)[],
  limit = BUCKETS,
): number | null {
  const d: Sketch = new Array(BUCKETS);
  for (let i = 0; i < BUCKETS; i++) {
    let count = 0;
    let ids = 0n;
    let checks = 0n;
    for (let j = 0; j < sketches.length; j++) {
      const b = (sketches[j] as Sketch)[i] as Bucket;
      if (signs[j] === 1) {
        count += b.count;
        ids += b.ids;
        checks += b.checks;
      } else {
        count -= b.count;
        ids -= b.ids;
        checks -= b.checks;
      }
    }
    d[i] = { count, ids: mod(ids), checks: mod(checks) };
  }
  const empty = (x: Bucket) => x.count === 0 && x.ids === 0n && x.checks === 0n;
  // The common case on a repeated question: the same set again.
  if (d.every(empty)) return 0;
  let found = 0;
  for (let progress = true; progress; ) {
    progress = false;
    for (const [index, bucket] of d.entries()) {
      if (bucket.count !== 1 && bucket.count !== -1) continue;
      const sign = bucket.count as 1 | -1;
      const key = sign === 1 ? bucket.ids : mod(-bucket.ids);
      const check = sign === 1 ? bucket.checks : mod(-bucket.checks);
      if (check !== checkOf(key) || bucketOf(key, Math.floor(index / BUCKETS_PER_HASH)) !== index)
        continue;
      addKey(d, key, sign === 1 ? -1 : 1);
      found++;
      progress = true;
      if (found > limit) return null;
    }
  }
  return d.every(empty) ? found : null;
}

/** The counts of sub-table 0, where every member falls once: a cheap first test of a sum. */
export function firstCounts(s: Sketch): Int32Array {
  return Int32Array.from(s.slice(0, BUCKETS_PER_HASH), (b) => b.count);
}

/** A sketch as text for the ledger: 80 buckets of count, key sum and check sum, in hex. */
export function encodeSketch(s: Sketch): string {
  return s
    .map((b) =>
      b.count === 0 && b.ids === 0n && b.checks === 0n
        ? ""
        : `${b.count}:${b.ids.toString(16)}:${b.checks.toString(16)}`,
    )
    .join(",");
}

/** firstCounts of an encoded sketch, without reading the rest of it. */
export function firstCountsOfText(text: string): Int32Array {
  return Int32Array.from(text.split(",", BUCKETS_PER_HASH), (p) =>
    p === "" ? 0 : Number.parseInt(p, 10),
  );
}

export function decodeSketch(text: string): Sketch {
  const parts = text.split(",");
  if (parts.length !== BUCKETS) throw new Error("A ledger sketch has the wrong number of buckets.");
  return parts.map((p) => {
    if (p === "") return { count: 0, ids: 0n, checks: 0n };
    const [count, ids, checks] = p.split(":");
    return { count: Number(count), ids: BigInt(`0x${ids}`), checks: BigInt(`0x${checks}`) };
  });
}
