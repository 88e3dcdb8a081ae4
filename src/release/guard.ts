import { readFileSync } from "node:fs";
import { RE2_CODICE_FISCALE } from "../identity/codice-fiscale.js";
import { RE2_PATTERNS } from "../identity/identifier-patterns.js";
import { RE2_NAMED_IDENTITY_NUMBER } from "../identity/nordic-ids.js";
import { RE2_COMPOUND_NUMBER, RE2_RECORD_NUMBER } from "../identity/record-numbers.js";
import { RE2_REFERENCE_CODE } from "../identity/reference-codes.js";
import type { Lake } from "../lake/lake.js";
import { ident, join, type Sql, sql } from "../lake/sql.js";

/**
 * Patterns of direct identifiers, in RE2 syntax for DuckDB (no look-behind: the edges are
 * explicit), built from the same cores as the ingest scrubber's. Anything shaped like an identity
 * code counts, valid check character or not.
 */
export const IDENTIFIER_PATTERNS = {
  "identity code": RE2_PATTERNS.hetu,
  "phone number": RE2_PATTERNS.phone,
  "e-mail address": RE2_PATTERNS.email,
  "street address": RE2_PATTERNS.streetAddress,
  "postal code with town": RE2_PATTERNS.postalTown,
  "record number": RE2_RECORD_NUMBER,
  "number after a compound label": RE2_COMPOUND_NUMBER,
  "reference code": RE2_REFERENCE_CODE,
  "identity number after its name": RE2_NAMED_IDENTITY_NUMBER,
  "Italian codice fiscale": RE2_CODICE_FISCALE,
} as const;

type Kind = keyof typeof IDENTIFIER_PATTERNS;

/**
 * Text blanked before a kind is looked for: what looks like an address but is not (anatomy words,
 * measurements, lab lists; see identifier-patterns.ts). RE2 has no look-around to say it in the
 * pattern itself.
 */
export const BLANKED_BEFORE: Partial<Record<Kind, string>> = {
  "street address": RE2_PATTERNS.notAddress,
  "postal code with town": RE2_PATTERNS.notAddress,
};

/** A SQL condition: whether a text column holds the kind of identifier. */
export function kindMatchSql(column: Sql, kind: Kind): Sql {
  const blank = BLANKED_BEFORE[kind];
  const text = blank ? sql`regexp_replace(${column}, ${blank}, ' ', 'g')` : column;
  return sql`regexp_matches(${text}, ${IDENTIFIER_PATTERNS[kind]})`;
}

/** How many times a text holds the kind of identifier, in JavaScript (for text files). */
export function kindCountIn(text: string, kind: Kind): number {
  const blank = BLANKED_BEFORE[kind];
  const scanned = blank ? text.replace(new RegExp(blank, "g"), " ") : text;
  return scanned.match(new RegExp(IDENTIFIER_PATTERNS[kind], "g"))?.length ?? 0;
}

export interface GuardHit {
  file: string;
  column: string;
  kind: keyof typeof IDENTIFIER_PATTERNS;
  rows: number;
}

/**
 * Reads every packaged Parquet file back and counts, per text column, values that look like an
 * identity code, a phone number, an e-mail address, a street address, a postal code with its
 * town, a number after a record-number label or a compound that names a number, or a reference
 * code; text files (codebook, README, metadata) are scanned too. The hits name where, never the value.
 */
export async function scanRelease(
  lake: Lake,
  parquetFiles: Array<{ file: string; path: string; pseudonyms: string[] }>,
  textFiles: Array<{ file: string; path: string }>,
): Promise<GuardHit[]> {
  const hits: GuardHit[] = [];
  for (const { file, path, pseudonyms } of parquetFiles) {
    const source = sql`read_parquet(${path})`;
    const columns = (await lake.query(sql`describe select * from ${source}`))
      // The permit's own pseudonyms are hex digests: digit runs in them are not phone numbers.
      .filter(
        (c) => String(c.column_type) === "VARCHAR" && !pseudonyms.includes(String(c.column_name)),
      )
      .map((c) => String(c.column_name));
    if (columns.length === 0) continue;
    // One pass with all patterns together; a column that hits is then counted per kind.
    const any = Object.values(IDENTIFIER_PATTERNS)
      .map((p) => `(${p})`)
      .join("|");
    const match = (c: string, pattern: string) => sql`regexp_matches(${ident(c)}, ${pattern})`;
    const [first] = await lake.query(
      sql`select ${join(columns.map((c, i) => sql`count(*) filter (where ${match(c, any)}) as ${ident(`h${i}`)}`))} from ${source}`,
    );
    for (const [i, column] of columns.entries()) {
      if (Number(first?.[`h${i}`] ?? 0) === 0) continue;
      const kinds = Object.keys(IDENTIFIER_PATTERNS) as Kind[];
      const [row] = await lake.query(
        sql`select ${join(kinds.map((kind, j) => sql`count(*) filter (where ${kindMatchSql(ident(column), kind)}) as ${ident(`k${j}`)}`))} from ${source}`,
      );
      for (const [j, kind] of kinds.entries()) {
        const n = Number(row?.[`k${j}`] ?? 0);
        if (n > 0) hits.push({ file, column, kind, rows: n });
      }
    }
  }
  for (const { file, path } of textFiles) {
    // Kaivo's own hashes (hex, 20 characters or more) are not identifiers; digit runs in them
    // could look like phone numbers.
    const text = readFileSync(path, "utf8").replace(/[0-9a-f]{20,}/g, "");
    for (const kind of Object.keys(IDENTIFIER_PATTERNS) as Kind[]) {
      const n = kindCountIn(text, kind);
      if (n > 0) hits.push({ file, column: "(text)", kind, rows: n });
    }
  }
  return hits;
}
