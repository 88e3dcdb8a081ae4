import { personIdentifierProblem } from "../identity/hetu.js";
import { nameKeys } from "../identity/name-forms.js";
import { patientIdentifierKeys } from "../identity/person-identifiers.js";
import { type ScrubContext, scrubText } from "../identity/scrub.js";
import type { Vault } from "../identity/vault.js";
import { META_COLUMNS } from "../lake/lake.js";
import { ViewRuntimeError } from "../views/errors.js";
import { evaluateResource } from "../views/reference.js";
import { badCodeOfRow, codeShape, unlistedCodeReason } from "./code-systems.js";
import { bump } from "./report.js";
import { subjectKeyOf } from "./subject-reference.js";
import type { LakeTable } from "./table-config.js";

// The exact, record-at-a-time path: the reference evaluator and checks in JavaScript. A load
// sends here only the lines its SQL checks could not vouch for (see fhir-ingest.ts).

const DUCK_TYPES: Record<string, string> = {
  decimal: "DOUBLE",
  integer: "BIGINT",
  unsignedInt: "BIGINT",
  positiveInt: "BIGINT",
  integer64: "BIGINT",
  boolean: "BOOLEAN",
};
const JS_TYPES: Record<string, string> = {
  DOUBLE: "number",
  BIGINT: "number",
  BOOLEAN: "boolean",
  VARCHAR: "string",
};

/** The lake columns of a table: meta columns, then the view's columns with ids keyed and text scrubbed. */
export function lakeColumns(table: LakeTable): Array<[string, string]> {
  const own = table.plan.columns
    .slice(1) // the record's own id becomes record_key
    .filter((c) => c.name !== "patient_id")
    .flatMap(
      (c): Array<[string, string]> =>
        table.text?.column === c.name
          ? [
              ["text", "VARCHAR"],
              ["redactions", "JSON"],
            ]
          : [[c.name, c.collection ? "JSON" : (DUCK_TYPES[c.type ?? ""] ?? "VARCHAR")]],
    );
  return [...META_COLUMNS.map(([n, t]) => [n, t] as [string, string]), ...own];
}

/** Where a resource carries the dates checked against the export's time. */
export const DATE_FIELDS = [
  "recordedDate",
  "effectiveDateTime",
  "performedDateTime",
  "authoredOn",
  "issued",
  "date",
  "started",
  "receivedTime",
];

/**
 * Whether a date lies after `limitDay` (YYYY-MM-DD, the day after the export): compared as text
 * on its first ten characters, as the load's SQL compares it, so "2031" is in the future.
 */
function futureDate(r: Record<string, unknown>, limitDay: string): boolean {
  const dates = DATE_FIELDS.map((f) => r[f]);
  const period = r.period as { start?: unknown; end?: unknown } | undefined;
  if (period) dates.push(period.start, period.end);
  return dates.some((d) => typeof d === "string" && d.slice(0, 10) > limitDay);
}

export function personNames(r: Record<string, unknown>): string[] {
  const words: string[] = [];
  const add = (name: unknown) => {
    const n = name as { family?: unknown; given?: unknown } | undefined;
    if (typeof n?.family === "string") words.push(...n.family.split(/[\s-]+/));
    if (Array.isArray(n?.given))
      for (const g of n.given) if (typeof g === "string") words.push(...g.split(/[\s-]+/));
  };
  for (const n of (r.name as unknown[]) ?? []) add(n);
  for (const c of (r.contact as Array<{ name?: unknown }>) ?? []) add(c?.name);
  return words;
}

/** Whether a type's records must name their patient. */
export function needsSubject(type: string): boolean {
  return type !== "Patient" && type !== "Organization" && type !== "Location";
}

/** The checks made before a record's id counts as seen; the reason names what is wrong, never the value. */
function checkIdentity(r: Record<string, unknown>, type: string): string | undefined {
  if (r.resourceType !== type) return "unexpected resource type";
  if (typeof r.id !== "string" || !r.id) return "wrong type: id";
  return undefined;
}

