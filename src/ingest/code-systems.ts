import { z } from "zod";
import { ConfigError } from "../shared/errors.js";

/**
 * The code systems ingest knows by URI, each with the pattern its codes follow. A coding in a
 * registered system whose code breaks the pattern is quarantined with a reason that names the
 * column, the code's shape and what was expected; a coding in a system not registered is kept
 * and counted in the load report, not quarantined (a new terminology must not lose records).
 */
export const CodeSystemSchema = z.strictObject({
  id: z.string().regex(/^[a-z][a-z0-9_-]{0,39}$/),
  title: z.string().min(1),
  /** Every URI the system is written with in exports (canonical URL, OIDs). */
  uris: z.array(z.string().min(1)).min(1),
  /** An RE2-compatible regular expression (DuckDB checks it too), anchored with ^ and $. */
  pattern: z.string().min(2),
  /** What a valid code looks like, for the quarantine reason: a steward reads it. */
  expected: z.string().min(1),
});
export type CodeSystemConfig = z.infer<typeof CodeSystemSchema>;

export const DEFAULT_CODE_SYSTEMS: CodeSystemConfig[] = [
  {
    id: "icd10",
    title: "ICD-10",
    // WHO's URI and THL's OID for the Finnish national version, which adds the marks + * # &
    // after a code (the cause and manifestation pair, e.g. E10.3+ H36.0*).
    uris: ["http://hl7.org/fhir/sid/icd-10", "urn:oid:1.2.246.537.6.1"],
    pattern: "^[A-Z][0-9][0-9A-Z](\\.[0-9A-Z]{1,2})?[+*#&]?$",
    expected: "a letter, two characters, then optionally a dot and one or two (E11.9, F32, E10.3+)",
  },
  {
    id: "icd10cm",
    title: "ICD-10-CM",
    uris: ["http://hl7.org/fhir/sid/icd-10-cm", "urn:oid:2.16.840.1.113883.6.90"],
    pattern: "^[A-Z][0-9][0-9A-Z](\\.[0-9A-Z]{1,4})?$",
    expected: "a letter, two characters, then optionally a dot and one to four (S72.001A)",
  },
  {
    id: "snomed",
    title: "SNOMED CT",
    uris: ["http://snomed.info/sct", "urn:oid:2.16.840.1.113883.6.96"],
    pattern: "^[1-9][0-9]{5,17}$",
    expected: "a concept id of 6 to 18 digits, not starting with 0 (44054006)",
  },
  {
    id: "atc",
    title: "ATC",
    uris: ["http://www.whocc.no/atc", "urn:oid:2.16.840.1.113883.6.73"],
    pattern: "^[ABCDGHJLMNPRSV]([0-9]{2}([A-Z]([A-Z]([0-9]{2})?)?)?)?$",
    expected:
      "an anatomical group letter, then levels of 2 digits, a letter, a letter, 2 digits (A10BA02)",
  },
  {
    id: "rxnorm",
    title: "RxNorm",
    uris: ["http://www.nlm.nih.gov/research/umls/rxnorm", "urn:oid:2.16.840.1.113883.6.88"],
    pattern: "^[0-9]{1,9}$",
    expected: "a concept id of 1 to 9 digits (860975)",
  },
  {
    id: "loinc",
    title: "LOINC",
    uris: ["http://loinc.org", "urn:oid:2.16.840.1.113883.6.1"],
    pattern: "^[0-9]{1,7}-[0-9]$",
    expected: "digits, a hyphen and a check digit (4548-4)",
  },
  {
    id: "ncsp",
    title: "NCSP",
    uris: ["urn:oid:1.2.246.537.6.2.2007", "urn:oid:1.2.246.537.6.2"],
    // NCSP-F, the Finnish version, adds codes such as FN1AC and WB001.
    pattern: "^[A-Z]{2}[0-9A-Z]{3,4}$",
    expected: "two letters, then three or four letters or digits (NFB40, FN1AC, WB001)",
  },
];

export interface CodeSystem {
  id: string;
  title: string;
  uris: string[];
  pattern: RegExp;
  expected: string;
}

export interface CodeSystemRegistry {
  systems: CodeSystem[];
  byUri(uri: string): CodeSystem | undefined;
  byId(id: string): CodeSystem | undefined;
}

