import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import { REGISTRY_EXTRACT_FILE } from "../ingest/export-files.js";
import { annotatedNotes } from "./annotated-corpus.js";
import { DEFECT_KINDS, type Defect, DefectPlanner } from "./defects.js";
import { ExportWriter } from "./export-writer.js";
import { RESOURCE_TYPES } from "./fhir-types.js";
import { dayPlan, IncrementState, writeDay } from "./increments.js";
import { type Generated, Population } from "./population.js";
import { UNITS } from "./reference/hospitals.js";
import { REGISTRY_FORMATS, RegistryWriter } from "./registries.js";
import { Rng } from "./rng.js";
import { StaticResources } from "./static-resources.js";
import { DAY, exportInstant, fhirDateTime } from "./time.js";
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
  /**
   * A file for the annotated notes of the initial export (JSON lines, see annotated-corpus.ts):
   * each note's text and the span and type of every identifier in it, for the benchmark.
   */
  annotations?: string;
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
  const asOf = exportInstant(options.asOf);
  const startOf = Date.UTC(options.startYear, 0, 1);
  const statics = new StaticResources(seed);
  const unitByLocation = new Map(UNITS.map((u) => [statics.locationId(u.code), u.code]));
  const truth = new TruthCounter((id) => unitByLocation.get(id));
  const planner = new DefectPlanner(seed, options.dirty, asOf);
  const pop = new Population(seed, asOf, startOf, statics, planner, truth);
  const defects: Defect[] = [];
  const summary: SynthSummary = { patients: 0, exports: [], bytes: 0, defects: 0 };
  const exportsTruth: Array<{ dir: string; transactionTime: string; facts: Facts }> = [];
  const exportWriter = (rel: string, truncateType: string | null) =>
    new ExportWriter(
      rel,
      join(out, rel),
      options.splitBytes,
      planner,
      truth,
      defects,
      truncateType,
    );
  const finish = (writer: ExportWriter, rel: string, time: string, since?: number) => {
    const request = `https://ehr.hus.example/fhir/$export?_type=${RESOURCE_TYPES.join(",")}${since === undefined ? "" : `&_since=${fhirDateTime(since)}`}`;
    summary.exports.push({ dir: rel, transactionTime: time, ...writer.finish(time, request) });
    exportsTruth.push({ dir: rel, transactionTime: time, facts: truth.snapshot() });
  };
  mkdirSync(out, { recursive: true });

  // The initial export: everyone's history up to the export date.
  const registryDir = join(out, "registries");
  mkdirSync(registryDir, { recursive: true });
  const registries = {
    reuma: new RegistryWriter(registryDir, REGISTRY_FORMATS.reuma),
    diabetes: new RegistryWriter(registryDir, REGISTRY_FORMATS.diabetes),
  };
  const initial = exportWriter("fhir", options.dirty > 0 ? "Observation" : null);
  const annotations = options.annotations ? openSync(options.annotations, "w") : null;
  initial.writeRecords(statics.resources(fhirDateTime(startOf)), false);
  for (let i = 0; i < options.patients; i++) {
    const g = pop.generate(i, false);
    pop.write(initial, g, g.plan.death);
    if (!g.invalid) writeRegistryRows(g, registries, seed, options.dirty, asOf, defects, truth);
    if (annotations !== null && !g.invalid)
      for (const note of annotatedNotes(g)) writeSync(annotations, `${JSON.stringify(note)}\n`);
    if (i % 250 === 249) {
      onProgress?.({ phase: "initial export", done: i + 1, total: options.patients });
      await yieldToEventLoop();
    }
  }
  onProgress?.({ phase: "initial export", done: options.patients, total: options.patients });
  if (annotations !== null) closeSync(annotations);
  registries.reuma.close();
  registries.diabetes.close();
  // The day the registry extracts were taken: their end of data, whatever day they are loaded.
  writeFileSync(
    join(registryDir, REGISTRY_EXTRACT_FILE),
    `${JSON.stringify({ asOf: fhirDateTime(asOf) })}\n`,
  );
  finish(initial, "fhir", fhirDateTime(asOf));
  summary.patients = options.patients;

  // Daily increments: new people and visits, corrected records, deletions.
  const state = new IncrementState(options.patients);
  for (let day = 1; day <= options.days; day++) {
    const plan = dayPlan(day, asOf, options.patients);
    const rel = `day-${day}/fhir`;
    const writer = exportWriter(rel, null);
    const total = plan.newPeople + plan.visits + plan.corrections + plan.deletions;
    let done = 0;
    const tick = () => {
      done++;
      if (done % 100 === 0 || done === total) onProgress?.({ phase: `day ${day}`, done, total });
    };
    const rng = Rng.derive(seed, "day", day);
    summary.patients += writeDay(
      { pop, writer, plan, patients: options.patients, state, rng },
      tick,
    );
    finish(writer, rel, fhirDateTime(plan.from + DAY), plan.from);
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
    `${JSON.stringify({ generator: "kaivo synth", options: { ...options, out: undefined, annotations: undefined }, exports: exportsTruth }, null, 2)}\n`,
  );
  return summary;
}

function writeRegistryRows(
  g: Generated,
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