/** Structural checks after the duplicate check, before any mapping. */
function checkRecord(
  r: Record<string, unknown>,
  type: string,
  limitDay: string,
): string | undefined {
  if (needsSubject(type)) {
    if (!("subject" in r)) return "missing subject";
    if (typeof r.subject !== "object" || r.subject === null) return "wrong type: subject";
  }
  if (futureDate(r, limitDay)) return "date in the future";
  return undefined;
}

/** What the exact path needs from the load around it. */
export interface RecordContext {
  type: string;
  tables: LakeTable[];
  source: string;
  /** Identifier systems that key a person, in order of preference. */
  personIdentifierSystems: readonly string[];
  limitDay: string;
  vault: Vault;
  /** The lake key of a source id (the same as the load's SQL computes). */
  key: (id: unknown) => string | null;
  /** The pseudo-ID of a source patient id: from this load's patients, else from the vault. */
  resolvePatient: (sourceId: string) => Promise<string | undefined>;
  /** Whether a record id of this type came earlier in the export (the caller keeps count). */
  seenId: (id: string) => boolean;
}

/**
 * The identifier that keys a Patient: of the first listed system it has a value of, checked by
 * that system's rules (a hetu's check character); or why there is none.
 */
export function personIdentifierOf(
  resource: Record<string, unknown>,
  systems: readonly string[],
): { system: string; value: string } | { problem: string } {
  const identifiers = Array.isArray(resource.identifier)
    ? (resource.identifier as Array<{ system?: unknown; value?: unknown } | null>)
    : [];
  for (const system of systems) {
    const value = identifiers.find((i) => i?.system === system && i.value)?.value;
    if (value === undefined) continue;
    const problem = personIdentifierProblem(system, value);
    if (problem || typeof value !== "string") return { problem: problem ?? "no person identifier" };
    return { system, value };
  }
  return { problem: "no person identifier" };
}

/** One line's outcome: its rows for each table (objects in lake columns), or why not. */
export type RecordOutcome =
  | {
      rows: Array<{ table: string; row: Record<string, unknown> }>;
      redactions: Record<string, Record<string, number>>;
    }
  | { reason: string };

/** The exact path for one line: parse, check, resolve the person, map with the reference evaluator. */
export async function mapLine(raw: string, ctx: RecordContext): Promise<RecordOutcome> {
  let resource: Record<string, unknown>;
  try {
    resource = JSON.parse(raw);
  } catch {
    return { reason: "malformed JSON" };
  }
  if (typeof resource !== "object" || resource === null || Array.isArray(resource))
    return { reason: "unexpected resource type" };
  const identity = checkIdentity(resource, ctx.type);
  if (identity) return { reason: identity };
  if (ctx.seenId(resource.id as string)) return { reason: "duplicate record" };
  const problem = checkRecord(resource, ctx.type, ctx.limitDay);
  if (problem) return { reason: problem };
  let pseudoId: string | null = null;
  if (ctx.type === "Patient") {
    const keyed = personIdentifierOf(resource, ctx.personIdentifierSystems);
    if ("problem" in keyed) return { reason: keyed.problem };
    pseudoId = registerPatient(ctx.vault, ctx.source, keyed.system, keyed.value, resource);
  } else if ("subject" in resource) {
    const sourceId = subjectKeyOf((resource.subject as { reference?: unknown }).reference);
    pseudoId = sourceId ? ((await ctx.resolvePatient(sourceId)) ?? null) : null;
    if (!pseudoId) return { reason: "unresolvable subject" };
  }
  const rows: Array<{ table: string; row: Record<string, unknown> }> = [];
  const redactions: Record<string, Record<string, number>> = {};
  for (const t of ctx.tables) {
    const outcome = mapRecord(t, resource, pseudoId, ctx.key, ctx.vault, ctx.source);
    if (typeof outcome === "string") return { reason: outcome };
    rows.push(...outcome.rows.map((row) => ({ table: t.name, row })));
    redactions[t.name] = outcome.redactions;
  }
  return { rows, redactions };
}

/**
 * Registers a person in the vault (identifier, source id, keyed name words and identifier
 * values); their pseudo-ID.
 */
