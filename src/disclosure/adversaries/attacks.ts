import type { Shown } from "../engine.js";
import { asNumber, type Oracle } from "./oracle.js";
import { keysOf, type Population, type SimPerson } from "./population.js";

/** One attack on one target: whether the attacker's guess was right, and the baseline's. */
export interface Trial {
  success: boolean;
  /**
   * The chance that guessing from the published answer alone (or the prior) is right: 1/k for a
   * small count drawn uniformly, one half for a sex, and for a larger count the chance that its
   * published answer is the count itself (from the perturbation table).
   */
  baseline: number;
  queries: number;
}

export interface AttackSetting {
  population: Population;
  k: number;
  /** The target's number among the attack's targets. */
  index: number;
  /** The attacker's oracle for one target (its own ledger and budget). */
  oracle: () => Oracle;
  /** The chance that the published answer for a count of n people reads exactly n. */
  exactChance: (n: number) => number;
}

const clip = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(xs.length, 1);
const numeric = (s: Shown | undefined, k: number) => (s === undefined ? undefined : asNumber(s, k));

/**
 * A small target: s in 0..k-1 people, each size equally often (the index mod k), so that guessing
 * any one size is right for exactly 1/k of the targets and the prior alone guesses 1/k right.
 */
function smallTarget(set: AttackSetting): { members: SimPerson[]; size: number } {
  const size = set.index % set.k;
  return { members: set.population.people(size), size };
}

/**
 * (1) Bisection by birth date. The target is padded with 50 known others so that answers are
 * numbers, then halved by birth date until single people: each answer minus the padding's says
 * how many of the target are born in the range. The guess of the target's size is the first
 * difference; the bisection then hunts for one person's birth date.
 */
export async function bisection(set: AttackSetting): Promise<Trial> {
  const o = set.oracle();
  const t = smallTarget(set);
  const pad = keysOf(set.population.people(50));
  const padShown = numeric(await o.one(pad), set.k) ?? 0;
  const inRange = async (lo: number, hi: number) => {
    const members = t.members.filter((p) => p.birth >= lo && p.birth < hi);
    const shown = numeric(await o.one([...pad, ...keysOf(members)]), set.k);
    return shown === undefined ? undefined : shown - padShown;
  };
  const total = (await inRange(0, 365 * 80)) ?? 0;
  // Halve the range while the budget lasts, following the half that seems to hold someone.
  let [lo, hi] = [0, 365 * 80];
  while (hi - lo > 1 && o.left > 0) {
    const mid = Math.floor((lo + hi) / 2);
    const below = await inRange(lo, mid);
    if (below === undefined) break;
    [lo, hi] = below > 0.5 ? [lo, mid] : [mid, hi];
  }
  const guess = clip(Math.round(total), 0, set.k - 1);
  return { success: guess === t.size, baseline: 1 / set.k, queries: o.used };
}

/**
 * (2) Padding with disjoint known sets. For a small target: ask a padding set, then the target
 * with it, for as many padding sets as the budget allows; the mean difference is the guess.
 */
export async function paddingSmall(set: AttackSetting): Promise<Trial> {
  const o = set.oracle();
  const t = smallTarget(set);
  const diffs: number[] = [];
  while (o.left >= 2) {
    const pad = keysOf(set.population.people(set.population.int(20, 200)));
    const a = numeric(await o.one(pad), set.k) as number;
    const b = numeric(await o.one([...pad, ...keysOf(t.members)]), set.k) as number;
    diffs.push(b - a);
  }
  const guess = clip(Math.round(mean(diffs)), 0, set.k - 1);
  return { success: guess === t.size, baseline: 1 / set.k, queries: o.used };
}

/**
 * (2b) Padding chains: the target with padding P, P with a second padding Q, and Q alone. No two
 * of the three sets are within k-1 people of each other, yet the first minus the second plus the
 * third is the target: the ledger compares pairs, so only the budget bounds this attack.
 */
export async function paddingChain(set: AttackSetting): Promise<Trial> {
  const o = set.oracle();
  const t = smallTarget(set);
  const estimates: number[] = [];
  while (o.left >= 3) {
    const p = keysOf(set.population.people(set.population.int(20, 200)));
    const q = keysOf(set.population.people(set.population.int(20, 200)));
    const a = numeric(await o.one([...keysOf(t.members), ...p]), set.k) as number;
    const b = numeric(await o.one([...p, ...q]), set.k) as number;
    const c = numeric(await o.one(q), set.k) as number;
    estimates.push(a - b + c);
  }
  const guess = clip(Math.round(mean(estimates)), 0, set.k - 1);
  return { success: guess === t.size, baseline: 1 / set.k, queries: o.used };
}

