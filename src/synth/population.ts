import { Chart } from "./chart.js";
import type { DefectPlanner } from "./defects.js";
import type { ExportWriter } from "./export-writer.js";
import type { Resource } from "./fhir-types.js";
import { patientResource } from "./patient-resource.js";
import { HetuAllocator, makePerson, type Person, type PersonContext } from "./person.js";
import { makePlan, type Plan } from "./plan.js";
import { Rng } from "./rng.js";
import type { StaticResources } from "./static-resources.js";
import { DAY } from "./time.js";
import { writeHistory } from "./trajectories/index.js";
import { diagnosisCategory, type TruthCounter } from "./truth.js";

/** A person with their plan and chart, exactly as an export wrote (or writes) them. */
export interface Generated {
  person: Person;
  plan: Plan;
  chart: Chart;
  /** The person's Patient record carries a planted invalid identity code (and nothing else is written). */
  invalid: boolean;
}

/** A window of one day, with a random stream of its own for that day's records. */
export interface DayWindow {
  from: number;
  to: number;
  stream: string;
}

/**
 * The synthetic population of one run. Anyone can be regenerated from the seed and their index,
 * which is how daily increments correct and delete earlier records without keeping them.
 */
export class Population {
  readonly #people: PersonContext;

  constructor(
    readonly seed: number,
    readonly asOf: number,
    readonly startOf: number,
    readonly statics: StaticResources,
    readonly planner: DefectPlanner,
    readonly truth: TruthCounter,
  ) {
    this.#people = { seed, asOf, hetus: new HetuAllocator(seed) };
  }

  /**
   * A person's full history up to the export date, or, with a day window, an empty chart for
   * that day. `existing` regenerates someone created earlier (same identity code).
   */
  generate(index: number, existing: boolean, day?: DayWindow): Generated {
    const person = makePerson(this.#people, index, existing);
    const planRng = Rng.derive(this.seed, "chart", index);
    const plan = makePlan(planRng, person, this.asOf);
    const death = plan.death;
    const from = Math.max(day?.from ?? this.startOf, person.birth);
    const to = Math.min(day?.to ?? this.asOf, death ?? Number.POSITIVE_INFINITY);
    const rng = day ? Rng.derive(this.seed, "chart", index, day.stream) : planRng;
    const chart = new Chart(person, rng, { from, to: Math.max(from, to), death }, this.statics);
    const invalid = this.planner.invalidHetu(index);
    if (!invalid && !day) writeHistory(chart, plan);
    return { person, plan, chart, invalid };
  }

  /** The person's Patient record; `person` may be a changed copy (a new address). */
  patient(g: Generated, death: number | null, person: Person = g.person): Resource {
    const rng = Rng.derive(this.seed, "patient-record", g.person.index);
    const hetu = g.invalid ? breakCheckCharacter(person.hetu) : person.hetu;
    const lastUpdated = Math.max(person.birth + DAY, this.asOf - rng.int(1, 3000) * DAY);
    return patientResource(
      { ...person, hetu },
      death,
      lastUpdated,
      `P${rng.int(1_000_000, 9_999_999)}`,
    );
  }

  /** Writes a person (Patient and records) and counts what was written cleanly. */
  write(writer: ExportWriter, g: Generated, death: number | null): void {
    const patient = this.patient(g, death);
    if (g.invalid) {
      writer.writeInvalidPatient(patient);
      return;
    }
    writer.writeRecords([patient]);
    this.truth.patient(g.person.sex, death !== null, g.person.temporaryHetu);
    this.truth.diagnosisCategories(writer.writeRecords(g.chart.resources));
  }

  /** Whether a record was written without a destructive defect (a duplicate still counts). */
  clean(r: Resource): boolean {
    const kind = this.planner.recordDefect(r);
    return kind === null || kind === "duplicate_resource";
  }

  /** Diagnosis categories of a person's clean Conditions in the initial export. */
  cleanCategories(resources: Resource[]): Set<string> {
    const out = new Set<string>();
    for (const r of resources) {
      if (r.resourceType !== "Condition" || !this.clean(r)) continue;
      const category = diagnosisCategory(r);
      if (category) out.add(category);
    }
    return out;
  }
}

function breakCheckCharacter(hetu: string): string {
  return `${hetu.slice(0, 10)}${hetu[10] === "0" ? "1" : "0"}`;
}
