import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../../test/support/stores.js";
import { parseHetu } from "../identity/hetu.js";
import { type AnnotatedCorpusNote, annotatedCorpus } from "./annotated-corpus.js";
import { DEFAULT_SYNTH_OPTIONS, runSynth, type SynthOptions } from "./synth.js";

const tmp = tempDir("kaivo-synth-annotations-");
const options = (out: string, extra: Partial<SynthOptions> = {}): SynthOptions => ({
  ...DEFAULT_SYNTH_OPTIONS,
  patients: 60,
  seed: 11,
  out,
  days: 1,
  dirty: 0.05,
  splitBytes: 1024 * 1024,
  ...extra,
});
const ANNOTATIONS = join(tmp.dir, "notes.jsonl");

function digest(dir: string): Record<string, string> {
  const files = (d: string): string[] =>
    readdirSync(d).flatMap((n) =>
      statSync(join(d, n)).isDirectory() ? files(join(d, n)) : [join(d, n)],
    );
  return Object.fromEntries(
    files(dir).map((f) => [
      relative(dir, f),
      createHash("sha256").update(readFileSync(f)).digest("hex"),
    ]),
  );
}

/** A record line, or null for one a planted defect broke. */
// biome-ignore lint/suspicious/noExplicitAny: FHIR JSON read loosely in a test
function parsed(line: string): any {
  try {
    return JSON.parse(line);
  } catch {
    return null;
  }
}

let notes: AnnotatedCorpusNote[];
beforeAll(async () => {
  await runSynth(options(join(tmp.dir, "plain")));
  await runSynth(options(join(tmp.dir, "annotated"), { annotations: ANNOTATIONS }));
  notes = readFileSync(ANNOTATIONS, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
}, 120_000);
afterAll(() => tmp.remove());

describe("kaivo synth --annotations", () => {
  it("leaves every exported byte as it was", () => {
    expect(digest(join(tmp.dir, "annotated"))).toEqual(digest(join(tmp.dir, "plain")));
  });

  it("annotates exactly the notes of the initial export, with their exported text", () => {
    const dir = join(tmp.dir, "plain/fhir");
    const exported = new Map<string, string>();
    for (const f of readdirSync(dir).filter((n) => n.startsWith("DocumentReference")))
      for (const line of readFileSync(join(dir, f), "utf8").trim().split("\n")) {
        const r = parsed(line);
        const data = r?.content?.[0]?.attachment?.data;
        if (typeof data === "string")
          exported.set(r.id, Buffer.from(data, "base64").toString("utf8"));
      }
    expect(notes.length).toBeGreaterThan(100);
    // Planted defects may break a record or drop it; every intact one is annotated as it is.
    let same = 0;
    for (const n of notes) if (exported.get(n.id) === n.text) same++;
    expect(same / notes.length).toBeGreaterThan(0.9);
  });

  it("marks each identifier where it was written, typed", () => {
    const seen = new Set<string>();
    for (const n of notes) {
      const names = new Set([...n.person.names, ...n.person.relatives]);
      for (const s of n.spans) {
        const value = n.text.slice(s.start, s.end);
        seen.add(s.type);
        if (s.type === "HETU") expect(parseHetu(value).ok, value).toBe(true);
        if (s.type === "EMAIL") expect(value).toMatch(/^[^\s@]+@[^\s@]+\.[a-z]+$/);
        if (s.type === "PHONE") expect(value).toMatch(/^0[0-9 ]+$/);
        if (s.type === "ADDRESS") expect(value).toMatch(/\d/);
        if (s.type === "NAME") expect(value).toMatch(/^\p{Lu}[\p{L} -]+$/u);
      }
      // The patient's own name, when written, is one of theirs.
      for (const s of n.spans.filter(
        (x) => x.type === "NAME" && n.text.slice(0, x.start).endsWith("Potilas "),
      ))
        for (const word of n.text.slice(s.start, s.end).split(" ")) expect(names).toContain(word);
    }
    expect(seen).toEqual(new Set(["HETU", "NAME", "PHONE", "EMAIL", "ADDRESS"]));
  });

  it("is what annotatedCorpus gives for the same seed, for the library's benchmark", () => {
    const o = options("");
    const corpus = annotatedCorpus({
      patients: o.patients,
      seed: o.seed,
      asOf: o.asOf,
      startYear: o.startYear,
    });
    // The export skips people whose Patient carries a planted invalid code; the library has none.
    const byId = new Map(corpus.map((n) => [n.id, n]));
    for (const n of notes) expect(byId.get(n.id)).toEqual(n);
  });
});
