/**
 * Scoring a detector of identifiers against annotated text. A gold span is found when every
 * non-space character of it lies inside some detected span: a name written as three words may
 * come back as three spans and is still gone from the scrubbed text. Only whitespace is exempt,
 * since a scrubber that leaves it between placeholders reveals nothing.
 */

export interface Span {
  start: number;
  end: number;
  /** HETU, NAME, PHONE, EMAIL, ADDRESS, or any type a detector or corpus adds (ID ...). */
  type: string;
}

/** One annotated text of the benchmark. */
export interface BenchDocument {
  id: string;
  lang: string;
  text: string;
  /** The names of the person the text is about and of their relatives (for isPersonName). */
  names: string[];
  /** Every identifier in the text; none overlap. */
  gold: Span[];
}

export type Detector = (doc: BenchDocument) => Span[];

export interface TypeRecall {
  gold: number;
  /** Every non-space character covered by detected spans of any type. */
  found: number;
  /** Every non-space character covered by detected spans of the gold span's own type. */
  foundTypeExact: number;
  recall: number;
  recallTypeExact: number;
}

/** An identifier the detector left (wholly or partly) in the text. */
export interface Miss {
  doc: string;
  type: string;
  start: number;
  end: number;
  value: string;
  /** Some of its characters were covered (the scrubbed text still shows the rest). */
  partial: boolean;
  context: string;
}

/** A detected span that overlaps no gold span. */
export interface FalsePositive {
  doc: string;
  type: string;
  start: number;
  end: number;
  value: string;
  context: string;
}

export interface Score {
  documents: number;
  byType: Record<string, TypeRecall>;
  overall: TypeRecall;
  /**
   * Span precision: detected spans that overlap at least one gold span, over all detected spans
   * (1 when nothing was detected). A span that takes an identifier and some words around it
   * counts as correct; the character figures below show such overreach.
   */
  detected: number;
  truePositives: number;
  falsePositivesByType: Record<string, number>;
  precision: number;
  /** Non-space characters: of gold spans covered (recall), of detected spans inside gold (precision). */
  characters: {
    gold: number;
    covered: number;
    detected: number;
    inGold: number;
    recall: number;
    precision: number;
  };
  misses: Miss[];
  falsePositives: FalsePositive[];
}

const CONTEXT = 30;

function context(text: string, start: number, end: number): string {
  const before = text.slice(Math.max(0, start - CONTEXT), start);
  const after = text.slice(end, end + CONTEXT);
  return `${before}⟦${text.slice(start, end)}⟧${after}`.replace(/\s+/g, " ");
}

const isSpace = (c: string | undefined) => c === undefined || /\s/.test(c);

function ratio(part: number, whole: number): number {
  return whole === 0 ? 1 : part / whole;
}

function emptyRecall(): TypeRecall {
  return { gold: 0, found: 0, foundTypeExact: 0, recall: 1, recallTypeExact: 1 };
}

/** Scores a detector over documents; see Score for the definitions. */
export function scoreDocuments(docs: readonly BenchDocument[], detect: Detector): Score {
  const byType: Record<string, TypeRecall> = {};
  const overall = emptyRecall();
  const falsePositivesByType: Record<string, number> = {};
  const characters = { gold: 0, covered: 0, detected: 0, inGold: 0, recall: 1, precision: 1 };
  const misses: Miss[] = [];
  const falsePositives: FalsePositive[] = [];
  let detected = 0;
  let truePositives = 0;
  for (const doc of docs) {
    const found = detect(doc);
    // The type covering each character ("" for none); detectors return spans that do not overlap,
    // but a later span simply wins if they do.
    const coveredBy: string[] = new Array(doc.text.length).fill("");
    for (const s of found) for (let i = s.start; i < s.end; i++) coveredBy[i] = s.type;
    const inGold: boolean[] = new Array(doc.text.length).fill(false);
    for (const g of doc.gold) {
      let chars = 0;
      let covered = 0;
      let sameType = 0;
      for (let i = g.start; i < g.end; i++) {
        inGold[i] = true;
        if (isSpace(doc.text[i])) continue;
        chars++;
        if (coveredBy[i]) covered++;
        if (coveredBy[i] === g.type) sameType++;
      }
      characters.gold += chars;
      characters.covered += covered;
      const tally = byType[g.type] ?? emptyRecall();
      byType[g.type] = tally;
      for (const r of [tally, overall]) {
        r.gold++;
        if (covered === chars) r.found++;
        if (sameType === chars) r.foundTypeExact++;
      }
      if (covered < chars)
        misses.push({
          doc: doc.id,
          type: g.type,
          start: g.start,
          end: g.end,
          value: doc.text.slice(g.start, g.end),
          partial: covered > 0,
          context: context(doc.text, g.start, g.end),
        });
    }
    for (const s of found) {
      detected++;
      let overlaps = false;
      for (let i = s.start; i < s.end; i++) {
        if (isSpace(doc.text[i])) continue;
        characters.detected++;
        if (inGold[i]) {
          characters.inGold++;
          overlaps = true;
        }
      }
      if (overlaps) {
        truePositives++;
        continue;
      }
      falsePositivesByType[s.type] = (falsePositivesByType[s.type] ?? 0) + 1;
      falsePositives.push({
        doc: doc.id,
        type: s.type,
        start: s.start,
        end: s.end,
        value: doc.text.slice(s.start, s.end),
        context: context(doc.text, s.start, s.end),
      });
    }
  }
  for (const r of [...Object.values(byType), overall]) {
    r.recall = ratio(r.found, r.gold);
    r.recallTypeExact = ratio(r.foundTypeExact, r.gold);
  }
  characters.recall = ratio(characters.covered, characters.gold);
  characters.precision = ratio(characters.inGold, characters.detected);
  return {
    documents: docs.length,
    byType,
    overall,
    detected,
    truePositives,
    falsePositivesByType,
    precision: ratio(truePositives, detected),
    characters,
    misses,
    falsePositives,
  };
}
