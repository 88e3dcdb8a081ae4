import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_SYNTH_OPTIONS, runSynth } from "../synth/synth.js";
import { CheckAhead, type CheckJob } from "./check-ahead.js";
import { CHECKS_DB, LineChecks, markDuplicates } from "./line-checks.js";
import type { LoadFile } from "./numbered-lines.js";
import { loadLakeTables } from "./table-config.js";
import { tableLoad } from "./table-load.js";

const dir = mkdtempSync(join(tmpdir(), "kaivo-check-ahead-"));
let instance: DuckDBInstance;
let c: DuckDBConnection;
let helpers: DuckDBConnection[];
let files: LoadFile[];
let lines: string[];

beforeAll(async () => {
  const out = join(dir, "synth");
  await runSynth({ ...DEFAULT_SYNTH_OPTIONS, patients: 80, seed: 3, days: 0, dirty: 0.05, out });
  // One type's lines over four files, with a duplicate across files and lines SQL rejects.
  lines = readFileSync(join(out, "fhir", "Observation-1.ndjson"), "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "");
  const extra = [lines[0], "{not json", '{"resourceType":"Observation","id":7}', ""];
  files = [0, 1, 2, 3].map((i) => {
    const path = join(dir, `Observation-${i}.ndjson`);
    const part = lines.filter((_, n) => n % 4 === i);
    writeFileSync(path, `${[...part, ...(i === 3 ? extra : [])].join("\n")}\n`);
    return { fileNo: i + 1, path, label: `Observation-${i}.ndjson`, bytes: statSync(path).size };
  });
  instance = await DuckDBInstance.create(":memory:");
  c = await instance.connect();
  helpers = [await instance.connect(), await instance.connect()];
  await c.run(`ATTACH ':memory:' AS ${CHECKS_DB}`);
});

afterAll(() => {
  for (const x of [c, ...helpers]) x?.closeSync();
  instance?.closeSync();
  rmSync(dir, { recursive: true, force: true });
});

function lineChecks(chk: string): LineChecks {
  const views = loadLakeTables()
    .filter((t) => t.resourceType === "Observation")
    .map((t) => tableLoad(t, join(dir, "exact.ndjson"), chk))
    .flatMap((l) => (l.compiled ? [{ column: l.parsed, schema: l.compiled.schema }] : []));
  expect(views.length).toBeGreaterThan(0);
  return new LineChecks("Observation", files, views, "2030-01-01", chk);
}

/** A job checking the four files into `chk`, noting which connection ran each file. */
function job(chk: string, ranOn: Map<number, DuckDBConnection>): CheckJob {
  const checks = lineChecks(chk);
  return {
    prepare: (conn) => checks.create(conn),
    parts: files.map((f) => ({
      bytes: f.bytes,
      run: async (conn) => {
        ranOn.set(f.fileNo, conn);
        await checks.checkFile(conn, f);
      },
    })),
    finish: (conn) => markDuplicates(conn, chk),
  };
}

const table = async (chk: string) =>
  (await c.runAndReadAll(`SELECT * FROM ${chk} ORDER BY file_no, line`)).getRowsJson();

describe("checks run ahead", () => {
  it("give the same check table on one connection as with helpers checking files at once", async () => {
    const alone = lineChecks(`${CHECKS_DB}.alone`);
    await alone.create(c);
    for (const f of files) await alone.checkFile(c, f);
    await markDuplicates(c, `${CHECKS_DB}.alone`);

    const ranOn = new Map<number, DuckDBConnection>();
    const ahead = new CheckAhead(c, helpers, [job(`${CHECKS_DB}.shared`, ranOn)], 0);
    await ahead.ready(0);
    expect(new Set(ranOn.values()).size).toBe(3); // the load waited: both helpers took a file

    const rows = await table(`${CHECKS_DB}.alone`);
    expect(await table(`${CHECKS_DB}.shared`)).toEqual(rows);
    expect(rows.length).toBe(lines.length + 3); // every line but the blank one
    const reasons = rows.map((r) => r[6]);
    expect(reasons).toContain("duplicate record");
    expect(reasons).toContain("suspect");
    expect(reasons).toContain("wrong type: id");
    expect(ahead.checkedBytes()).toBe(files.reduce((a, f) => a + f.bytes, 0));
  });

  it("check a job nobody waits for yet on their own connection only", async () => {
    const first = new Map<number, DuckDBConnection>();
    const second = new Map<number, DuckDBConnection>();
    const jobs = [job(`${CHECKS_DB}.first`, first), job(`${CHECKS_DB}.second`, second)];
    const ahead = new CheckAhead(c, helpers, jobs, Number.POSITIVE_INFINITY);
    await ahead.ready(0);
    await ahead.settle(); // the second job ran ahead, while nothing waited for it
    expect([...second.values()].every((conn) => conn === c)).toBe(true);
    expect(second.size).toBe(4);
    await ahead.ready(1);
  });

  it("report a failed part where the job is waited for, after every connection stopped", async () => {
    let running = 0;
    const failing: CheckJob = {
      prepare: async () => {},
      parts: [1, 2, 3, 4].map((n) => ({
        bytes: 1,
        run: async (conn) => {
          running++;
          try {
            if (n === 2) throw new Error("part 2 failed");
            await conn.run("SELECT count(*) FROM range(200000)");
          } finally {
            running--;
          }
        },
      })),
      finish: async () => {
        throw new Error("finish must not run");
      },
    };
    const ahead = new CheckAhead(c, helpers, [failing], 0);
    await expect(ahead.ready(0)).rejects.toThrow("part 2 failed");
    expect(running).toBe(0);
    await ahead.settle();
  });
});
