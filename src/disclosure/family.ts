import { type KeySample, sampleMinus, seemsToContain } from "./sample.js";
import { BUCKETS, BUCKETS_PER_HASH, differenceSize, mod64, type Sketch } from "./sketch.js";

/**
 * What the ledger knows of a scope: every answered set with a number, and every set implied by two
 * of them, one inside the other (their difference, whose answer is the difference of theirs). An
 * attacker who pads a target with P and asks for both learns the target's count through such a
 * difference; asking again with another padding would draw fresh noise for the same target. So a
 * new set whose own differences with known sets land on a known set is given the answer that keeps
 * them agreeing, and every estimate of the target comes out the same.
 */
export interface Known {
  persons: number;
  /** All bucket counts of the sketch. */
  counts: Int32Array;
  sketch: () => Sketch;
  sample: KeySample | null;
  shown: number;
  /** How many fresh perturbation draws the answer is made of. */
  weight: number;
}

/** Answers made of more draws than this are not combined further (their error would grow). */
export const WEIGHT_CAP = 4;
/** A forced answer may be made of up to this many draws. */
export const FORCED_CAP = 8;
const MAX_DEPTH = 3;
const MAX_NODES = 64;

/** A set met in the search, with its answer as `a + s·v` in the new cell's answer v. */
export interface Implied {
  persons: number;
  counts: Int32Array;
  sketch: () => Sketch;
  sample: KeySample;
  a: number;
  s: 1 | -1;
  weight: number;
  /** Known sets used on the way, so that the search does not walk back. */
  used: ReadonlySet<Known>;
}

export function countsOf(sketch: Sketch): Int32Array {
  return Int32Array.from(sketch, (b) => b.count);
}

export function countsOfText(text: string): Int32Array {
  const parts = text.split(",");
  return Int32Array.from({ length: BUCKETS }, (_, i) => {
    const p = parts[i] ?? "";
    return p === "" ? 0 : Number.parseInt(p, 10);
  });
}

/** A known set within k-1 people of this one, if any (the earliest). */
export function nearestKnown(
  family: readonly Known[],
  node: Pick<Implied, "persons" | "counts" | "sketch">,
  k: number,
): Known | undefined {
  for (const known of family) {
    if (Math.abs(known.persons - node.persons) > k - 1) continue;
    let apart = 0;
    for (let i = 0; i < BUCKETS_PER_HASH && apart < k; i++)
      apart += Math.abs((known.counts[i] as number) - (node.counts[i] as number));
    if (apart >= k) continue;
    const size = differenceSize(known.sketch(), node.sketch(), k);
    if (size !== null && size < k) return known;
  }
  return undefined;
}

function dominates(outer: Int32Array, inner: Int32Array): boolean {
  for (let i = 0; i < BUCKETS; i++) if ((outer[i] as number) < (inner[i] as number)) return false;
  return true;
}

/** The sets one step from a node: its differences with known sets inside or around it. */
function children(family: readonly Known[], node: Implied): Implied[] {
  const out: Implied[] = [];
  for (const known of family) {
    if (known.weight + node.weight > WEIGHT_CAP || known.persons === node.persons) continue;
    const outer = known.persons > node.persons;
    if (!(outer ? dominates(known.counts, node.counts) : dominates(node.counts, known.counts)))
      continue;
    const sample = known.sample;
    if (!sample || node.used.has(known)) continue;
    const [big, small] = outer ? [known, node] : [node, known];
    const [bigSample, smallSample] = outer ? [sample, node.sample] : [node.sample, sample];
    if (!seemsToContain(bigSample, smallSample)) continue;
    out.push({
      persons: big.persons - small.persons,
      counts: Int32Array.from(big.counts, (c, i) => c - (small.counts[i] as number)),
      sketch: lazyCombination(big.sketch, small.sketch),
      sample: sampleMinus(bigSample, smallSample),
      // The known set inside: node − known; around: known − node, so v's sign turns.
      a: outer ? known.shown - node.a : node.a - known.shown,
      s: outer ? (node.s === 1 ? -1 : 1) : node.s,
      weight: node.weight + known.weight,
      used: new Set(node.used).add(known),
    });
  }
  return out;
}

function lazyCombination(outer: () => Sketch, inner: () => Sketch): () => Sketch {
  let sketch: Sketch | undefined;
  return () => {
    sketch ??= subtract(outer(), inner());
    return sketch;
  };
}

function subtract(a: Sketch, b: Sketch): Sketch {
  return a.map((x, i) => {
    const y = b[i] as (typeof b)[number];
    return {
      count: x.count - y.count,
      ids: mod64(x.ids - y.ids),
      checks: mod64(x.checks - y.checks),
    };
  });
}

/**
 * Searches from a new cell (answer v, one fresh draw) through known sets inside or around it, up
 * to three steps. If a set reached lies within k-1 people of a known one, v is forced: the value
 * that gives that set the known answer. Returns the forced value and its weight, and every set
 * reached, to go on the ledger once v is fixed.
 */
export function search(
  family: readonly Known[],
  cell: { persons: number; sketch: Sketch; sample: KeySample | null },
  k: number,
): { forced?: { value: number; weight: number }; reached: Implied[] } {
  if (!cell.sample) return { reached: [] };
  const start: Implied = {
    persons: cell.persons,
    counts: countsOf(cell.sketch),
    sketch: () => cell.sketch,
    sample: cell.sample,
    a: 0,
    s: 1,
    weight: 1,
    used: new Set(),
  };
  const reached: Implied[] = [];
  let frontier = [start];
  for (let depth = 0; depth < MAX_DEPTH && frontier.length > 0; depth++) {
    const next: Implied[] = [];
    for (const node of frontier)
      for (const child of children(family, node)) {
        if (reached.length >= MAX_NODES) return { reached };
        reached.push(child);
        const match = nearestKnown(family, child, k);
        if (match && !child.used.has(match) && child.weight - 1 + match.weight <= FORCED_CAP)
          return {
            forced: {
              value: child.s * (match.shown - child.a),
              weight: child.weight - 1 + match.weight,
            },
            reached,
          };
        next.push(child);
      }
    frontier = next;
  }
  return { reached };
}
