import type { AnnotatedSpan } from "./annotated-text.js";
import { DefectPlanner } from "./defects.js";
import { type Generated, Population } from "./population.js";
import { StaticResources } from "./static-resources.js";
import { exportInstant } from "./time.js";
import { TruthCounter } from "./truth.js";

/**
 * One generated note with every identifier written into it, as `kaivo synth --annotations`
 * writes it (one JSON object a line) and the de-identification benchmark reads it.
 */
export interface AnnotatedCorpusNote {
  /** The DocumentReference id. */
  id: string;
  lang: "fi" | "sv" | "en";
  text: string;
  /** The names in the person's Patient resource, as ingest reads them for isPersonName. */
  person: { names: string[]; relatives: string[] };
  spans: AnnotatedSpan[];
}

/** A person's notes as generated (before any planted defect), with their names. */
export function annotatedNotes(g: Generated): AnnotatedCorpusNote[] {
  const { person: p } = g;
  const person = {
    names: [...p.given, p.family],
    relatives: [p.relative.given, p.relative.family],
  };
  return g.chart.notes.map((n) => ({
    id: n.id,
    lang: n.lang,
    text: n.text,
    person,
    spans: n.spans,
  }));
}

export interface CorpusOptions {
  patients: number;
  seed: number;
  /** Export date, YYYY-MM-DD, and first year with records, as for kaivo synth. */
  asOf: string;
  startYear: number;
}

/**
 * The annotated notes of the first `patients` people of a run, exactly as `kaivo synth` with the
 * same seed, start year and export date writes them into the initial export.
 */
export function annotatedCorpus(options: CorpusOptions): AnnotatedCorpusNote[] {
  const asOf = exportInstant(options.asOf);
  const startOf = Date.UTC(options.startYear, 0, 1);
  const statics = new StaticResources(options.seed);
  const planner = new DefectPlanner(options.seed, 0, asOf);
  const pop = new Population(
    options.seed,
    asOf,
    startOf,
    statics,
    planner,
    new TruthCounter(() => undefined),
  );
  const notes: AnnotatedCorpusNote[] = [];
  for (let i = 0; i < options.patients; i++) notes.push(...annotatedNotes(pop.generate(i, false)));
  return notes;
}
