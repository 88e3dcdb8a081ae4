import type { Person } from "./person.js";
import type { Rng } from "./rng.js";
import { ageAt, DAY, YEAR } from "./time.js";

export type CancerKind = "breast" | "prostate" | "colorectal" | "lung";

export type ChronicKey =
  | "hypertension"
  | "asthma"
  | "depression"
  | "hypothyroidism"
  | "atrialFibrillation"
  | "copd"
  | "kneeArthrosis"
  | "hyperlipidemia";

/** The course of one person's health, decided before any record is written. */
export interface Plan {
  death: number | null;
  ra?: { onset: number; seropositive: boolean };
  t2d?: { onset: number };
  ms?: { onset: number };
  mi?: { at: number; fatal: boolean; anterior: boolean };
  cancer?: { kind: CancerKind; onset: number };
  chronic: Array<{ key: ChronicKey; onset: number }>;
}

const CHRONIC: ReadonlyArray<{ key: ChronicKey; minAge: number; p: (age: number) => number }> = [
  { key: "hypertension", minAge: 35, p: (a) => (a >= 65 ? 0.3 : a >= 50 ? 0.15 : 0.04) },
  { key: "asthma", minAge: 5, p: () => 0.06 },
  { key: "depression", minAge: 15, p: () => 0.05 },
  { key: "hypothyroidism", minAge: 25, p: () => 0.03 },
  { key: "atrialFibrillation", minAge: 55, p: (a) => (a >= 75 ? 0.12 : 0.04) },
  { key: "copd", minAge: 50, p: () => 0.03 },
  { key: "kneeArthrosis", minAge: 50, p: (a) => (a >= 65 ? 0.08 : 0.03) },
  { key: "hyperlipidemia", minAge: 40, p: () => 0.05 },
];

/** An instant when the person was `age` years old, plus up to a year. */
function atAge(rng: Rng, person: Person, age: number): number {
  return person.birth + age * YEAR + rng.int(0, 364) * DAY;
}

/** Decides diagnoses, onsets and death. Prevalences are in plausible ranges for Uusimaa. */
export function makePlan(rng: Rng, person: Person, asOf: number): Plan {
  const age = ageAt(person.birth, asOf);
  const female = person.sex === "female";
  const plan: Plan = { death: null, chronic: [] };
  const onsetBetween = (from: number, to: number) =>
    atAge(rng, person, rng.int(from, Math.max(from, to)));

  if (age >= 25 && rng.chance(female ? 0.012 : 0.005)) {
    plan.ra = { onset: onsetBetween(25, Math.min(age, 75)), seropositive: rng.chance(0.7) };
  }
  const t2dRisk = age >= 65 ? 0.16 : age >= 50 ? 0.09 : age >= 30 ? 0.025 : 0.002;
  if (age >= 20 && rng.chance(t2dRisk)) plan.t2d = { onset: onsetBetween(Math.min(40, age), age) };
  if (age >= 20 && rng.chance(female ? 0.004 : 0.0016))
    plan.ms = { onset: onsetBetween(20, Math.min(age, 50)) };
  const miRisk = (age >= 65 ? 0.08 : age >= 50 ? 0.03 : 0) * (female ? 0.5 : 1);
  if (rng.chance(miRisk)) {
    plan.mi = { at: onsetBetween(50, age), fatal: rng.chance(0.08), anterior: rng.chance(0.4) };
  }
  const cancerOptions: Array<readonly [CancerKind, number]> = [];
  if (female && age >= 40) cancerOptions.push(["breast", 0.025]);
  if (!female && age >= 55) cancerOptions.push(["prostate", 0.04]);
  if (age >= 50) cancerOptions.push(["colorectal", 0.01], ["lung", 0.008]);
  for (const [kind, p] of cancerOptions) {
    if (!plan.cancer && rng.chance(p)) {
      plan.cancer = { kind, onset: onsetBetween(kind === "breast" ? 40 : 50, age) };
    }
  }
  for (const c of CHRONIC) {
    if (age >= c.minAge && rng.chance(c.p(age)))
      plan.chronic.push({ key: c.key, onset: onsetBetween(c.minAge, age) });
  }

  // Deaths: from a fatal infarction, from cancer, or of old age.
  const deaths: number[] = [];
  if (plan.mi?.fatal) deaths.push(plan.mi.at + rng.int(0, 20) * DAY);
  if (plan.cancer) {
    const fatal = { breast: 0.1, prostate: 0.1, colorectal: 0.3, lung: 0.6 }[plan.cancer.kind];
    if (rng.chance(fatal))
      deaths.push(plan.cancer.onset + rng.int(120, plan.cancer.kind === "lung" ? 900 : 2500) * DAY);
  }
  const oldAgeRisk = age >= 90 ? 0.5 : age >= 80 ? 0.25 : age >= 70 ? 0.1 : age >= 60 ? 0.04 : 0.01;
  if (rng.chance(oldAgeRisk)) deaths.push(asOf - rng.int(1, 3650) * DAY);
  const death = deaths.filter((d) => d > person.birth && d < asOf).sort((a, b) => a - b)[0];
  plan.death = death ?? null;
  return plan;
}
