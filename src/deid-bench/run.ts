import { dirname, join } from "node:path";
import { detectIdentifiers } from "../identity/detect.js";
import { personNameMatcher } from "../identity/name-forms.js";
import { annotatedCorpus } from "../synth/annotated-corpus.js";
import { loadHardCases } from "./hard-cases.js";
import {
  type BenchDocument,
  type Detector,
  type Score,
  type Span,
  scoreDocuments,
} from "./score.js";

/** The synthetic part: every note of the first 2 000 people of seed 16 (about 8 300 notes). */
export const SYNTHETIC_CORPUS = {
  patients: 2000,
  seed: 16,
  asOf: "2025-12-31",
  startYear: 1985,
} as const;

/** The synthetic notes as benchmark documents, with the names ingest would know for each. */
export function syntheticDocuments(options = SYNTHETIC_CORPUS): BenchDocument[] {
  return annotatedCorpus(options).map((n) => ({
    id: n.id,
    lang: n.lang,
    text: n.text,
    names: [...n.person.names, ...n.person.relatives],
    gold: n.spans,
  }));
}

/** The detector under test, given the person's names as ingest gives them (name-forms.ts). */
export const kaivoDetector: Detector = (doc) =>
  detectIdentifiers(doc.text, { isPersonName: personNameMatcher(doc.names) });

export interface Goal {
  name: string;
  target: number;
  actual: number;
  met: boolean;
}

/** Issue 16's goals for a scored corpus. */
export function goals(score: Score): Goal[] {
  const recallOf = (type: string) => score.byType[type]?.recall ?? 1;
  const goal = (name: string, target: number, actual: number): Goal => ({
    name,
    target,
    actual,
    met: actual >= target,
  });
  return [
    goal("overall recall", 0.995, score.overall.recall),
    goal("HETU recall", 1, recallOf("HETU")),
    goal("PHONE recall", 1, recallOf("PHONE")),
    goal("EMAIL recall", 1, recallOf("EMAIL")),
    goal("precision", 0.95, score.precision),
  ];
}

export interface BenchResult {
  synthetic: Score;
  hard: Score;
  /**
   * The held-out cases (bench/deid/held-out.jsonl), written without sight of the detector and
   * never tuned on case by case; its misses of 2026-12-02 were seen (as kinds to fix in general),
   * so its figures since are optimistic (docs/deidentification.md). Scored on their own and kept
   * out of the combined corpus, so the combined figures stay what they were.
   */
  heldOut: Score;
  /**
   * The second held-out set (bench/deid/held-out-2.jsonl, 257 documents), written blind by
   * another helper; scored blind once (recall 88.53 %, docs/deidentification.md), then its misses
   * were seen and fixed as kinds, so its figures since are optimistic too. Kept out of combined.
   */
  heldOut2: Score;
  /**
   * The third held-out set (bench/deid/held-out-3.jsonl, 215 documents), written blind by
   * another helper; scored blind once (recall 87.77 %, precision 96.19 %, docs/deidentification.md),
   * then its misses were seen to fix them as kinds, so figures since are optimistic. Kept out of
   * combined.
   */
  heldOut3: Score;
  /**
   * The fourth held-out set (bench/deid/held-out-4.jsonl, 252 documents), written blind by
   * another helper; scored blind once (recall 89.54 %, precision 98.54 %,
   * docs/deidentification.md), then its misses were seen to fix them as kinds, so figures since
   * are optimistic. Kept out of combined.
   */
  heldOut4: Score;
  /**
   * The fifth held-out set (bench/deid/held-out-5.jsonl, 265 documents), written blind by another
   * helper and scored blind once (recall 93.82 %, precision 99.77 %, docs/deidentification.md);
   * its misses have not been looked at, so it still measures generalisation. Kept out of combined.
   */
  heldOut5: Score;
  combined: Score;
  /** Overall recall and precision of the combined corpus per language. */
  byLanguage: Record<string, { documents: number; recall: number; precision: number }>;
  /** The goals on each part: the synthetic notes alone would hide what the hard cases show. */
  goals: {
    synthetic: Goal[];
    hard: Goal[];
    heldOut: Goal[];
    heldOut2: Goal[];
    heldOut3: Goal[];
    heldOut4: Goal[];
    heldOut5: Goal[];
    combined: Goal[];
  };
  seconds: number;
}

