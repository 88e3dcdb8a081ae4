import { appendFileSync } from "node:fs";

/** Appends text to a file in large writes rather than one system call a row. Close to flush. */
export class BufferedFile {
  #parts: string[] = [];
  #size = 0;

  constructor(private readonly path: string) {}

  write(text: string): void {
    this.#parts.push(text);
    this.#size += text.length;
    if (this.#size >= 1 << 22) this.flush();
  }

  flush(): void {
    if (this.#parts.length === 0) return;
    appendFileSync(this.path, this.#parts.join(""));
    this.#parts = [];
    this.#size = 0;
  }

  close(): void {
    this.flush();
  }
}