/** The registry: the defaults, with a deployment's entries (configuration `codeSystems`) replacing those of the same id. */
export function codeSystemRegistry(
  extra: readonly CodeSystemConfig[] = [],
  defaults: readonly CodeSystemConfig[] = DEFAULT_CODE_SYSTEMS,
): CodeSystemRegistry {
  const byId = new Map<string, CodeSystem>();
  for (const s of [...defaults, ...extra]) {
    let pattern: RegExp;
    try {
      pattern = new RegExp(s.pattern);
    } catch {
      throw new ConfigError(`code system ${s.id}: its pattern is not a regular expression.`);
    }
    byId.set(s.id, { ...s, pattern });
  }
  const systems = [...byId.values()];
  const byUri = new Map<string, CodeSystem>();
  for (const s of systems) {
    for (const uri of s.uris) {
      const other = byUri.get(uri);
      if (other && other.id !== s.id) {
        throw new ConfigError(
          `code systems ${other.id} and ${s.id} both claim ${uri}: give each URI to one system in codeSystems.`,
        );
      }
      byUri.set(uri, s);
    }
  }
  return { systems, byUri: (uri) => byUri.get(uri), byId: (id) => byId.get(id) };
}

const SHAPE_LENGTH = 24;
const KEPT = " .-_/+*#&:";

/**
 * A code's shape for a quarantine reason, never its value: letters become A, digits 9, a few
 * punctuation marks stay, anything else is ?; past 24 characters, an ellipsis.
 */
export function codeShape(code: string): string {
  const chars = Array.from(code);
  const shape = chars
    .slice(0, SHAPE_LENGTH)
    .map((ch) => {
      if (/[A-Za-z]/.test(ch)) return "A";
      if (/[0-9]/.test(ch)) return "9";
      return KEPT.includes(ch) ? ch : "?";
    })
    .join("");
  return chars.length > SHAPE_LENGTH ? `${shape}…` : shape;
}

/** codeShape in DuckDB SQL, for the expression `x` (a VARCHAR): the two paths must agree. */
export function codeShapeSql(x: string): string {
  const head = `left(${x}, ${SHAPE_LENGTH})`;
  const letters = `regexp_replace(${head}, '[A-Za-z]', 'A', 'g')`;
  const digits = `regexp_replace(${letters}, '[0-9]', '9', 'g')`;
  const others = `regexp_replace(${digits}, '[^A9 ._/+*#&:-]', '?', 'g')`;
  return `(${others} || CASE WHEN length(${x}) > ${SHAPE_LENGTH} THEN '…' ELSE '' END)`;
}

/** The reason a code that breaks its system's pattern is quarantined with, around its shape. */
export function badCodeReason(
  column: string,
  system: CodeSystem,
): { before: string; after: string } {
  return {
    before: `unknown code: ${column} shaped "`,
    after: `" is not ${system.title} (expected ${system.expected})`,
  };
}

/** The reason for a code missing from a table's code list. */
export function unlistedCodeReason(
  column: string,
  file: string,
): { before: string; after: string } {
  return { before: `unknown code: ${column} shaped "`, after: `" is not in the code list ${file}` };
}

/** The checks of a table's coded column, as table-config resolves them. */
export interface CodeFormat {
  column: string;
  systemColumn?: string;
  system: CodeSystem;
  registry: CodeSystemRegistry;
}

/**
 * The system a row's code is checked against: the registered system of its URI, the table's
 * default when it has none, or undefined for a URI not registered (kept, and reported).
 */
export function systemOfRow(f: CodeFormat, row: Record<string, unknown>): CodeSystem | undefined {
  const uri = f.systemColumn ? row[f.systemColumn] : undefined;
  if (typeof uri !== "string" || uri === "") return f.system;
  return f.registry.byUri(uri);
}

/** Why a row's code is quarantined, or undefined when it passes (the JavaScript path). */
export function badCodeOfRow(f: CodeFormat, row: Record<string, unknown>): string | undefined {
  const code = row[f.column];
  if (typeof code !== "string") return undefined;
  const system = systemOfRow(f, row);
  if (!system || system.pattern.test(code)) return undefined;
  const r = badCodeReason(f.column, system);
  return `${r.before}${codeShape(code)}${r.after}`;
}
