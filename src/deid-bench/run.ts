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

/**
 * A held-out set: cases written by a helper who saw nothing of the detector, scored on their own
 * and kept out of the combined corpus. A set is blind until its misses are read to fix them as
 * kinds; after that its figures are optimistic and a newer blind set gives the honest one.
 */
export interface HeldOutSet {
  /** The file beside the hard cases (bench/deid/). */
  file: string;
  title: string;
  /** What its figures mean now: its blind score, and whether its misses have been seen. */
  note: string;
  /** Blind sets' misses are not printed, so that no one tunes on them unawares. */
  blind: boolean;
}

export const HELD_OUT_SETS: readonly HeldOutSet[] = [
  {
    file: "held-out.jsonl",
    title: "Held-out",
    note: "its 2026-12-02 misses were seen when fixing them, so optimistic",
    blind: false,
  },
  {
    file: "held-out-2.jsonl",
    title: "Held-out 2",
    note: "blind recall 88.53 % before its misses were seen and fixed, so optimistic since",
    blind: false,
  },
  {
    file: "held-out-3.jsonl",
    title: "Held-out 3",
    note: "blind recall 87.77 %, precision 96.19 % before its misses were seen and fixed, so optimistic since",
    blind: false,
  },
  {
    file: "held-out-4.jsonl",
    title: "Held-out 4",
    note: "blind recall 89.54 %, precision 98.54 % before its misses were seen and fixed, so optimistic since",
    blind: false,
  },
  {
    file: "held-out-5.jsonl",
    title: "Held-out 5",
    note: "blind recall 93.82 %, precision 99.77 % before its misses were seen and fixed, so optimistic since",
    blind: false,
  },
  {
    file: "held-out-6.jsonl",
    title: "Held-out 6",
    note: "blind recall 93.17 %, precision 98.60 % before its misses were seen and fixed, so optimistic since",
    blind: false,
  },
  {
    file: "held-out-7.jsonl",
    title: "Held-out 7",
    note: "blind recall 92.90 %, precision 99.53 % before its misses were seen and fixed, so optimistic since (8 lone towns taken out of its gold by the towns policy, 1 phone added)",
    blind: false,
  },
  {
    file: "held-out-8.jsonl",
    title: "Held-out 8",
    note: "blind recall 89.02 %, precision 98.75 % before its misses were seen and fixed, so optimistic since",
    blind: false,
  },
  {
    file: "held-out-9.jsonl",
    title: "Held-out 9",
    note: "blind: scored once, recall 87.01 %, precision 98.76 %; its misses not looked at and not listed",
    blind: true,
  },
];

export interface HeldOutResult {
  set: HeldOutSet;
  score: Score;
  goals: Goal[];
}

export interface BenchResult {
  synthetic: Score;
  hard: Score;
  /** Each of HELD_OUT_SETS, in order. */
  heldOut: HeldOutResult[];
  combined: Score;
  /** Overall recall and precision of the combined corpus per language. */
  byLanguage: Record<string, { documents: number; recall: number; precision: number }>;
  /** The goals on each part: the synthetic notes alone would hide what the hard cases show. */
  goals: {
    synthetic: Goal[];
    hard: Goal[];
    combined: Goal[];
  };
  seconds: number;
}

export function runBenchmark(
  hardCasesPath: string,
  detector: Detector = kaivoDetector,
  synthetic = syntheticDocuments(),
  sets: readonly HeldOutSet[] = HELD_OUT_SETS,
): BenchResult {
  const hard = loadHardCases(hardCasesPath);
  const heldOutCases = sets.map((set) => loadHardCases(join(dirname(hardCasesPath), set.file)));
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
  };
  const heldOut = sets.map((set, i) => {
    const score = scoreDocuments(heldOutCases[i] as BenchDocument[], detect);
    return { set, score, goals: goals(score) };
  });
  return {
    ...parts,
    heldOut,
    combined,
    byLanguage,
    goals: {
      synthetic: goals(parts.synthetic),
      hard: goals(parts.hard),
      combined: goals(combined),
    },
    seconds: (performance.now() - started) / 1000,
  };
}
