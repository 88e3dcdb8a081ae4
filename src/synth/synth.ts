import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import { Chart } from "./chart.js";
import { DEFECT_KINDS, type Defect, DefectPlanner } from "./defects.js";
import { ExportWriter } from "./export-writer.js";
import type { Resource } from "./fhir-types.js";
import { patientResource } from "./patient-resource.js";
import { HetuAllocator, makePerson, type Person, type PersonContext } from "./person.js";
import { makePlan, type Plan } from "./plan.js";
import { UNITS } from "./reference/hospitals.js";
import { REGISTRY_FORMATS, RegistryWriter } from "./registries.js";
import { Rng } from "./rng.js";
import { StaticResources } from "./static-resources.js";
import { DAY, fhirDateTime, parseDay } from "./time.js";
import { dailyVisit, writeHistory } from "./trajectories/index.js";
import { type Facts, TruthCounter } from "./truth.js";

export interface SynthOptions {
  patients: number;
  seed: number;
  out: string;
  /** First year with records (default 1985). */
  startYear: number;
  /** Daily increments after the initial export (default 0). */
  days: number;
  /** Fraction of records with a planted defect (default 0). */
  dirty: number;
  /** Export date of the initial export, YYYY-MM-DD (default 2025-12-31). */
  asOf: string;
  /** Split NDJSON files at about this many bytes (default 50 MB). */
  splitBytes: number;
}

export const DEFAULT_SYNTH_OPTIONS = {
  startYear: 1985,
  days: 0,
  dirty: 0,
  asOf: "2025-12-31",
  splitBytes: 50 * 1024 * 1024,
} as const;

export interface SynthProgress {
  phase: string;
  done: number;
  total: number;
}

export interface SynthSummary {
  patients: number;
  exports: Array<{ dir: string; transactionTime: string; files: number; bytes: number }>;
  bytes: number;
  defects: number;
}

/** A person regenerated exactly as an earlier export wrote them. */
interface Regenerated {
  person: Person;
  plan: Plan;
  chart: Chart;
  invalid: boolean;
}

/**
 * Writes a synthetic hospital's FHIR bulk export, CSV registry extracts and optional daily
 * increments. Every person is generated from their own random stream, in order, so the output
 * is byte-identical for the same options and memory does not grow with the number of people.
 */
