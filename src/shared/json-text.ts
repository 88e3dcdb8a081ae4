import { ValidationError } from "./errors.js";
import { printable } from "./printable.js";

/** Whether `text` could still be the start of a JSON document: parses, or fails only at its end. */
function validSoFar(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch (error) {
    const message = (error as Error).message;
    if (message.startsWith("Unexpected end of JSON input")) return true;
    const at = /at position (\d+)/.exec(message)?.[1];
    return at !== undefined && Number(at) >= text.length;
  }
}

/**
 * Where JSON goes wrong, as line and column. The parser's own message quotes the text, which
 * may be a secret (a key file given by mistake), so the place is found by bisecting prefixes.
 */
export function jsonErrorPlace(text: string): { line: number; column: number } {
  let good = 0;
  let bad = text.length;
  while (bad - good > 1) {
    const mid = Math.floor((good + bad) / 2);
    if (validSoFar(text.slice(0, mid))) good = mid;
    else bad = mid;
  }
  const before = text.slice(0, good);
  const line = before.split("\n").length;
  return { line, column: good - (before.lastIndexOf("\n") + 1) + 1 };
}

/** Parses JSON text; an error says where, and never shows any of the text. */
export function parseJsonText(text: string, source: string): unknown {
  const body = text.startsWith("\ufeff") ? text.slice(1) : text;
  try {
    return JSON.parse(body);
  } catch {
    const { line, column } = jsonErrorPlace(body);
    throw new ValidationError(
      printable(`${source} is not valid JSON (line ${line}, column ${column}).`),
      "Check that it is the file you meant and that its JSON is complete.",
    );
  }
}