/**
 * (2d) Longer padding chains: target ∪ P, P ∪ Q, Q ∪ R and R; the alternating sum is the target,
 * and no two or three of the sets add up to a set close to another.
 */
export async function paddingChain4(set: AttackSetting): Promise<Trial> {
  const o = set.oracle();
  const t = smallTarget(set);
  const estimates: number[] = [];
  const pad = () => keysOf(set.population.people(set.population.int(20, 200)));
  while (o.left >= 4) {
    const [p, q, r] = [pad(), pad(), pad()];
    const a = numeric(await o.one([...keysOf(t.members), ...p]), set.k) as number;
    const b = numeric(await o.one([...p, ...q]), set.k) as number;
    const c = numeric(await o.one([...q, ...r]), set.k) as number;
    const d = numeric(await o.one(r), set.k) as number;
    estimates.push(a - b + c - d);
  }
  const guess = clip(Math.round(mean(estimates)), 0, set.k - 1);
  return { success: guess === t.size, baseline: 1 / set.k, queries: o.used };
}

/**
 * A cohort of 10 to 40 people whose exact count the attacker is after: its own answer, if
 * `asked` (which puts it on the attacker's ledger), and then padded pairs, (cohort ∪ P) - P for
 * as many P as the budget allows, averaged.
 */
async function paddedExactCount(set: AttackSetting, asked: boolean): Promise<Trial> {
  const o = set.oracle();
  const target = keysOf(set.population.people(set.population.int(10, 40)));
  const estimates = asked ? [asNumber((await o.one(target)) as Shown, set.k)] : [];
  while (o.left >= 2) {
    const pad = keysOf(set.population.people(set.population.int(20, 200)));
    const a = numeric(await o.one(pad), set.k) as number;
    const b = numeric(await o.one([...pad, ...target]), set.k) as number;
    estimates.push(b - a);
  }
  return {
    success: Math.round(mean(estimates)) === target.length,
    baseline: set.exactChance(target.length),
    queries: o.used,
  };
}

/** (2e) Padded pairs around a larger count that the attacker never asks for itself. */
export const paddingPairsOnly = (set: AttackSetting) => paddedExactCount(set, false);

/** (2c) Padding to undo the noise of a larger count, asked once first, as in (2). */
export const paddingExact = (set: AttackSetting) => paddedExactCount(set, true);

/**
 * (2f) Padded triples around a larger count never asked: (cohort ∪ P ∪ Q) - P - Q, with P and Q
 * asked apart, so that each estimate goes through two differences.
 */
export async function paddingTriples(set: AttackSetting): Promise<Trial> {
  const o = set.oracle();
  const target = keysOf(set.population.people(set.population.int(10, 40)));
  const estimates: number[] = [];
  const pad = () => keysOf(set.population.people(set.population.int(20, 200)));
  while (o.left >= 3) {
    const [p, q] = [pad(), pad()];
    const a = numeric(await o.one([...target, ...p, ...q]), set.k) as number;
    const b = numeric(await o.one(p), set.k) as number;
    const c = numeric(await o.one(q), set.k) as number;
    estimates.push(a - b - c);
  }
  return {
    success: Math.round(mean(estimates)) === target.length,
    baseline: set.exactChance(target.length),
    queries: o.used,
  };
}

/**
 * (2g) Four overlapping sets, none inside another, around a larger count never asked:
 * (cohort ∪ P ∪ Q) - (P ∪ R) - (Q ∪ S) + (R ∪ S).
 */
export async function overlappingFour(set: AttackSetting): Promise<Trial> {
  const o = set.oracle();
  const target = keysOf(set.population.people(set.population.int(10, 40)));
  const estimates: number[] = [];
  const pad = () => keysOf(set.population.people(set.population.int(20, 200)));
  while (o.left >= 4) {
    const [p, q, r, s] = [pad(), pad(), pad(), pad()];
    const a = numeric(await o.one([...target, ...p, ...q]), set.k) as number;
    const b = numeric(await o.one([...p, ...r]), set.k) as number;
    const c = numeric(await o.one([...q, ...s]), set.k) as number;
    const d = numeric(await o.one([...r, ...s]), set.k) as number;
    estimates.push(a - b - c + d);
  }
  return {
    success: Math.round(mean(estimates)) === target.length,
    baseline: set.exactChance(target.length),
    queries: o.used,
  };
}

/**
 * (3) Catalog subtraction: a variable's total and each of its values are published; the target
 * value is small. Total minus the other values is the guess.
 */
