import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { HardCaseError, loadHardCases, parseHardCases } from "../src/deid-bench/hard-cases.js";
import {
  type BenchResult,
  kaivoDetector,
  runBenchmark,
  syntheticDocuments,
} from "../src/deid-bench/run.js";
import { type BenchDocument, type Span, scoreDocuments } from "../src/deid-bench/score.js";
import { checkCharacter } from "../src/identity/hetu.js";
import { UNICODE_DASHES } from "../src/identity/identifier-patterns.js";

const HARD_CASES = join(import.meta.dirname, "../bench/deid/hard-cases.jsonl");
const HELD_OUT = join(import.meta.dirname, "../bench/deid/held-out.jsonl");
const HELD_OUT_2 = join(import.meta.dirname, "../bench/deid/held-out-2.jsonl");
const HELD_OUT_3 = join(import.meta.dirname, "../bench/deid/held-out-3.jsonl");
const HELD_OUT_4 = join(import.meta.dirname, "../bench/deid/held-out-4.jsonl");
const HELD_OUT_5 = join(import.meta.dirname, "../bench/deid/held-out-5.jsonl");
const HELD_OUT_6 = join(import.meta.dirname, "../bench/deid/held-out-6.jsonl");
const HELD_OUT_7 = join(import.meta.dirname, "../bench/deid/held-out-7.jsonl");
const HELD_OUT_8 = join(import.meta.dirname, "../bench/deid/held-out-8.jsonl");
const HELD_OUT_9 = join(import.meta.dirname, "../bench/deid/held-out-9.jsonl");

/** Every identity code among the gold spans has a valid check character. */
function expectValidCodes(cases: BenchDocument[], atLeast: number) {
  const codes = cases.flatMap((c) =>
    c.gold.filter((g) => g.type === "HETU").map((g) => c.text.slice(g.start, g.end)),
  );
  expect(codes.length).toBeGreaterThanOrEqual(atLeast);
  for (const written of codes) {
    const code = written.replace(/\s/g, "").replace(new RegExp(`[${UNICODE_DASHES}]`), "-");
    const individual = code.length === 11 ? code.slice(7, 10) : code.slice(6, 9);
    expect(checkCharacter(code.slice(0, 6), individual), written).toBe(
      code.slice(-1).toUpperCase(),
    );
  }
}

const doc = (id: string, text: string, gold: Span[]): BenchDocument => ({
  id,
  lang: "en",
  text,
  names: [],
  gold,
});
// "Call Ann Lee on 040 123 4567" and "Code 131052-308T, mail a@b.fi".
const A = doc("a", "Call Ann Lee on 040 123 4567", [
  { start: 5, end: 12, type: "NAME" },
  { start: 16, end: 28, type: "PHONE" },
]);
const B = doc("b", "Code 131052-308T, mail a@b.fi", [
  { start: 5, end: 16, type: "HETU" },
  { start: 23, end: 29, type: "EMAIL" },
]);
const perfect = (d: BenchDocument) => d.gold;

// The synthetic corpus takes a few seconds to generate: once for all tests.
let synthetic: BenchDocument[];
let r: BenchResult;
beforeAll(() => {
  synthetic = syntheticDocuments();
  r = runBenchmark(HARD_CASES, kaivoDetector, synthetic);
});