/** The held-out set beside the hard cases: `held-out.jsonl` in the same directory. */
export const heldOutPathFor = (hardCasesPath: string) =>
  join(dirname(hardCasesPath), "held-out.jsonl");

/** The second held-out set beside the hard cases: `held-out-2.jsonl` in the same directory. */
export const heldOut2PathFor = (hardCasesPath: string) =>
  join(dirname(hardCasesPath), "held-out-2.jsonl");

/** The third held-out set beside the hard cases: `held-out-3.jsonl` in the same directory. */
export const heldOut3PathFor = (hardCasesPath: string) =>
  join(dirname(hardCasesPath), "held-out-3.jsonl");

/** The fourth held-out set beside the hard cases: `held-out-4.jsonl` in the same directory. */
export const heldOut4PathFor = (hardCasesPath: string) =>
  join(dirname(hardCasesPath), "held-out-4.jsonl");

/** The fifth held-out set beside the hard cases: `held-out-5.jsonl` in the same directory. */
export const heldOut5PathFor = (hardCasesPath: string) =>
  join(dirname(hardCasesPath), "held-out-5.jsonl");

export function runBenchmark(
  hardCasesPath: string,
  detector: Detector = kaivoDetector,
  synthetic = syntheticDocuments(),
  heldOutPath = heldOutPathFor(hardCasesPath),
  heldOut2Path = heldOut2PathFor(hardCasesPath),
  heldOut3Path = heldOut3PathFor(hardCasesPath),
  heldOut4Path = heldOut4PathFor(hardCasesPath),
  heldOut5Path = heldOut5PathFor(hardCasesPath),
): BenchResult {
  const hard = loadHardCases(hardCasesPath);
  const heldOutCases = loadHardCases(heldOutPath);
  const heldOut2Cases = loadHardCases(heldOut2Path);
  const heldOut3Cases = loadHardCases(heldOut3Path);
  const heldOut4Cases = loadHardCases(heldOut4Path);
  const heldOut5Cases = loadHardCases(heldOut5Path);
  const started = performance.now();
  // Each document is detected once; the parts and languages are scored from the same spans.
  const cache = new Map<BenchDocument, Span[]>();
  const detect = (doc: BenchDocument) => {
    const known = cache.get(doc);
    if (known) return known;
    const spans = detector(doc);
    cache.set(doc, spans);
    return spans;
  };
  const all = [...synthetic, ...hard];
  const combined = scoreDocuments(all, detect);
  const byLanguage: BenchResult["byLanguage"] = {};
  for (const lang of [...new Set(all.map((d) => d.lang))].sort()) {
    const s = scoreDocuments(
      all.filter((d) => d.lang === lang),
      detect,
    );
    byLanguage[lang] = { documents: s.documents, recall: s.overall.recall, precision: s.precision };
  }
  const parts = {
    synthetic: scoreDocuments(synthetic, detect),
    hard: scoreDocuments(hard, detect),
    heldOut: scoreDocuments(heldOutCases, detect),
    heldOut2: scoreDocuments(heldOut2Cases, detect),
    heldOut3: scoreDocuments(heldOut3Cases, detect),
    heldOut4: scoreDocuments(heldOut4Cases, detect),
    heldOut5: scoreDocuments(heldOut5Cases, detect),
  };
  return {
    ...parts,
    combined,
    byLanguage,
    goals: {
      synthetic: goals(parts.synthetic),
      hard: goals(parts.hard),
      heldOut: goals(parts.heldOut),
      heldOut2: goals(parts.heldOut2),
      heldOut3: goals(parts.heldOut3),
      heldOut4: goals(parts.heldOut4),
      heldOut5: goals(parts.heldOut5),
      combined: goals(combined),
    },
    seconds: (performance.now() - started) / 1000,
  };
}