export async function catalogSubtraction(set: AttackSetting): Promise<Trial> {
  const o = set.oracle();
  const t = smallTarget(set);
  const others = Array.from({ length: 4 }, () =>
    set.population.people(set.population.int(10, 300)),
  );
  const all = [...t.members, ...others.flat()];
  const shown = (await o.ask(keysOf(all), keysOf(t.members), ...others.map(keysOf))) as Shown[];
  const [total, , ...rest] = shown.map((s) => asNumber(s, set.k));
  const guess = clip(Math.round((total ?? 0) - rest.reduce((a, b) => a + b, 0)), 0, set.k - 1);
  return { success: guess === t.size, baseline: 1 / set.k, queries: o.used };
}

/**
 * (4) Breakdown cell counting: a cohort broken down by sex (four categories, always listed) and by
 * four index years; the women are the small target. The attacker subtracts the shown cells from
 * the total, and counts the cells labelled `<k` among the years.
 */
export async function breakdownCounting(set: AttackSetting): Promise<Trial> {
  const o = set.oracle();
  const t = smallTarget(set);
  const men = set.population.people(set.population.int(20, 120));
  const everyone = [...t.members, ...men];
  const year = new Map(everyone.map((p) => [p.key, set.population.int(0, 3)]));
  const byYear = [0, 1, 2, 3].map((y) => everyone.filter((p) => year.get(p.key) === y));
  const shown = (await o.ask(
    keysOf(everyone),
    keysOf(t.members),
    keysOf(men),
    [],
    [],
    ...byYear.map(keysOf),
  )) as Shown[];
  const [total = 0, , male = 0] = shown.map((s) => asNumber(s, set.k));
  const smallYears = shown.slice(5).filter((s) => typeof s === "string").length;
  // Total minus men, nudged towards the number of small year cells when those are many.
  const guess = clip(Math.round(total - male + (smallYears > 2 ? 0.5 : 0)), 0, set.k - 1);
  return { success: guess === t.size, baseline: 1 / set.k, queries: o.used };
}

/**
 * (5) Opt-out diff: the catalog's sex by age band table is published before and after one
 * person opts out; the attacker guesses the person's sex from the cells that changed. Chance: one
 * half.
 */
export async function optoutDiff(set: AttackSetting): Promise<Trial> {
  const o = set.oracle();
  const people = set.population.people(400);
  const leaver = people[set.population.int(0, people.length - 1)] as SimPerson;
  const table = (ps: SimPerson[]) =>
    (["female", "male"] as const).flatMap((sex) =>
      [0, 1, 2, 3, 4, 5].map((band) => keysOf(ps.filter((p) => p.sex === sex && p.band === band))),
    );
  const before = ((await o.ask(...table(people))) as Shown[]).map((s) => asNumber(s, set.k));
  const after = ((await o.ask(...table(people.filter((p) => p !== leaver)))) as Shown[]).map((s) =>
    asNumber(s, set.k),
  );
  const drop = (from: number) =>
    before.slice(from, from + 6).reduce((a, b, i) => a + b - (after[from + i] ?? 0), 0);
  const [female, male] = [drop(0), drop(6)];
  const guess =
    female === male
      ? set.population.uniform() < 0.5
        ? "female"
        : "male"
      : female > male
        ? "female"
        : "male";
  return {
    success: guess === leaver.sex,
    baseline: 0.5,
    queries: o.used,
  };
}

/**
 * (6) Averaging repeated and rephrased queries: the same cohort asked again and again, and with
 * one to four known people added (whose number the attacker subtracts), averaged.
 */
export async function averaging(set: AttackSetting): Promise<Trial> {
  const o = set.oracle();
  const target = keysOf(set.population.people(set.population.int(10, 40)));
  const direct = (await o.one(target)) as Shown;
  const estimates = [asNumber(direct, set.k)];
  while (o.left > 0) {
    const extra = keysOf(set.population.people(set.population.int(0, set.k - 1)));
    const shown = numeric(await o.one([...target, ...extra]), set.k) as number;
    estimates.push(shown - extra.length);
  }
  return {
    success: Math.round(mean(estimates)) === target.length,
    baseline: set.exactChance(target.length),
    queries: o.used,
  };
}

export const ATTACKS = {
  "1 bisection by birth date": bisection,
  "2 padding (small count)": paddingSmall,
  "2b padding chain (small count)": paddingChain,
  "2c padding (exact count 10-40)": paddingExact,
  "2d padding chain of four (small count)": paddingChain4,
  "2e padded pairs only (exact count 10-40)": paddingPairsOnly,
  "2f padded triples (exact count 10-40)": paddingTriples,
  "2g four overlapping sets (exact count 10-40)": overlappingFour,
  "3 catalog subtraction": catalogSubtraction,
  "4 breakdown cell counting": breakdownCounting,
  "5 opt-out diff (sex)": optoutDiff,
  "6 averaging repeated/rephrased": averaging,
} as const;