describe("the de-identification scorer", () => {
  it("gives 3 of 4 when the detector misses one span, and lists the miss", () => {
    const s = scoreDocuments([A, B], (d) => d.gold.filter((g) => g.type !== "EMAIL"));
    expect(s.overall).toMatchObject({ gold: 4, found: 3, recall: 0.75 });
    expect(s.byType.EMAIL).toMatchObject({ gold: 1, found: 0, recall: 0 });
    expect(s.byType.NAME?.recall).toBe(1);
    expect(s.precision).toBe(1);
    expect(s.misses).toEqual([
      expect.objectContaining({ doc: "b", type: "EMAIL", value: "a@b.fi", partial: false }),
    ]);
  });

  it("gives precision 4 of 5 for one false positive, counted under the detected type", () => {
    const s = scoreDocuments([A, B], (d) =>
      d.id === "a" ? [{ start: 0, end: 4, type: "NAME" }, ...d.gold] : d.gold,
    );
    expect(s.overall.recall).toBe(1);
    expect(s).toMatchObject({ detected: 5, truePositives: 4, precision: 0.8 });
    expect(s.falsePositivesByType).toEqual({ NAME: 1 });
    expect(s.falsePositives[0]).toMatchObject({ doc: "a", value: "Call" });
  });

  it("counts a span covered in pieces (spaces left between) as found, a partly covered one as missed", () => {
    const words = scoreDocuments([A], () => [
      { start: 5, end: 8, type: "NAME" },
      { start: 9, end: 12, type: "NAME" },
      { start: 16, end: 19, type: "PHONE" },
    ]);
    expect(words.byType.NAME?.found).toBe(1);
    expect(words.byType.PHONE?.found).toBe(0);
    expect(words.misses[0]).toMatchObject({ type: "PHONE", partial: true });
    // Non-space characters: 6 of the name and 10 of the phone, of which 6 + 3 are covered.
    expect(words.characters).toMatchObject({ gold: 16, covered: 9 });
  });

  it("credits a span found under another type to recall but not to type-exact recall", () => {
    const s = scoreDocuments([B], (d) => d.gold.map((g) => ({ ...g, type: "PHONE" })));
    expect(s.byType.HETU).toMatchObject({ found: 1, foundTypeExact: 0, recallTypeExact: 0 });
    expect(s.overall).toMatchObject({ recall: 1, recallTypeExact: 0 });
  });

  it("takes a span that overreaches as correct and shows the overreach in character precision", () => {
    // "Call Ann Lee" (10 non-space characters) for the name (6): 6 of 10 inside gold.
    const s = scoreDocuments([A], (d) => [{ start: 0, end: 12, type: "NAME" }, d.gold[1] as Span]);
    expect(s.precision).toBe(1);
    expect(s.characters.detected).toBe(20);
    expect(s.characters.inGold).toBe(16);
    expect(s.characters.precision).toBe(0.8);
  });

  it("gives recall and precision 1 on an empty corpus and when nothing is detected", () => {
    expect(scoreDocuments([], perfect)).toMatchObject({ precision: 1, overall: { recall: 1 } });
    const none = scoreDocuments([doc("n", "2024-05-16", [])], () => []);
    expect(none).toMatchObject({ detected: 0, precision: 1 });
  });
});

describe("the hard-case loader", () => {
  const line = (o: object) => JSON.stringify({ id: "x", lang: "fi", text: "", ...o });

  it("resolves identifier substrings to offsets, nth picking one of several", () => {
    const [d] = parseHardCases(
      line({
        text: "Smith met Smith at Elm Street",
        identifiers: [
          { text: "Smith", type: "NAME", nth: 2 },
          { text: "Smith", type: "NAME", nth: 1 },
        ],
      }),
    );
    expect(d?.gold).toEqual([
      { start: 0, end: 5, type: "NAME" },
      { start: 10, end: 15, type: "NAME" },
    ]);
  });

  it.each([
    ["a substring not in the text", { text: "abc", identifiers: [{ text: "x", type: "NAME" }] }],
    ["an ambiguous substring", { text: "aa", identifiers: [{ text: "a", type: "NAME" }] }],
    [
      "an nth past the last occurrence",
      { text: "aa", identifiers: [{ text: "a", type: "NAME", nth: 3 }] },
    ],
    [
      "overlapping identifiers",
      {
        text: "Ann Lee",
        identifiers: [
          { text: "Ann Lee", type: "NAME" },
          { text: "Lee", type: "NAME" },
        ],
      },
    ],
    ["an unknown language", { lang: "de", identifiers: [] }],
  ])("refuses %s", (_, o) => {
    expect(() => parseHardCases(line(o))).toThrow(HardCaseError);
  });

  it("refuses a duplicate id", () => {
    const l = line({ text: "a", identifiers: [] });
    expect(() => parseHardCases(`${l}\n${l}\n`)).toThrow(/duplicate id/);
  });
});

