import { closeSync, createReadStream, openSync, readSync } from "node:fs";
import { basename } from "node:path";
import { createInterface } from "node:readline";
import { literal } from "../views/duckdb/schema.js";

/** One NDJSON file of a load, numbered so SQL can name it. */
export interface LoadFile {
  fileNo: number;
  path: string;
  /** How quarantine entries name the file, e.g. "day-1/fhir/Encounter-1.ndjson". */
  label: string;
  bytes: number;
}

/** Whether a file's lines end in CRLF, judged from its first 64 KB. */
function crlf(path: string): boolean {
  const fd = openSync(path, "r");
  try {
    const buffer = Buffer.alloc(65536);
    const n = readSync(fd, buffer, 0, buffer.length, 0);
    const lf = buffer.subarray(0, n).indexOf(10);
    return lf > 0 && buffer[lf - 1] === 13;
  } finally {
    closeSync(fd);
  }
}

/** read_csv reading each line of the files whole, as one text value (no quoting, no delimiter). */
function readWhole(paths: readonly string[], crlf: boolean): string {
  return `read_csv([${paths.map(literal).join(", ")}], columns = {'raw': 'VARCHAR'}, delim = E'\\x1f', quote = '', escape = '', header = false, auto_detect = false, strict_mode = false, new_line = '${crlf ? "\\r\\n" : "\\n"}', max_line_size = 8388608)`;
}

/**
 * SQL for the files' lines as rows (`file_no`, `line`, `raw`), numbered from 1 as a text editor
 * numbers them; a blank line is a NULL `raw`. A malformed line is a row like any other rather
 * than an error.
 */
export function numberedLinesSql(files: readonly LoadFile[]): string {
  return files
    .map(
      (f) =>
        `SELECT ${f.fileNo} AS file_no, ordinality AS line, raw FROM ${readWhole([f.path], crlf(f.path))} WITH ORDINALITY`,
    )
    .join("\nUNION ALL\n");
}

/**
 * The given lines of a file, exactly as written, read in one pass. `wanted` maps each line to its
 * length in UTF-8 bytes as SQL read it: a line of another length means the file changed during
 * the load (or lines were numbered wrongly), and nothing may be loaded on such a reading.
 */
export async function readLines(
  path: string,
  wanted: ReadonlyMap<number, number>,
): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  if (wanted.size === 0) return out;
  const lines = createInterface({
    input: createReadStream(path, "utf8"),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  let n = 0;
  for await (const text of lines) {
    n++;
    const bytes = wanted.get(n);
    if (bytes === undefined) continue;
    // DuckDB may drop a byte-order mark at the start of a file.
    const raw =
      n === 1 && Buffer.byteLength(text, "utf8") !== bytes ? text.replace(/^\uFEFF/, "") : text;
    if (Buffer.byteLength(raw, "utf8") !== bytes) {
      lines.close();
      throw new Error(
        `Line ${n} of ${basename(path)} is not the line the load read: was the file changed during the load? Nothing was loaded; run the ingest again.`,
      );
    }
    out.set(n, raw);
    if (out.size === wanted.size) {
      lines.close();
      break;
    }
  }
  return out;
}
