import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, describe, expect, it } from "vitest";
import { DEFAULT_SYNTH_OPTIONS, runSynth } from "../synth/synth.js";
import { CHECKS_DB, checkLines, markDuplicates, shareByBytes } from "./line-checks.js";
import type { LoadFile } from "./numbered-lines.js";
import { loadLakeTables } from "./table-config.js";
import { tableLoad } from "./table-load.js";

const dir = mkdtempSync(join(tmpdir(), "kaivo-line-checks-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const file = (fileNo: number, bytes: number): LoadFile => ({
  fileNo,
  path: `f${fileNo}`,
  label: `f${fileNo}`,
  bytes,
});

describe("line checks", () => {
  it("shares files out by bytes, each share in file order", () => {
    const files = [file(1, 10), file(2, 70), file(3, 20), file(4, 30), file(5, 5)];
    const shares = shareByBytes(files, 2);
    expect(shares.map((s) => s.map((f) => f.fileNo))).toEqual([[2], [1, 3, 4, 5]]);
    expect(shareByBytes(files, 1)).toEqual([files]);
    expect(shareByBytes([file(1, 10)], 3).map((s) => s.length)).toEqual([1, 0, 0]);
  });

  it("gives the same check table on one connection as on several checking files at once", async () => {
    const out = join(dir, "synth");
    await runSynth({ ...DEFAULT_SYNTH_OPTIONS, patients: 80, seed: 3, days: 0, dirty: 0.05, out });
    // One type's lines over four files, with a duplicate across files and lines SQL rejects.
    const lines = readFileSync(join(out, "fhir", "Observation-1.ndjson"), "utf8")
      .split("\n")
      .filter((l) => l.trim() !== "");
    const extra = [lines[0], "{not json", '{"resourceType":"Observation","id":7}', ""];
    const files: LoadFile[] = [0, 1, 2, 3].map((i) => {
      const path = join(dir, `Observation-${i}.ndjson`);
      const part = lines.filter((_, n) => n % 4 === i);
      writeFileSync(path, `${[...part, ...(i === 3 ? extra : [])].join("\n")}\n`);
      return { fileNo: i + 1, path, label: `Observation-${i}.ndjson`, bytes: statSync(path).size };
    });
    const views = loadLakeTables()
      .filter((t) => t.resourceType === "Observation")
      .map((t) => tableLoad(t, join(dir, "exact.ndjson"), `${CHECKS_DB}.chk`))
      .flatMap((l) => (l.compiled ? [{ column: l.parsed, schema: l.compiled.schema }] : []));
    expect(views.length).toBeGreaterThan(0);

    const instance = await DuckDBInstance.create(":memory:");
    const c = await instance.connect();
    const others = [await instance.connect(), await instance.connect()];
    await c.run(`ATTACH ':memory:' AS ${CHECKS_DB}`);
    const table = async (connections: typeof others, chk: string) => {
      await checkLines(connections, "Observation", files, views, "2030-01-01", chk);
      await markDuplicates(connections[0] as (typeof others)[0], chk);
      return (await c.runAndReadAll(`SELECT * FROM ${chk} ORDER BY file_no, line`)).getRowsJson();
    };
    const alone = await table([c], `${CHECKS_DB}.alone`);
    const shared = await table([c, ...others], `${CHECKS_DB}.shared`);
    for (const x of [c, ...others]) x.closeSync();
    instance.closeSync();

    expect(shared).toEqual(alone);
    expect(alone.length).toBe(lines.length + 3); // every line but the blank one
    const reasons = alone.map((r) => r[6]);
    expect(reasons).toContain("duplicate record");
    expect(reasons).toContain("suspect");
    expect(reasons).toContain("wrong type: id");
    expect(new Set(alone.map((r) => r[0]))).toEqual(new Set([1, 2, 3, 4]));
  });
});
