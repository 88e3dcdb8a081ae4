import type { ExportWriter } from "./export-writer.js";
import type { Population } from "./population.js";
import type { Rng } from "./rng.js";
import { DAY, fhirDateTime } from "./time.js";
import { dailyVisit } from "./trajectories/index.js";
import { diagnosisCategory } from "./truth.js";

/** What earlier days changed, so that no record is changed twice and truth stays exact. */
export class IncrementState {
  /** Records corrected or deleted. */
  readonly touched = new Set<string>();
  /** People whose Patient record changed (moved or died). */
  readonly changedPatients = new Set<number>();
  /** People who lost a record: at most one each. */
  readonly deletedFrom = new Set<number>();
  readonly diedOnDay = new Set<number>();
  /** Diagnosis categories a person first got on a day. */
  readonly addedCategories = new Map<number, Set<string>>();

  constructor(public nextIndex: number) {}
}

export interface DayPlan {
  day: number;
  /** Start of the day (the previous export's time). */
  from: number;
  newPeople: number;
  visits: number;
  corrections: number;
  deletions: number;
}

/** How much changes in a day, as shares of the initial population. */
export function dayPlan(day: number, asOf: number, patients: number): DayPlan {
  const share = (p: number) => Math.max(1, Math.round(patients * p));
  return {
    day,
    from: asOf + (day - 1) * DAY,
    newPeople: share(0.002),
    visits: share(0.01),
    corrections: share(0.002),
    deletions: share(0.001),
  };
}

/** Everything one day's changes need. */
export interface Day {
  pop: Population;
  writer: ExportWriter;
  plan: DayPlan;
  /** Size of the initial population: the people who can be changed. */
  patients: number;
  state: IncrementState;
  rng: Rng;
}

/**
 * One daily increment: new people with a first visit, new visits for existing people, corrected
 * records (a new `meta.versionId`) and deletions (a DELETE Bundle in the manifest's `deleted`).
 */
export function writeDay(day: Day, tick: () => void): number {
  const { pop, writer, plan, patients, state, rng } = day;
  const { from } = plan;
  const to = from + DAY;
  let people = 0;
  for (let n = 0; n < plan.newPeople; n++, tick()) {
    const g = pop.generate(state.nextIndex++, false, { from, to, stream: `day-${plan.day}` });
    if (!g.invalid) dailyVisit(g.chart, g.plan, from + rng.int(0, 23) * 3_600_000);
    pop.write(writer, g, null);
    people++;
  }
  for (let n = 0; n < plan.visits; n++, tick()) {
    const index = rng.int(0, patients - 1);
    const g = pop.generate(index, true, { from, to, stream: `day-${plan.day}-visit-${n}` });
    if (g.invalid || g.plan.death !== null || state.diedOnDay.has(index)) continue;
    dailyVisit(g.chart, g.plan, from + rng.int(0, 23) * 3_600_000);
    const added = state.addedCategories.get(index) ?? new Set<string>();
    const before = new Set([
      ...pop.cleanCategories(pop.generate(index, true).chart.resources),
      ...added,
    ]);
    const fresh = [...writer.writeRecords(g.chart.resources)].filter((c) => !before.has(c));
    pop.truth.diagnosisCategories(fresh);
    state.addedCategories.set(index, new Set([...added, ...fresh]));
  }
  for (let n = 0; n < plan.corrections; n++, tick()) correct(day);
  for (let n = 0; n < plan.deletions; n++, tick()) remove(day);
  return people;
}

function correct({ pop, writer, plan, patients, state, rng }: Day): void {
  const index = rng.int(0, patients - 1);
  const g = pop.generate(index, true);
  if (g.invalid) return;
  const meta = {
    versionId: String(plan.day + 1),
    lastUpdated: fhirDateTime(plan.from + rng.int(1, 22) * 3_600_000),
  };
  if (g.plan.death === null && !state.changedPatients.has(index) && rng.chance(0.3)) {
    state.changedPatients.add(index);
    // Either the person died today, or moved house within the municipality.
    const dies = rng.chance(0.3);
    const person = dies
      ? g.person
      : { ...g.person, street: `${rng.pick(g.person.municipality.streets)} ${rng.int(1, 80)}` };
    const patient = pop.patient(g, dies ? plan.from + rng.int(1, 20) * 3_600_000 : null, person);
    patient.meta = meta;
    if (dies) {
      state.diedOnDay.add(index);
      pop.truth.death();
    }
    writer.writeUpdate(patient);
    return;
  }
  const candidates = g.chart.resources.filter(
    (r) =>
      (r.resourceType === "Observation" || r.resourceType === "Encounter") &&
      !state.touched.has(r.id) &&
      pop.clean(r),
  );
  if (candidates.length === 0) return;
  const target = structuredClone(rng.pick(candidates));
  state.touched.add(target.id);
  target.meta = meta;
  if (target.resourceType === "Observation" && target.valueQuantity) {
    const q = target.valueQuantity as { value: number };
    q.value = Number((q.value * (1 + rng.int(-20, 20) / 100)).toFixed(2));
    target.status = "corrected";
  } else if (target.resourceType === "Encounter") {
    const period = target.period as { end: string };
    period.end = fhirDateTime(Date.parse(period.end) + rng.int(1, 3) * 3_600_000);
  } else {
    target.status = "amended";
  }
  writer.writeUpdate(target);
}

function remove({ pop, writer, plan, patients, state, rng }: Day): void {
  const index = rng.int(0, patients - 1);
  if (state.deletedFrom.has(index)) return;
  const g = pop.generate(index, true);
  if (g.invalid) return;
  const clean = g.chart.resources.filter((r) => !state.touched.has(r.id) && pop.clean(r));
  const perCategory = new Map<string, number>();
  for (const r of clean) {
    const c = r.resourceType === "Condition" ? diagnosisCategory(r) : undefined;
    if (c) perCategory.set(c, (perCategory.get(c) ?? 0) + 1);
  }
  // Entered in error: a lab result, a note, or a diagnosis the person also has elsewhere (so the
  // person still counts under that category).
  const candidates = clean.filter(
    (r) =>
      r.resourceType === "Observation" ||
      r.resourceType === "DocumentReference" ||
      (r.resourceType === "Condition" && (perCategory.get(diagnosisCategory(r) ?? "") ?? 0) > 1),
  );
  if (candidates.length === 0) return;
  const target = rng.pick(candidates);
  state.touched.add(target.id);
  state.deletedFrom.add(index);
  writer.writeDeletion(target, rng.uuid(), fhirDateTime(plan.from + rng.int(1, 22) * 3_600_000));
}
