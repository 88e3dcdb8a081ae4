import { readFileSync } from "node:fs";
import type { BenchDocument, Span } from "./score.js";

/**
 * Hand-written hard cases, one JSON object a line:
 * `{"id", "lang", "about"?, "names"?: [...], "text", "identifiers": [{"text", "type", "nth"?}]}`.
 * Identifiers are given as the substrings they are, which is easy to write and review; the loader
 * turns them into offsets and refuses a substring it cannot place exactly once (`nth`, counted
 * from 1, picks one of several occurrences). A case with no identifiers is a negative case:
 * anything detected in it is a false positive.
 */
interface HardCaseLine {
  id: string;
  lang: string;
  about?: string;
  names?: string[];
  text: string;
  identifiers: Array<{ text: string; type: string; nth?: number }>;
}

export class HardCaseError extends Error {}

function occurrences(text: string, value: string): number[] {
  const at: number[] = [];
  for (let i = text.indexOf(value); i !== -1; i = text.indexOf(value, i + 1)) at.push(i);
  return at;
}

function parseLine(line: string, lineNo: number): BenchDocument {
  const where = `hard cases line ${lineNo}`;
  let c: HardCaseLine;
  try {
    c = JSON.parse(line) as HardCaseLine;
  } catch (e) {
    throw new HardCaseError(`${where}: not JSON (${(e as Error).message})`);
  }
  if (typeof c.id !== "string" || typeof c.text !== "string" || !Array.isArray(c.identifiers))
    throw new HardCaseError(`${where}: needs id, text and identifiers`);
  if (!["fi", "sv", "en"].includes(c.lang))
    throw new HardCaseError(`${where} (${c.id}): lang must be fi, sv or en`);
  const gold: Span[] = c.identifiers.map((ident) => {
    if (!ident.text || !ident.type)
      throw new HardCaseError(`${where} (${c.id}): an identifier needs text and type`);
    const at = occurrences(c.text, ident.text);
    if (at.length === 0)
      throw new HardCaseError(`${where} (${c.id}): "${ident.text}" is not in the text`);
    if (ident.nth === undefined && at.length > 1)
      throw new HardCaseError(
        `${where} (${c.id}): "${ident.text}" occurs ${at.length} times; say which with nth`,
      );
    const start = at[(ident.nth ?? 1) - 1];
    if (start === undefined)
      throw new HardCaseError(`${where} (${c.id}): "${ident.text}" has no occurrence ${ident.nth}`);
    return { start, end: start + ident.text.length, type: ident.type };
  });
  gold.sort((a, b) => a.start - b.start);
  for (let i = 1; i < gold.length; i++)
    if ((gold[i] as Span).start < (gold[i - 1] as Span).end)
      throw new HardCaseError(`${where} (${c.id}): identifiers overlap`);
  return { id: c.id, lang: c.lang, text: c.text, names: c.names ?? [], gold };
}

/** Parses hard cases (JSON lines; blank lines are skipped); throws on any case it cannot place. */
export function parseHardCases(jsonl: string): BenchDocument[] {
  const docs: BenchDocument[] = [];
  const ids = new Set<string>();
  jsonl.split("\n").forEach((line, i) => {
    if (!line.trim()) return;
    const doc = parseLine(line, i + 1);
    if (ids.has(doc.id))
      throw new HardCaseError(`hard cases line ${i + 1}: duplicate id ${doc.id}`);
    ids.add(doc.id);
    docs.push(doc);
  });
  return docs;
}

export function loadHardCases(path: string): BenchDocument[] {
  return parseHardCases(readFileSync(path, "utf8"));
}