export async function runSynth(
  options: SynthOptions,
  onProgress?: (p: SynthProgress) => void,
): Promise<SynthSummary> {
  const { seed, out } = options;
  const asOf = parseDay(options.asOf) + DAY - 2 * 3_600_000 - 60_000; // 23:59 local on the export day
  const startOf = Date.UTC(options.startYear, 0, 1);
  const hetus = new HetuAllocator(seed);
  const personContext: PersonContext = { seed, asOf, hetus };
  const statics = new StaticResources(seed);
  const unitByLocation = new Map(UNITS.map((u) => [statics.locationId(u.code), u.code]));
  const truth = new TruthCounter((id) => unitByLocation.get(id));
  const planner = new DefectPlanner(seed, options.dirty, asOf);
  const defects: Defect[] = [];
  const summary: SynthSummary = { patients: 0, exports: [], bytes: 0, defects: 0 };
  const exportsTruth: Array<{ dir: string; transactionTime: string; facts: Facts }> = [];
  mkdirSync(out, { recursive: true });

  /**
   * A person as the initial export wrote them (window null), or with an empty chart for a day's
   * window, drawing the day's records from a stream of its own (`stream`).
   */
  const regenerate = (
    index: number,
    existing: boolean,
    day?: { from: number; to: number; stream: string },
  ): Regenerated => {
    const person = makePerson(personContext, index, existing);
    const planRng = Rng.derive(seed, "chart", index);
    const plan = makePlan(planRng, person, asOf);
    const death = plan.death;
    const from = Math.max(day?.from ?? startOf, person.birth);
    const to = Math.min(day?.to ?? asOf, death ?? Number.POSITIVE_INFINITY);
    const rng = day ? Rng.derive(seed, "chart", index, day.stream) : planRng;
    const chart = new Chart(person, rng, { from, to: Math.max(from, to), death }, statics);
    const invalid = planner.invalidHetu(index);
    if (!invalid && !day) writeHistory(chart, plan);
    return { person, plan, chart, invalid };
  };

  const patientOf = (g: Regenerated, death: number | null): Resource => {
    const rng = Rng.derive(seed, "patient-record", g.person.index);
    const hetu = g.invalid ? breakCheckCharacter(g.person.hetu) : g.person.hetu;
    const lastUpdated = Math.max(g.person.birth + DAY, asOf - rng.int(1, 3000) * DAY);
    return patientResource(
      { ...g.person, hetu },
      death,
      lastUpdated,
      `P${rng.int(1_000_000, 9_999_999)}`,
    );
  };

  const writePerson = (
    writer: ExportWriter,
    g: Regenerated,
    death: number | null,
    records: Resource[],
  ): void => {
    const patient = patientOf(g, death);
    if (g.invalid) {
      writer.writeInvalidPatient(patient);
      return;
    }
    writer.writeRecords([patient]);
    truth.patient(g.person.sex, death !== null, g.person.temporaryHetu);
    truth.diagnosisCategories(writer.writeRecords(records));
  };

  // The initial export: everyone's history up to the export date.
  const registryDir = join(out, "registries");
  mkdirSync(registryDir, { recursive: true });
  const registries = {
    reuma: new RegistryWriter(registryDir, REGISTRY_FORMATS.reuma),
    diabetes: new RegistryWriter(registryDir, REGISTRY_FORMATS.diabetes),
  };
  const initial = new ExportWriter(
    "fhir",
    join(out, "fhir"),
    options.splitBytes,
    planner,
    truth,
    defects,
    options.dirty > 0 ? "Observation" : null,
  );
  initial.writeRecords(statics.resources(fhirDateTime(startOf)), false);
  for (let i = 0; i < options.patients; i++) {
    const g = regenerate(i, false);
    writePerson(initial, g, g.plan.death, g.chart.resources);
    if (!g.invalid) writeRegistryRows(g, registries, seed, options.dirty, asOf, defects, truth);
    if (i % 250 === 249) {
      onProgress?.({ phase: "initial export", done: i + 1, total: options.patients });
      await yieldToEventLoop();
    }
  }
  onProgress?.({ phase: "initial export", done: options.patients, total: options.patients });
  registries.reuma.close();
  registries.diabetes.close();
  const initialTime = fhirDateTime(asOf);
  const typeList =
    "Patient,Organization,Location,Encounter,Condition,Procedure,MedicationRequest,MedicationAdministration,Observation,DocumentReference,ImagingStudy,Specimen";
  const first = initial.finish(
    initialTime,
    `https://ehr.hus.example/fhir/$export?_type=${typeList}`,
  );
  summary.exports.push({ dir: "fhir", transactionTime: initialTime, ...first });
  exportsTruth.push({ dir: "fhir", transactionTime: initialTime, facts: truth.snapshot() });
  summary.patients = options.patients;

  // Daily increments: new people and visits, corrected records, deletions.
  const touched = new Set<string>(); // records corrected or deleted: never twice
  const changedPatients = new Set<number>(); // people whose Patient record changed
  const deletedFrom = new Set<number>(); // people who lost a record: at most one each
  const diedOnDay = new Set<number>();
  const addedCategories = new Map<number, Set<string>>(); // diagnosis categories new on a day
  let nextIndex = options.patients;
  for (let day = 1; day <= options.days; day++) {
    const dayStart = asOf + (day - 1) * DAY;
    const dayEnd = asOf + day * DAY;
    const rng = Rng.derive(seed, "day", day);
    const rel = `day-${day}/fhir`;
    const writer = new ExportWriter(
      rel,
      join(out, rel),
      options.splitBytes,
      planner,
      truth,
      defects,
      null,
    );
    const dayTime = fhirDateTime(dayEnd);
    const newPeople = Math.max(1, Math.round(options.patients * 0.002));
    const visits = Math.max(1, Math.round(options.patients * 0.01));
    const corrections = Math.max(1, Math.round(options.patients * 0.002));
    const deletions = Math.max(1, Math.round(options.patients * 0.001));
    const total = newPeople + visits + corrections + deletions;
    let done = 0;
    const tick = () => {
      done++;
      if (done % 100 === 0 || done === total) onProgress?.({ phase: `day ${day}`, done, total });
    };

    for (let n = 0; n < newPeople; n++, tick()) {
      const index = nextIndex++;
      const g = regenerate(index, false, { from: dayStart, to: dayEnd, stream: `day-${day}` });
      if (!g.invalid) dailyVisit(g.chart, g.plan, dayStart + rng.int(0, 23) * 3_600_000);
      writePerson(writer, g, null, g.chart.resources);
      summary.patients++;
    }
    for (let n = 0; n < visits; n++, tick()) {
      const index = rng.int(0, options.patients - 1);
      const g = regenerate(index, true, {
        from: dayStart,
        to: dayEnd,
        stream: `day-${day}-visit-${n}`,
      });
      if (g.invalid || g.plan.death !== null || diedOnDay.has(index)) continue;
      dailyVisit(g.chart, g.plan, dayStart + rng.int(0, 23) * 3_600_000);
      const known = cleanCategories(regenerate(index, true).chart.resources, planner);
      const before = new Set([...known, ...(addedCategories.get(index) ?? [])]);
      const categories = writer.writeRecords(g.chart.resources);
      const fresh = [...categories].filter((c) => !before.has(c));
      truth.diagnosisCategories(fresh);
      addedCategories.set(index, new Set([...(addedCategories.get(index) ?? []), ...fresh]));
    }
    for (let n = 0; n < corrections; n++, tick()) {
      const index = rng.int(0, options.patients - 1);
      const g = regenerate(index, true);
      if (g.invalid) continue;
      const when = fhirDateTime(dayStart + rng.int(1, 22) * 3_600_000);
      const meta = { versionId: String(day + 1), lastUpdated: when };
      if (g.plan.death === null && !changedPatients.has(index) && rng.chance(0.3)) {
        changedPatients.add(index);
        // Either the person died today, or moved house within the municipality.
        const dies = rng.chance(0.3);
        const moved = dies
          ? g
          : {
              ...g,
              person: {
                ...g.person,
                street: `${rng.pick(g.person.municipality.streets)} ${rng.int(1, 80)}`,
              },
            };
        const patient = patientOf(moved, dies ? dayStart + rng.int(1, 20) * 3_600_000 : null);
        patient.meta = meta;
        if (dies) {
          diedOnDay.add(index);
          truth.death();
        }
        writer.writeUpdate(patient);
        continue;
      }
      const candidates = g.chart.resources.filter(
        (r) =>
          (r.resourceType === "Observation" || r.resourceType === "Encounter") &&
          !touched.has(r.id) &&
          cleanRecord(r, planner),
      );
      if (candidates.length === 0) continue;
      const target = structuredClone(rng.pick(candidates));
      touched.add(target.id);
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
    for (let n = 0; n < deletions; n++, tick()) {
      const index = rng.int(0, options.patients - 1);
      if (deletedFrom.has(index)) continue;
      const g = regenerate(index, true);
      if (g.invalid) continue;
      const clean = g.chart.resources.filter((r) => !touched.has(r.id) && cleanRecord(r, planner));
      const categoryCount = new Map<string, number>();
      for (const r of clean)
        if (r.resourceType === "Condition") {
          const c = String((r.code as { coding: Array<{ code: string }> }).coding[0]?.code).slice(
            0,
            3,
          );
          categoryCount.set(c, (categoryCount.get(c) ?? 0) + 1);
        }
      // Entered in error: a lab result, a note, or a diagnosis the person also has elsewhere
      // (so the person still counts under that category).
      const candidates = clean.filter(
        (r) =>
          r.resourceType === "Observation" ||
          r.resourceType === "DocumentReference" ||
          (r.resourceType === "Condition" &&
            (categoryCount.get(
              String((r.code as { coding: Array<{ code: string }> }).coding[0]?.code).slice(0, 3),
            ) ?? 0) > 1),
      );
      if (candidates.length === 0) continue;
      const target = rng.pick(candidates);
      touched.add(target.id);
      deletedFrom.add(index);
      writer.writeDeletion(target, rng.uuid(), fhirDateTime(dayStart + rng.int(1, 22) * 3_600_000));
    }
    const written = writer.finish(
      dayTime,
      `https://ehr.hus.example/fhir/$export?_type=${typeList}&_since=${fhirDateTime(dayStart)}`,
    );
    summary.exports.push({ dir: `day-${day}/fhir`, transactionTime: dayTime, ...written });
    exportsTruth.push({
      dir: `day-${day}/fhir`,
      transactionTime: dayTime,
      facts: truth.snapshot(),
    });
    await yieldToEventLoop();
  }

  summary.bytes = summary.exports.reduce((a, e) => a + e.bytes, 0);
  summary.defects = defects.length;
  const byKind = Object.fromEntries(
    DEFECT_KINDS.map((k) => [k, defects.filter((d) => d.kind === k).length]),
  );
  writeFileSync(
    join(out, "defects.json"),
    `${JSON.stringify({ count: defects.length, byKind, defects }, null, 1)}\n`,
  );
  writeFileSync(
    join(out, "truth.json"),
    `${JSON.stringify({ generator: "kaivo synth", options: { ...options, out: undefined }, exports: exportsTruth }, null, 2)}\n`,
  );
  return summary;
}

function cleanRecord(r: Resource, planner: DefectPlanner): boolean {
  const kind = planner.recordDefect(r);
  return kind === null || kind === "duplicate_resource";
}

function cleanCategories(resources: Resource[], planner: DefectPlanner): Set<string> {
  const out = new Set<string>();
  for (const r of resources) {
    if (r.resourceType !== "Condition" || !cleanRecord(r, planner)) continue;
    const code = (r.code as { coding: Array<{ code: string }> }).coding[0]?.code;
    if (code) out.add(code.slice(0, 3));
  }
  return out;
}

function breakCheckCharacter(hetu: string): string {
  const check = hetu[10] === "0" ? "1" : "0";
  return `${hetu.slice(0, 10)}${check}`;
}

function writeRegistryRows(
  g: Regenerated,
  writers: Record<"reuma" | "diabetes", RegistryWriter>,
  seed: number,
  dirty: number,
  asOf: number,
  defects: Defect[],
  truth: TruthCounter,
): void {
  for (const registry of ["reuma", "diabetes"] as const) {
    const rows = g.chart.registryRows.filter((r) => r.registry === registry);
    if (rows.length === 0) continue;
    const rng = dirty > 0 ? Rng.derive(seed, "registry-defect", registry, g.person.index) : null;
    const clean = writers[registry].write(g.person.hetu, rows, rng, dirty, asOf, defects);
    if (clean > 0) truth.registry(registry, clean);
  }
}
