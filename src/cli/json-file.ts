import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { NotFoundError, ValidationError } from "../shared/errors.js";
import { parseJsonText } from "../shared/json-text.js";

const kb = (bytes: number) => `${Math.round(bytes / 1024)} KB`;

/**
 * Reads a JSON input file of at most `maxBytes`: the size is checked before reading, and no more
 * than the limit is ever read (the file may grow, or be a device or a pipe). Errors name the file
 * and never show its content.
 */
export function readJsonFile(file: string, maxBytes: number, hint: string): unknown {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch {
    throw new NotFoundError(`Cannot read ${file}.`, hint);
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new ValidationError(`${file} is not a regular file.`, hint);
    const tooLarge = (size: string) =>
      new ValidationError(
        `${file} is larger than the limit of ${kb(maxBytes)} (${size}).`,
        "Definitions and applications are small; see docs/cohorts.md (Limits).",
      );
    if (stat.size > maxBytes) throw tooLarge(`it has ${kb(stat.size)}`);
    const buffer = Buffer.alloc(maxBytes + 1);
    let length = 0;
    for (let n = 1; n > 0 && length < buffer.length; length += n)
      n = readSync(fd, buffer, length, buffer.length - length, null);
    if (length > maxBytes) throw tooLarge("it grew while being read");
    return parseJsonText(buffer.toString("utf8", 0, length), file);
  } finally {
    closeSync(fd);
  }
}
