import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, describe, expect, it } from "vitest";
import { LineReader, LoadLines, numberedLinesSql } from "./numbered-lines.js";

/** The given lines (number to UTF-8 length), read with one LineReader as a load reads them. */
function readLines(path: string, wanted: ReadonlyMap<number, number>): Map<number, string> {
  const reader = new LineReader(path);
  try {
    return new Map([...wanted].map(([n, bytes]) => [n, reader.line(n, bytes)]));
  } finally {
    reader.close();
  }
}

const dir = mkdtempSync(join(tmpdir(), "kaivo-lines-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("numbered lines", () => {
  it("numbers lines as an editor does, blank and CRLF ones too, and reads them back", async () => {
    const lf = join(dir, "lf.ndjson");
    const crlf = join(dir, "crlf.ndjson");
    writeFileSync(lf, '\uFEFF{"a":1}\n\n{"b":"ä"}\n');
    writeFileSync(crlf, '{"c":1}\r\n\r\n  \r\n{"d":2}\r\n');
    const instance = await DuckDBInstance.create(":memory:");
    const c = await instance.connect();
    const rows = (
      await c.runAndReadAll(
        `SELECT file_no, line, raw, strlen(raw) FROM (${numberedLinesSql([
          { fileNo: 1, path: lf, label: "lf", bytes: 0 },
          { fileNo: 2, path: crlf, label: "crlf", bytes: 0 },
        ])}) ORDER BY file_no, line`,
      )
    ).getRows();
    c.closeSync();
    instance.closeSync();
    expect(rows.map(([f, l, raw]) => [f, Number(l), raw])).toEqual([
      [1, 1, '{"a":1}'],
      [1, 2, null],
      [1, 3, '{"b":"ä"}'],
      [2, 1, '{"c":1}'],
      [2, 2, null],
      [2, 3, "  "],
      [2, 4, '{"d":2}'],
    ]);
    const back = readLines(
      lf,
      new Map([
        [1, Number(rows[0]?.[3])],
        [3, 10],
      ]),
    );
    expect([...back]).toEqual([
      [1, '{"a":1}'],
      [3, '{"b":"ä"}'],
    ]);
    expect([...readLines(crlf, new Map([[4, 7]]))]).toEqual([[4, '{"d":2}']]);
  });

  it("refuses a line whose length is not what SQL read: the file changed during the load", async () => {
    const file = join(dir, "changed.ndjson");
    writeFileSync(file, '{"a":1}\n{"b":2}\n');
    expect(() => readLines(file, new Map([[2, 8]]))).toThrow(/not the line the load read/);
    expect(() => readLines(file, new Map([[3, 7]]))).toThrow(/not the line the load read/);
  });

  it("reads lines longer than its buffer, and many lines, in one forward pass", () => {
    const file = join(dir, "long.ndjson");
    const long = `{"text":"${"x".repeat(3_000_000)}"}`;
    const short = Array.from({ length: 50_000 }, (_, i) => `{"i":${i}}`);
    writeFileSync(file, `${short.join("\n")}\n${long}\n${short.join("\n")}`);
    const reader = new LineReader(file);
    try {
      expect(reader.line(2, short[1]?.length ?? 0)).toBe(short[1]);
      expect(reader.line(50_001, long.length)).toBe(long);
      expect(reader.line(100_001, short[49_999]?.length ?? 0)).toBe(short[49_999]); // no final LF
      expect(() => reader.line(3, 7)).toThrow(/after line 100001/);
    } finally {
      reader.close();
    }
  });

  it("reads chosen lines of a load's files in file and line order, one file open at a time", () => {
    const a = join(dir, "a.ndjson");
    const b = join(dir, "b.ndjson");
    writeFileSync(a, '{"a":1}\n{"a":2}\n{"a":3}\n');
    writeFileSync(b, '{"b":1}\n{"b":22}\n');
    const lines = new LoadLines([
      { fileNo: 3, path: a, label: "fhir/a.ndjson", bytes: 24 },
      { fileNo: 7, path: b, label: "fhir/b.ndjson", bytes: 17 },
    ]);
    try {
      expect(lines.line(3, 1, 7)).toBe('{"a":1}');
      expect(lines.line(3, 3, 7)).toBe('{"a":3}');
      expect(lines.line(7, 2, 8)).toBe('{"b":22}');
      expect(lines.file(7).label).toBe("fhir/b.ndjson");
      expect(() => lines.line(7, 1, 7)).toThrow(/after line 2/);
      expect(() => lines.file(4)).toThrow(/no file numbered 4/);
    } finally {
      lines.close();
    }
  });
});