export function registerPatient(
  vault: Vault,
  source: string,
  system: string,
  identifier: string,
  resource: Record<string, unknown>,
): string {
  const pseudoId = vault.registerPerson(system, identifier);
  vault.linkSource(source, resource.id as string, pseudoId);
  vault.rememberNames(pseudoId, personNames(resource).flatMap(nameKeys));
  vault.rememberIdentifiers(pseudoId, patientIdentifierKeys(resource));
  return pseudoId;
}

/** What the scrubber checks a person's notes against: their names and identifier values, by hash. */
export function personScrubContext(vault: Vault, pseudoId: string): ScrubContext {
  return {
    isPersonName: vault.nameChecker(pseudoId),
    isPersonIdentifier: vault.identifierChecker(pseudoId),
  };
}

const typesByTable = new WeakMap<LakeTable, Map<string, string>>();

/** The lake type of each column, worked out once per table rather than per record. */
function columnTypes(table: LakeTable): Map<string, string> {
  let types = typesByTable.get(table);
  if (!types) {
    types = new Map(lakeColumns(table));
    typesByTable.set(table, types);
  }
  return types;
}

/** A record's rows for one table, or the reason it cannot be loaded. */
export function mapRecord(
  table: LakeTable,
  resource: Record<string, unknown>,
  pseudoId: string | null,
  key: (id: unknown) => string | null,
  vault: Vault,
  source: string,
): { rows: Array<Record<string, unknown>>; redactions: Record<string, number> } | string {
  let rows: Array<Record<string, unknown>>;
  try {
    rows = evaluateResource(table.plan, resource);
  } catch (error) {
    if (error instanceof ViewRuntimeError) return "unexpected structure";
    throw error;
  }
  if (rows.length === 0) return "no rows for the table";
  const types = columnTypes(table);
  const idColumn = table.plan.columns[0]?.name as string;
  const redactions: Record<string, number> = {};
  const mapped: Array<Record<string, unknown>> = [];
  for (const row of rows) {
    const out: Record<string, unknown> = {};
    for (const c of table.plan.columns) {
      const value = row[c.name];
      if (c.name === idColumn || c.name === "patient_id") continue;
      if (table.text?.column === c.name) {
        const text = typeof value === "string" ? Buffer.from(value, "base64").toString("utf8") : "";
        const scrubbed = scrubText(text, pseudoId ? personScrubContext(vault, pseudoId) : {});
        out.text = scrubbed.text;
        out.redactions = scrubbed.redactions;
        for (const [k, n] of Object.entries(scrubbed.redactions)) bump(redactions, k, n);
        continue;
      }
      if (c.name.endsWith("_id")) {
        out[c.name] = key(value);
        continue;
      }
      const type = types.get(c.name) ?? "VARCHAR";
      if (value !== null && !c.collection && typeof value !== JS_TYPES[type])
        return `wrong type: ${c.name}`;
      out[c.name] = value;
    }
    if (table.codeFormat) {
      const bad = badCodeOfRow(table.codeFormat, out);
      if (bad) return bad;
    }
    if (table.knownCodes) {
      const { column, file, codes } = table.knownCodes;
      const code = out[column];
      if (typeof code === "string" && !codes.has(code)) {
        const r = unlistedCodeReason(column, file);
        return `${r.before}${codeShape(code)}${r.after}`;
      }
    }
    mapped.push(out);
  }
  const recordKeyValue = key(rows[0]?.[idColumn]);
  // The first of the table's date columns that holds a date (performed, else performedPeriod's
  // start), as the load's SQL takes it.
  const eventDateOf = (r: Record<string, unknown>) => {
    for (const column of table.eventDates ?? []) {
      const v = r[column];
      if (typeof v === "string" && /^\d{4}-\d\d-\d\d/.test(v)) return v.slice(0, 10);
    }
    return null;
  };
  return {
    rows: mapped.map((r) => ({
      record_key: recordKeyValue,
      pseudo_id: pseudoId,
      event_date: eventDateOf(r),
      source,
      ...r,
    })),
    redactions,
  };
}
