import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_SYNTH_OPTIONS, runSynth } from "../src/synth/synth.js";
import { loadConformanceSuite } from "../src/views/conformance.js";
import { compileToDuckdb } from "../src/views/duckdb/compile.js";
import { openDuckdb, runCompiled } from "../src/views/duckdb/run.js";
import { loadLakeViews } from "../src/views/lake-views.js";
import { planView } from "../src/views/plan.js";
import { evaluateAll, type Row } from "../src/views/reference.js";

const SUITE = join(import.meta.dirname, "../../shared/conformance/sql-on-fhir-v2/tests");
const tmp = mkdtempSync(join(tmpdir(), "kaivo-differential-"));
let db: Awaited<ReturnType<typeof openDuckdb>>;

const canonical = (rows: Row[]) => rows.map((r) => JSON.stringify(r)).sort();

async function duckdbRows(
  view: unknown,
  files: string[],
  mode: "typed" | "mixed",
): Promise<Row[] | null> {
  const compiled = compileToDuckdb(planView(view));
  if (!compiled.ok) return null;
  const rows: Row[] = [];
  for await (const chunk of runCompiled(db.connection, compiled.sql, files, mode))
    rows.push(...chunk);
  return rows;
}

function readResources(files: string[]): Array<Record<string, unknown>> {
  return files.flatMap((f) =>
    readFileSync(f, "utf8")
      .split("\n")
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as Record<string, unknown>),
  );
}

function referenceRows(view: unknown, files: string[]): Row[] {
  return [...evaluateAll(planView(view), readResources(files))];
}

/** The synth export's files holding the resource type of a view. */
function synthFilesFor(view: unknown): string[] {
  const manifest = JSON.parse(
    readFileSync(join(tmp, "synth", "fhir", "manifest.json"), "utf8"),
  ) as {
    output: Array<{ type: string; url: string }>;
  };
  const type = (view as { resource: string }).resource;
  return manifest.output
    .filter((o) => o.type === type)
    .map((o) => join(tmp, "synth", "fhir", o.url));
}

beforeAll(async () => {
  db = await openDuckdb(2);
  await runSynth({ ...DEFAULT_SYNTH_OPTIONS, patients: 300, seed: 3, out: join(tmp, "synth") });
}, 120_000);
afterAll(() => {
  db.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe("both evaluators give the same rows", () => {
  it("for every lake view over kaivo synth output", async () => {
    for (const { name, view } of loadLakeViews()) {
      const files = synthFilesFor(view);
      const expected = referenceRows(view, files);
      const actual = await duckdbRows(view, files, "typed");
      expect(actual, `${name} compiles`).not.toBeNull();
      expect(expected.length, `${name} has rows`).toBeGreaterThan(0);
      expect(canonical(actual ?? []), name).toEqual(canonical(expected));
    }
  });

  it("for the JavaScript fast path and fhirpath.js alone, on lake views and every conformance case", () => {
    const conformance = existsSync(SUITE) ? loadConformanceSuite(SUITE) : [];
    for (const { name, view } of loadLakeViews()) {
      const files = synthFilesFor(view);
      const resources = readResources(files);
      const fast = [...evaluateAll(planView(view), resources)];
      const slow = [...evaluateAll(planView(view, { native: false }), resources)];
      expect(canonical(fast), name).toEqual(canonical(slow));
    }
    for (const c of conformance.filter((t) => !t.expectError)) {
      const run = (native: boolean) => {
        try {
          return canonical([...evaluateAll(planView(c.view, { native }), c.resources)]);
        } catch (error) {
          return `error: ${(error as Error).message}`;
        }
      };
      expect(run(true), `${c.file}: ${c.title}`).toEqual(run(false));
    }
  });

  // The suite lives beside the repository (../shared); without it there is nothing to compare.
  it.skipIf(!existsSync(SUITE))("for every conformance case the compiler translates", async () => {
    const cases = loadConformanceSuite(SUITE).filter((c) => !c.expectError);
    let compared = 0;
    for (const [i, c] of cases.entries()) {
      const file = join(tmp, `case-${i}.ndjson`);
      writeFileSync(file, c.resources.map((r) => JSON.stringify(r)).join("\n"));
      const actual = await duckdbRows(c.view, [file], "mixed");
      if (actual === null) continue;
      compared++;
      expect(canonical(actual), `${c.file}: ${c.title}`).toEqual(
        canonical(referenceRows(c.view, [file])),
      );
    }
    expect(compared).toBeGreaterThanOrEqual(106); // measured coverage: a regression shows here
  });
});