describe("the benchmark corpus", () => {
  it("has at least 100 hard cases in fi, sv and en, negatives among them, every code valid", () => {
    const cases = loadHardCases(HARD_CASES);
    expect(cases.length).toBeGreaterThanOrEqual(100);
    expect(new Set(cases.map((c) => c.lang))).toEqual(new Set(["fi", "sv", "en"]));
    expect(cases.filter((c) => c.gold.length === 0).length).toBeGreaterThanOrEqual(25);
    expectValidCodes(cases, 10);
  });

  // Each held-out set: its least size, negatives and valid codes, and the sets before it, of
  // which it holds no copy (it is there to measure what tuning has not seen).
  it.each([
    {
      name: "a held-out set",
      path: HELD_OUT,
      cases: 60,
      negatives: 20,
      codes: 5,
      before: [HARD_CASES],
    },
    {
      name: "a second held-out set",
      path: HELD_OUT_2,
      cases: 250,
      negatives: 50,
      codes: 15,
      before: [HARD_CASES, HELD_OUT],
    },
    {
      name: "a third held-out set",
      path: HELD_OUT_3,
      cases: 200,
      negatives: 40,
      codes: 20,
      before: [HARD_CASES, HELD_OUT, HELD_OUT_2],
    },
    {
      name: "a fourth held-out set",
      path: HELD_OUT_4,
      cases: 250,
      negatives: 30,
      codes: 30,
      before: [HARD_CASES, HELD_OUT, HELD_OUT_2, HELD_OUT_3],
    },
    {
      name: "a fifth held-out set",
      path: HELD_OUT_5,
      cases: 250,
      negatives: 30,
      codes: 30,
      before: [HARD_CASES, HELD_OUT, HELD_OUT_2, HELD_OUT_3, HELD_OUT_4],
    },
    {
      name: "a sixth held-out set",
      path: HELD_OUT_6,
      cases: 250,
      negatives: 30,
      codes: 20,
      before: [HARD_CASES, HELD_OUT, HELD_OUT_2, HELD_OUT_3, HELD_OUT_4, HELD_OUT_5],
    },
    {
      name: "a seventh held-out set",
      path: HELD_OUT_7,
      cases: 250,
      negatives: 30,
      codes: 20,
      before: [HARD_CASES, HELD_OUT, HELD_OUT_2, HELD_OUT_3, HELD_OUT_4, HELD_OUT_5, HELD_OUT_6],
    },
    {
      name: "an eighth held-out set",
      path: HELD_OUT_8,
      cases: 260,
      negatives: 40,
      codes: 25,
      before: [
        HARD_CASES,
        HELD_OUT,
        HELD_OUT_2,
        HELD_OUT_3,
        HELD_OUT_4,
        HELD_OUT_5,
        HELD_OUT_6,
        HELD_OUT_7,
      ],
    },
    {
      name: "a ninth held-out set",
      path: HELD_OUT_9,
      cases: 300,
      negatives: 60,
      codes: 35,
      before: [
        HARD_CASES,
        HELD_OUT,
        HELD_OUT_2,
        HELD_OUT_3,
        HELD_OUT_4,
        HELD_OUT_5,
        HELD_OUT_6,
        HELD_OUT_7,
        HELD_OUT_8,
      ],
    },
  ])(
    "has $name of at least $cases cases in fi, sv and en, $negatives negatives, every code valid",
    (set) => {
      const cases = loadHardCases(set.path);
      expect(cases.length).toBeGreaterThanOrEqual(set.cases);
      expect(new Set(cases.map((c) => c.lang))).toEqual(new Set(["fi", "sv", "en"]));
      expect(cases.filter((c) => c.gold.length === 0).length).toBeGreaterThanOrEqual(set.negatives);
      for (const type of ["NAME", "HETU", "PHONE", "EMAIL", "ADDRESS", "ID"])
        expect(
          cases.some((c) => c.gold.some((g) => g.type === type)),
          type,
        ).toBe(true);
      const seen = new Set(set.before.flatMap((p) => loadHardCases(p).map((c) => c.text)));
      expect(cases.filter((c) => seen.has(c.text))).toEqual([]);
      expectValidCodes(cases, set.codes);
    },
  );

  it("has at least 500 synthetic notes in fi, sv and en with well-formed spans", () => {
    expect(synthetic.length).toBeGreaterThanOrEqual(500);
    for (const lang of ["fi", "sv", "en"])
      expect(synthetic.filter((d) => d.lang === lang).length, lang).toBeGreaterThanOrEqual(50);
    for (const d of synthetic) {
      let end = 0;
      for (const g of d.gold) {
        expect(g.start).toBeGreaterThanOrEqual(end);
        expect(d.text.slice(g.start, g.end).trim()).toBe(d.text.slice(g.start, g.end));
        end = g.end;
      }
    }
  });
});

