import { closeSync, openSync, readSync } from "node:fs";
import { basename } from "node:path";
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
 * Reads chosen lines of one file, in ascending order, in a single forward pass that holds no more
 * of the file than the line being read: a load can quarantine millions of lines without holding
 * them. Lines are numbered as numberedLinesSql numbers them (split at LF; in a CRLF file the CR
 * is not part of the line). Close it when done.
 */
export class LineReader {
  readonly #fd: number;
  readonly #crlf: boolean;
  #buffer = Buffer.alloc(1 << 20);
  #start = 0;
  #end = 0;
  #position = 0;
  #eof = false;
  /** Lines passed so far. */
  #lineNo = 0;

  constructor(private readonly path: string) {
    this.#crlf = crlf(path);
    this.#fd = openSync(path, "r");
  }

  /**
   * Line `n`, exactly as written. `bytes` is its length in UTF-8 bytes as SQL read it: a line of
   * another length means the file changed during the load (or lines were numbered wrongly), and
   * nothing may be loaded on such a reading.
   */
  line(n: number, bytes: number): string {
    if (n <= this.#lineNo) throw new Error(`Line ${n} asked for after line ${this.#lineNo}.`);
    let raw: Buffer | undefined;
    while (this.#lineNo < n) {
      raw = this.#next();
      if (raw === undefined) break;
      this.#lineNo++;
    }
    if (raw === undefined || this.#lineNo !== n) throw this.#changed(n);
    if (this.#crlf && raw[raw.length - 1] === 13) raw = raw.subarray(0, raw.length - 1);
    // DuckDB may drop a byte-order mark at the start of a file.
    if (
      n === 1 &&
      raw.length === bytes + 3 &&
      raw[0] === 0xef &&
      raw[1] === 0xbb &&
      raw[2] === 0xbf
    )
      raw = raw.subarray(3);
    if (raw.length !== bytes) throw this.#changed(n);
    return raw.toString("utf8");
  }

  close(): void {
    closeSync(this.#fd);
  }

  #changed(n: number): Error {
    return new Error(
      `Line ${n} of ${basename(this.path)} is not the line the load read: was the file changed during the load? Nothing was loaded; run the ingest again.`,
    );
  }

  /** The next line's bytes, valid until the next call; undefined at the end of the file. */
  #next(): Buffer | undefined {
    for (;;) {
      const lf = this.#buffer.subarray(this.#start, this.#end).indexOf(10);
      if (lf >= 0) {
        const line = this.#buffer.subarray(this.#start, this.#start + lf);
        this.#start += lf + 1;
        return line;
      }
      if (this.#eof) {
        if (this.#start === this.#end) return undefined;
        const last = this.#buffer.subarray(this.#start, this.#end);
        this.#start = this.#end;
        return last;
      }
      this.#buffer.copy(this.#buffer, 0, this.#start, this.#end);
      this.#end -= this.#start;
      this.#start = 0;
      if (this.#end === this.#buffer.length) {
        const larger = Buffer.alloc(this.#buffer.length * 2); // a line longer than the buffer
        this.#buffer.copy(larger, 0, 0, this.#end);
        this.#buffer = larger;
      }
      const n = readSync(
        this.#fd,
        this.#buffer,
        this.#end,
        this.#buffer.length - this.#end,
        this.#position,
      );
      this.#position += n;
      this.#end += n;
      if (n === 0) this.#eof = true;
    }
  }
}

/**
 * Chosen lines of a load's files, asked for in file and line order (as SQL streams their
 * numbers): one file open at a time, each read once, forward.
 */
export class LoadLines {
  readonly #files: Map<number, LoadFile>;
  #open: { file: LoadFile; reader: LineReader } | undefined;

  constructor(files: readonly LoadFile[]) {
    this.#files = new Map(files.map((f) => [f.fileNo, f]));
  }

  /** Line `line` of file `fileNo`, of `bytes` UTF-8 bytes as SQL read it (see LineReader.line). */
  line(fileNo: number, line: number, bytes: number): string {
    return this.#reader(fileNo).line(line, bytes);
  }

  /** The load's file numbered `fileNo`. */
  file(fileNo: number): LoadFile {
    const file = this.#files.get(fileNo);
    if (!file) throw new Error(`The load has no file numbered ${fileNo}.`);
    return file;
  }

  close(): void {
    this.#open?.reader.close();
    this.#open = undefined;
  }

  #reader(fileNo: number): LineReader {
    if (this.#open?.file.fileNo !== fileNo) {
      this.close();
      const file = this.file(fileNo);
      this.#open = { file, reader: new LineReader(file.path) };
    }
    return this.#open.reader;
  }
}
