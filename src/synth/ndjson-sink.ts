import { closeSync, openSync, writeSync } from "node:fs";
import { join } from "node:path";

export interface PartFile {
  file: string;
  count: number;
  bytes: number;
}

const FLUSH_BYTES = 1 << 20;

/**
 * Writes one resource type as NDJSON, starting a new part file when the current one would pass
 * the split size, as bulk export servers do. Buffers about 1 MB between writes.
 */
export class NdjsonSink {
  readonly parts: PartFile[] = [];
  #fd = -1;
  #buffer: string[] = [];
  #buffered = 0;

  constructor(
    private readonly dir: string,
    private readonly type: string,
    private readonly splitBytes: number,
  ) {}

  /** Appends one line; returns its file (relative to the export folder) and 1-based line. */
  write(line: string, newline = true): { file: string; line: number } {
    const text = newline ? `${line}\n` : line;
    const bytes = Buffer.byteLength(text);
    let part = this.parts[this.parts.length - 1];
    if (!part || (part.count > 0 && part.bytes + bytes > this.splitBytes)) part = this.nextPart();
    part.count++;
    part.bytes += bytes;
    this.#buffer.push(text);
    this.#buffered += bytes;
    if (this.#buffered >= FLUSH_BYTES) this.flush();
    return { file: part.file, line: part.count };
  }

  private nextPart(): PartFile {
    this.flush();
    if (this.#fd >= 0) closeSync(this.#fd);
    const part: PartFile = {
      file: `${this.type}-${this.parts.length + 1}.ndjson`,
      count: 0,
      bytes: 0,
    };
    this.#fd = openSync(join(this.dir, part.file), "w");
    this.parts.push(part);
    return part;
  }

  private flush(): void {
    if (this.#buffer.length === 0) return;
    writeSync(this.#fd, this.#buffer.join(""));
    this.#buffer = [];
    this.#buffered = 0;
  }

  close(): void {
    this.flush();
    if (this.#fd >= 0) closeSync(this.#fd);
    this.#fd = -1;
  }
}
