import { readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { parse } from "csv-parse/sync";
import type { Lake } from "../lake/lake.js";
import { sql } from "../lake/sql.js";
import { ValidationError } from "../shared/errors.js";

/** Code lists shipped with Kaivo: titles for the codes the synthetic data uses (vocab/*.csv). */
export const VOCAB_DIR = join(import.meta.dirname, "../../vocab");

export interface VocabEntry {
  code: string;
  titleFi: string | null;
  titleEn: string | null;
  /** Labs: the expected unit and the physically plausible range of values. */
  unit: string | null;
  plausibleMin: number | null;
  plausibleMax: number | null;
}

const SYSTEM = /^[a-z][a-z0-9_-]*$/;

/**
 * Reads a code list: a header row naming `code` and at least one of `title_fi`, `title_en`
 * (optional `unit`, `plausible_min`, `plausible_max`), `;` or `,` separated, UTF-8 with or without
 * a byte-order mark. Rows are checked before anything is stored.
 */
export function readVocabularyCsv(file: string): VocabEntry[] {
  let text = readFileSync(file, "utf8");
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const firstLine = text.slice(0, text.indexOf("\n") >>> 0);
  const delimiter = firstLine.includes(";") ? ";" : ",";
  const rows = parse(text, {
    delimiter,
    columns: true,
    skip_empty_lines: true,
    trim: true,
  }) as Array<Record<string, string>>;
  const header = Object.keys(rows[0] ?? {});
  if (!header.includes("code") || !(header.includes("title_fi") || header.includes("title_en")))
    throw new ValidationError(
      `${basename(file)}: the header must name "code" and "title_fi" and/or "title_en" (found: ${header.join(", ") || "nothing"}).`,
      "See docs/catalog.md, Code systems.",
    );
  const number = (v: string | undefined, line: number, column: string) => {
    if (v === undefined || v === "") return null;
    const n = Number(v.replace(",", "."));
    if (!Number.isFinite(n))
      throw new ValidationError(`${basename(file)}:${line}: ${column} "${v}" is not a number.`);
    return n;
  };
  const seen = new Set<string>();
  return rows.map((r, i) => {
    const line = i + 2;
    const code = r.code ?? "";
    if (!code) throw new ValidationError(`${basename(file)}:${line}: empty code.`);
    if (seen.has(code))
      throw new ValidationError(`${basename(file)}:${line}: code ${code} appears twice.`);
    seen.add(code);
    return {
      code,
      titleFi: r.title_fi || null,
      titleEn: r.title_en || null,
      unit: r.unit || null,
      plausibleMin: number(r.plausible_min, line, "plausible_min"),
      plausibleMax: number(r.plausible_max, line, "plausible_max"),
    };
  });
}

/** Adds or replaces the entries of one system; codes not in the file are kept. */
export async function storeVocabulary(
  lake: Lake,
  system: string,
  entries: VocabEntry[],
): Promise<number> {
  if (!SYSTEM.test(system))
    throw new ValidationError(
      `"${system}" is not a code system name: lower-case letters, digits, - and _.`,
    );
  const c = lake.connection;
  await lake.transaction(async () => {
    await c.run("create or replace temp table vocab_in (code varchar)");
    const keys = await c.createAppender("vocab_in");
    for (const e of entries) {
      keys.appendVarchar(e.code);
      keys.endRow();
    }
    keys.closeSync();
    await c.run(
      "delete from _catalog.vocabulary where system = $system and code in (select code from vocab_in)",
      { system },
    );
    const appender = await c.createAppender("vocabulary", "_catalog");
    const text = (v: string | null) =>
      v === null ? appender.appendNull() : appender.appendVarchar(v);
    const num = (v: number | null) =>
      v === null ? appender.appendNull() : appender.appendDouble(v);
    for (const e of entries) {
      appender.appendVarchar(system);
      appender.appendVarchar(e.code);
      text(e.titleFi);
      text(e.titleEn);
      text(e.unit);
      num(e.plausibleMin);
      num(e.plausibleMax);
      appender.endRow();
    }
    appender.closeSync();
  });
  return entries.length;
}

/**
 * Loads the shipped code lists for systems the lake has no codes for yet, so a deployment's own
 * national lists (loaded with `kaivo vocab load`) are never overwritten.
 */
export async function loadShippedVocabularies(lake: Lake, dir = VOCAB_DIR): Promise<string[]> {
  const present = new Set(
    (await lake.query(sql`select distinct system from _catalog.vocabulary`)).map((r) =>
      String(r.system),
    ),
  );
  const loaded: string[] = [];
  for (const f of readdirSync(dir)
    .filter((f) => f.endsWith(".csv"))
    .sort()) {
    const system = f.replace(/\.csv$/, "");
    if (present.has(system)) continue;
    await storeVocabulary(lake, system, readVocabularyCsv(join(dir, f)));
    loaded.push(system);
  }
  return loaded;
}

export interface CodeTitle {
  system: string;
  code: string;
  titleFi: string | null;
  titleEn: string | null;
}

/**
 * Codes of a system matching patterns: `M05*` is a prefix, anything else an exact code. Returns
 * the vocabulary's codes; a pattern that matches none is reported by the caller.
 */
export async function resolveCodes(
  lake: Lake,
  system: string,
  patterns: string[],
): Promise<Map<string, CodeTitle[]>> {
  const out = new Map<string, CodeTitle[]>();
  for (const pattern of patterns) {
    const prefix = pattern.endsWith("*");
    const rows = await lake.query(
      prefix
        ? sql`select code, title_fi, title_en from _catalog.vocabulary where system = ${system} and starts_with(code, ${pattern.slice(0, -1)}) order by code`
        : sql`select code, title_fi, title_en from _catalog.vocabulary where system = ${system} and code = ${pattern}`,
    );
    out.set(
      pattern,
      rows.map((r) => ({
        system,
        code: String(r.code),
        titleFi: r.title_fi === null ? null : String(r.title_fi),
        titleEn: r.title_en === null ? null : String(r.title_en),
      })),
    );
  }
  return out;
}

/** Every vocabulary entry, for search and for titles in profiles. */
export async function allCodes(lake: Lake): Promise<CodeTitle[]> {
  return (
    await lake.query(
      sql`select system, code, title_fi, title_en from _catalog.vocabulary order by system, code`,
    )
  ).map((r) => ({
    system: String(r.system),
    code: String(r.code),
    titleFi: r.title_fi === null ? null : String(r.title_fi),
    titleEn: r.title_en === null ? null : String(r.title_en),
  }));
}