describe("npm run bench:deid", () => {
  const unmet = (part: keyof BenchResult["goals"]) => r.goals[part].filter((g) => !g.met);
  const heldOut = (file: string) => {
    const found = r.heldOut.find((h) => h.set.file === file);
    if (!found) throw new Error(`${file} is not among the held-out sets`);
    return found;
  };

  it("meets every goal on the synthetic notes", () => {
    expect(unmet("synthetic")).toEqual([]);
  });

  it("meets every goal on the hard cases and on the combined corpus", () => {
    expect(unmet("hard")).toEqual([]);
    expect(unmet("combined")).toEqual([]);
  });

  it("meets every goal on the held-out set, and no less than today's figures", () => {
    const { score, goals } = heldOut("held-out.jsonl");
    const gaps = goals.filter((g) => !g.met);
    if (gaps.length)
      console.log(
        `held-out goals not met: ${gaps.map((g) => `${g.name} ${(100 * g.actual).toFixed(2)} % (goal ${100 * g.target} %)`).join("; ")}\n` +
          score.misses.map((m) => `  missed ${m.type} ${m.doc}: ${m.value}`).join("\n"),
      );
    // Every goal met since the nickname, inflection, Nordic id, flat and postcode work. Its 9
    // misses of 2026-12-02 were seen while fixing them (as kinds, not as strings), so this figure
    // is optimistic; a blind set written afterwards gives the honest one.
    expect(gaps).toEqual([]);
    expect(score.overall.gold).toBe(88);
    expect(score.overall.found).toBe(88);
    expect(score.falsePositives).toEqual([]);
  });

  it("meets every goal on the second held-out set, and no less than today's figures", () => {
    const { score: s, goals } = heldOut("held-out-2.jsonl");
    const gaps = goals.filter((g) => !g.met);
    if (gaps.length)
      console.log(
        `held-out 2 goals not met: ${gaps.map((g) => `${g.name} ${(100 * g.actual).toFixed(2)} % (goal ${100 * g.target} %)`).join("; ")}\n` +
          s.misses.map((m) => `  missed ${m.type} ${m.doc}: ${m.value}`).join("\n"),
      );
    // Blind on 2026-12-02: 247 of 279 (NAME 116, ADDRESS 48, ID 18; one false positive, "Per
    // Dr"). Its misses were then seen and fixed as kinds, so these floors are optimistic: they
    // guard against regressions, the blind figure is the one that measures generalisation.
    expect(gaps).toEqual([]);
    expect(s.overall).toMatchObject({ gold: 279, found: 279 });
    for (const [type, n] of Object.entries({
      NAME: 134,
      ADDRESS: 52,
      ID: 28,
      PHONE: 34,
      HETU: 19,
      EMAIL: 12,
    }))
      expect(s.byType[type]?.found, type).toBe(n);
    expect(s.falsePositives).toEqual([]);
  });

  it("keeps the third held-out set at no less than today's figures", () => {
    // Blind on 2026-12-02: 323 of 368, precision 96.19 %. Its misses were then seen and fixed as
    // kinds, so these floors are optimistic: they guard against regressions, the blind figure is
    // the one that measures generalisation.
    const { score: s, goals } = heldOut("held-out-3.jsonl");
    expect(s.overall.gold).toBe(368);
    for (const goal of ["HETU recall", "PHONE recall", "EMAIL recall", "precision"])
      expect(goals.find((g) => g.name === goal)?.met, goal).toBe(true);
    for (const [type, n] of Object.entries({
      NAME: 215,
      ADDRESS: 53,
      ID: 22,
      PHONE: 37,
      HETU: 24,
      EMAIL: 12,
    }))
      expect(s.byType[type]?.found, type).toBeGreaterThanOrEqual(n);
    expect(s.overall.found).toBeGreaterThanOrEqual(363);
    expect(s.falsePositives.length).toBeLessThanOrEqual(14);
    expect(s.precision).toBeGreaterThanOrEqual(0.96);
  });

  it("keeps the fourth held-out set at no less than today's figures", () => {
    // Blind on 2026-12-03: 368 of 411, precision 98.54 % (ADDRESS 9 of 26, ID 22 of 37). Its
    // misses were then seen and fixed as kinds (an address over its comma, streets of any name
    // before a postal code, extensions, initials after a slash, reference codes and plates), so
    // these floors are optimistic: they guard against regressions, the blind figure measures
    // generalisation.
    const { score: s, goals } = heldOut("held-out-4.jsonl");
    expect(s.overall.gold).toBe(411);
    for (const goal of ["HETU recall", "PHONE recall", "EMAIL recall", "precision"])
      expect(goals.find((g) => g.name === goal)?.met, goal).toBe(true);
    for (const [type, n] of Object.entries({
      NAME: 254,
      ADDRESS: 26,
      ID: 36,
      PHONE: 38,
      HETU: 39,
      EMAIL: 17,
    }))
      expect(s.byType[type]?.found, type).toBeGreaterThanOrEqual(n);
    expect(s.overall.found).toBeGreaterThanOrEqual(410);
    expect(s.falsePositives.length).toBeLessThanOrEqual(6);
  });

  it("keeps the fifth held-out set at no less than today's figures", () => {
    // Blind on 2026-12-03 (3b39acd): 440 of 469, precision 99.77 % (NAME 284 of 308). Its misses
    // were then seen and fixed as kinds (roles and relations before any capitalised word, names
    // joined by "and", a name the text repeats, initials, phone cues, compound number labels),
    // so these floors are optimistic: they guard against regressions.
    const { score: s } = heldOut("held-out-5.jsonl");
    expect(s.overall.gold).toBe(469);
    expect(s.overall.found).toBeGreaterThanOrEqual(469);
    expect(s.falsePositives.length).toBeLessThanOrEqual(1);
  });

  it("keeps the sixth held-out set at no less than today's figures", () => {
    // Blind on 2026-12-03: 409 of 439, precision 98.60 % (ID 28 of 38). Its misses were then seen
    // and fixed as kinds (signing and copied initials, nicknames, plates, card series, sample
    // numbers, Swedish mobiles and floors, names over quotes and a surname's comma, towns and
    // hospitals that are surnames), so these floors are optimistic: they guard against regressions.
    const { score: s, set } = heldOut("held-out-6.jsonl");
    expect(set.blind).toBe(false);
    expect(s.overall.gold).toBe(439);
    expect(s.overall.found).toBeGreaterThanOrEqual(438);
    for (const [type, n] of Object.entries({ NAME: 297, PHONE: 47, ADDRESS: 23, ID: 37 }))
      expect(s.byType[type]?.found, type).toBeGreaterThanOrEqual(n);
    expect(s.falsePositives.length).toBe(0);
  });

  it("keeps the seventh held-out set at no less than today's figures", () => {
    // Blind on 2026-12-03: 419 of 451, precision 99.53 % (ADDRESS 15 of 25, ID 30 of 39). Its
    // misses were then seen and fixed as kinds (IBANs by their check, driving licences, passports,
    // study participants, "hosp. no", vehicles, French phone pairs, maiden names, on-call and RN
    // cues, initials before a role or a slash, nicknames in brackets, one-slip misspellings of the
    // person's names, k:j and s:t gradation, addresses after "lives at"), so these floors are
    // optimistic. Eight lone towns left its gold under the towns policy
    // (docs/deidentification.md), and a mobile number its writer missed joined it.
    const { score: s, set } = heldOut("held-out-7.jsonl");
    expect(set.blind).toBe(false);
    expect(s.overall.gold).toBe(444);
    expect(s.overall.found).toBeGreaterThanOrEqual(443);
    for (const [type, n] of Object.entries({ NAME: 305, PHONE: 46, ADDRESS: 17, ID: 38 }))
      expect(s.byType[type]?.found, type).toBeGreaterThanOrEqual(n);
    expect(s.falsePositives.length).toBe(0);
  });

  it("keeps the eighth held-out set at no less than today's figures", () => {
    // Blind on 2026-12-04: 600 of 674, precision 98.75 % (NAME 359 of 404, ID 60 of 74). Its
    // misses were then seen and fixed as kinds (see docs/deidentification.md), so these floors
    // are optimistic: they guard against regressions.
    const { score: s, set } = heldOut("held-out-8.jsonl");
    expect(set.blind).toBe(false);
    expect(s.overall.gold).toBe(674);
    expect(s.overall.found).toBeGreaterThanOrEqual(656);
    for (const [type, n] of Object.entries({
      NAME: 397,
      PHONE: 92,
      ADDRESS: 47,
      ID: 69,
      EMAIL: 23,
      HETU: 28,
    }))
      expect(s.byType[type]?.found, type).toBeGreaterThanOrEqual(n);
    expect(s.falsePositives.length).toBeLessThanOrEqual(1);
  });

  it("keeps the ninth held-out set, blind, at no less than its blind figures", () => {
    // Scored blind once on 2026-12-04, after held-out 8's fixes: 529 of 608, precision 98.76 %
    // (7 false positives). Its misses are not printed, so that fixing them is not tuning on
    // them unawares; a failure names only the figures.
    const { score: s, set } = heldOut("held-out-9.jsonl");
    expect(set.blind).toBe(true);
    expect(s.overall.gold).toBe(608);
    expect(s.overall.found).toBeGreaterThanOrEqual(529);
    expect(s.byType.HETU?.recall).toBe(1);
    expect(s.falsePositives.length).toBeLessThanOrEqual(7);
  });

  it("keeps the held-out cases out of the combined corpus", () => {
    expect(r.combined.documents).toBe(r.synthetic.documents + r.hard.documents);
  });

  it("runs in well under 30 s", () => {
    expect(r.seconds).toBeLessThan(30);
  });
});
