import { createHash } from "node:crypto";
import {
  closeSync,
  createReadStream,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeSync,
} from "node:fs";
import { basename, join } from "node:path";
import { createInterface } from "node:readline";
import type { SecretKey } from "../home/keys.js";
import { personIdentifierProblem } from "../identity/hetu.js";
import { recordKey } from "../identity/pseudonym.js";
import { scrubText } from "../identity/scrub.js";
import type { Vault } from "../identity/vault.js";
import { type Lake, META_COLUMNS } from "../lake/lake.js";
import { contentHash, mergeLoad } from "../lake/merge.js";
import { ValidationError } from "../shared/errors.js";
import { ViewRuntimeError } from "../views/errors.js";
import { referenceKey } from "../views/fhirpath.js";
import { evaluateResource } from "../views/reference.js";
import {
  assertNothingLost,
  bump,
  emptyTableReport,
  type LoadReport,
  type TableReport,
} from "./report.js";
import type { LakeTable } from "./table-config.js";

interface Manifest {
  transactionTime: string;
  output: Array<{ type: string; url: string; count?: number }>;
  deleted?: Array<{ type: string; url: string }>;
}

export interface ExportLoadOptions {
  source: string;
  personIdentifierSystem: string;
  stagingDir: string;
  /** How quarantine entries name the export's folder, e.g. "fhir" or "day-1/fhir". */
  label: string;
  onProgress?: (p: { file: string; bytes: number; totalBytes: number; records: number }) => void;
}

/** Folders of bulk exports under a path, oldest first: the path itself, or fhir/ then day-1, day-2, ... */
export function findExports(path: string): string[] {
  if (existsSync(join(path, "manifest.json"))) return [path];
  if (existsSync(join(path, "fhir", "manifest.json"))) {
    const days = readdirSync(path)
      .filter((d) => /^day-\d+$/.test(d) && existsSync(join(path, d, "fhir", "manifest.json")))
      .sort((a, b) => Number(a.slice(4)) - Number(b.slice(4)))
      .map((d) => join(path, d, "fhir"));
    return [join(path, "fhir"), ...days];
  }
  if (
    existsSync(path) &&
    statSync(path).isDirectory() &&
    readdirSync(path).some((f) => /\.(ndjson|jsonl)$/.test(f))
  ) {
    return [path]; // loose NDJSON files: the manifest is worked out from the files
  }
  throw new ValidationError(
    `No bulk export manifest.json, and no NDJSON files, in ${path} or ${join(path, "fhir")}.`,
    "Point kaivo ingest at a FHIR bulk export folder or a folder of NDJSON files.",
  );
}

/**
 * A manifest for loose NDJSON files: each file's type from its first readable line, the export
 * time now. The fingerprint covers names and sizes, so the same files loaded again change nothing.
 */
function looseManifest(dir: string): { manifest: Manifest; identity: string } {
  const output: Manifest["output"] = [];
  const identity: string[] = [];
  for (const name of readdirSync(dir)
    .filter((f) => /\.(ndjson|jsonl)$/.test(f))
    .sort()) {
    const file = join(dir, name);
    const head = readFileSync(file, "utf8")
      .slice(0, 1 << 20)
      .split("\n")
      .slice(0, 20);
    let type: string | undefined;
    for (const line of head) {
      try {
        type =
          String((JSON.parse(line) as { resourceType?: unknown }).resourceType ?? "") || undefined;
      } catch {
        continue;
      }
      if (type) break;
    }
    if (!type) continue;
    output.push({ type, url: name });
    identity.push(`${name}:${statSync(file).size}`);
  }
  return {
    manifest: { transactionTime: new Date().toISOString(), output, deleted: [] },
    identity: identity.join("\n"),
  };
}

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

const DATE_FIELDS = [
  "recordedDate",
  "effectiveDateTime",
  "performedDateTime",
  "authoredOn",
  "issued",
  "date",
  "started",
  "receivedTime",
];

function futureDate(r: Record<string, unknown>, limit: number): boolean {
  const dates = DATE_FIELDS.map((f) => r[f]);
  const period = r.period as { start?: unknown; end?: unknown } | undefined;
  if (period) dates.push(period.start, period.end);
  return dates.some((d) => typeof d === "string" && Date.parse(d) > limit);
}

/**
 * Loads one bulk export into the lake as one numbered load. Every record is loaded, unchanged, or
 * quarantined with a reason (the raw record encrypted in the vault); person identifiers become
 * lake pseudo-IDs, source ids keyed record keys, note text is scrubbed. The merge into the lake
 * is one transaction, so a load killed at any point leaves the lake as it was, and the same
 * export loaded again changes nothing.
 */
export async function loadExport(
  lake: Lake,
  vault: Vault,
  lakeKey: SecretKey,
  tables: LakeTable[],
  dir: string,
  options: ExportLoadOptions,
): Promise<LoadReport> {
  let manifest: Manifest;
  let fingerprint: string;
  if (existsSync(join(dir, "manifest.json"))) {
    const manifestText = readFileSync(join(dir, "manifest.json"), "utf8");
    manifest = JSON.parse(manifestText) as Manifest;
    fingerprint = contentHash(`${options.source}\n${manifestText}`);
  } else {
    const loose = looseManifest(dir);
    manifest = loose.manifest;
    fingerprint = contentHash(`${options.source}\nloose\n${loose.identity}`);
  }
  const report: LoadReport = {
    loadId: 0,
    source: options.source,
    export: dir,
    alreadyLoaded: false,
    transactionTime: manifest.transactionTime,
    tables: Object.fromEntries(tables.map((t) => [t.name, emptyTableReport()])),
    notLoaded: {},
  };
  const previous = await lake.loadWithFingerprint(options.source, fingerprint);
  if (previous !== undefined) return { ...report, loadId: previous, alreadyLoaded: true };
  const loadId = await lake.nextLoadId();
  report.loadId = loadId;
  const limit = Date.parse(manifest.transactionTime) + 86_400_000;
  const staging = join(options.stagingDir, `load-${loadId}`);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  // Staging files are written synchronously, so no write queue builds up in memory.
  const writers = new Map<string, { fd: number; buffer: string[] }>();
  const flush = (w: { fd: number; buffer: string[] }) => {
    if (w.buffer.length > 0) writeSync(w.fd, w.buffer.join(""));
    w.buffer = [];
  };
  const write = (table: string, line: string) => {
    let w = writers.get(table);
    if (!w) {
      w = { fd: openSync(join(staging, `${table}.ndjson`), "w"), buffer: [] };
      writers.set(table, w);
    }
    w.buffer.push(line);
    if (w.buffer.length >= 2000) flush(w);
  };
  const key = (id: unknown) =>
    typeof id === "string" && id ? recordKey(lakeKey, options.source, "id", id) : null;
  const patients = new Map<string, string>();
  const seen = new Set<number>(); // 53-bit hashes of "type/id": a few bytes per record
  const deleted = new Map<string, Set<string>>();

  const order = (type: string) =>
    type === "Patient" ? 0 : type === "Organization" || type === "Location" ? 1 : 2;
  const entries = [...manifest.output].sort((a, b) => order(a.type) - order(b.type));
  const totalBytes = entries.reduce((a, e) => a + safeSize(join(dir, basename(e.url))), 0);
  let bytesDone = 0;

  for (const entry of entries) {
    const file = join(dir, basename(entry.url));
    const forType = tables.filter((t) => t.resourceType === entry.type);
    let lineNo = 0;
    let records = 0;
    const lines = createInterface({
      input: createReadStream(file, "utf8"),
      crlfDelay: Number.POSITIVE_INFINITY,
    });
    for await (const raw of lines) {
      lineNo++;
      bytesDone += Buffer.byteLength(raw) + 1;
      if (raw.trim() === "") continue;
      records++;
      if (records % 5000 === 0)
        options.onProgress?.({ file: basename(file), bytes: bytesDone, totalBytes, records });
      if (forType.length === 0) {
        bump(report.notLoaded, entry.type);
        continue;
      }
      for (const t of forType) (report.tables[t.name] as TableReport).read++;
      const quarantine = (reason: string) => {
        vault.quarantine({
          loadId,
          source: options.source,
          file: `${options.label}/${basename(file)}`,
          line: lineNo,
          reason,
          raw,
        });
        for (const t of forType) bump((report.tables[t.name] as TableReport).quarantined, reason);
      };
      let resource: Record<string, unknown>;
      try {
        resource = JSON.parse(raw);
      } catch {
        quarantine("malformed JSON");
        continue;
      }
      const problem = checkRecord(resource, entry.type, seen, limit);
      if (problem) {
        quarantine(problem);
        continue;
      }
      let pseudoId: string | null = null;
      if (entry.type === "Patient") {
        const identifier = (
          resource.identifier as Array<{ system?: unknown; value?: unknown }> | undefined
        )?.find((i) => i?.system === options.personIdentifierSystem)?.value;
        const identifierProblem = personIdentifierProblem(
          options.personIdentifierSystem,
          identifier,
        );
        if (identifierProblem || typeof identifier !== "string") {
          quarantine(identifierProblem ?? "no person identifier");
          continue;
        }
        pseudoId = vault.registerPerson(options.personIdentifierSystem, identifier);
        vault.linkSource(options.source, resource.id as string, pseudoId);
        vault.rememberNames(pseudoId, personNames(resource));
        patients.set(resource.id as string, pseudoId);
      } else if ("subject" in resource) {
        const sourceId = referenceKey(
          (resource.subject as { reference?: unknown }).reference,
          "Patient",
        );
        pseudoId = sourceId
          ? (patients.get(sourceId) ?? vault.findBySource(options.source, sourceId) ?? null)
          : null;
        if (!pseudoId) {
          quarantine("unresolvable subject");
          continue;
        }
        if (sourceId && !patients.has(sourceId)) patients.set(sourceId, pseudoId);
      }
      const staged: Array<[string, string]> = [];
      let rejected: string | undefined;
      for (const t of forType) {
        const outcome = mapRecord(t, resource, pseudoId, key, vault, options.source);
        if (typeof outcome === "string") {
          rejected = outcome;
          break;
        }
        staged.push(...outcome.lines.map((l): [string, string] => [t.name, l]));
        for (const [k, n] of Object.entries(outcome.redactions))
          bump((report.tables[t.name] as TableReport).redactions, k, n);
      }
      if (rejected) {
        quarantine(rejected);
        continue;
      }
      for (const [table, line] of staged) write(table, line);
    }
    options.onProgress?.({ file: basename(file), bytes: bytesDone, totalBytes, records });
  }
  for (const entry of manifest.deleted ?? []) {
    const lines = readFileSync(join(dir, basename(entry.url)), "utf8")
      .split("\n")
      .filter(Boolean);
    for (const line of lines) {
      const bundle = JSON.parse(line) as {
        entry?: Array<{ request?: { method?: string; url?: string } }>;
      };
      for (const e of bundle.entry ?? []) {
        const [type, id] = (e.request?.url ?? "").split("/");
        if (e.request?.method !== "DELETE" || !type || !id) continue;
        const set = deleted.get(type) ?? new Set<string>();
        set.add(key(id) as string);
        deleted.set(type, set);
      }
    }
  }
  for (const w of writers.values()) {
    flush(w);
    closeSync(w.fd);
  }
  try {
    await mergeLoad(
      lake,
      tables.map((t) => ({
        registry: t.registry,
        name: t.name,
        columns: lakeColumns(t),
        stagingFile: join(staging, `${t.name}.ndjson`),
        deletedKeys: deleted.get(t.resourceType),
        report: report.tables[t.name] as TableReport,
      })),
      { loadId, fingerprint, report },
    );
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  assertNothingLost(report);
  return report;
}

function safeSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

function personNames(r: Record<string, unknown>): string[] {
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

/** Structural checks before any mapping; the reason names what is wrong, never the value. */
/** 53 bits of SHA-256: collisions between distinct ids of one export are beyond reach. */
function idHash(text: string): number {
  const digest = createHash("sha256").update(text).digest();
  return digest.readUIntBE(0, 6) * 32 + ((digest[6] as number) % 32);
}

function checkRecord(
  r: Record<string, unknown>,
  type: string,
  seen: Set<number>,
  limit: number,
): string | undefined {
  if (r.resourceType !== type) return "unexpected resource type";
  if (typeof r.id !== "string" || !r.id) return "wrong type: id";
  const id = idHash(`${type}/${r.id}`);
  if (seen.has(id)) return "duplicate record";
  seen.add(id);
  if (type !== "Patient" && type !== "Organization" && type !== "Location") {
    if (!("subject" in r)) return "missing subject";
    if (typeof r.subject !== "object" || r.subject === null) return "wrong type: subject";
  }
  if (futureDate(r, limit)) return "date in the future";
  return undefined;
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
function mapRecord(
  table: LakeTable,
  resource: Record<string, unknown>,
  pseudoId: string | null,
  key: (id: unknown) => string | null,
  vault: Vault,
  source: string,
): { lines: string[]; redactions: Record<string, number> } | string {
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
        const scrubbed = scrubText(
          text,
          pseudoId ? { isPersonName: vault.nameChecker(pseudoId) } : {},
        );
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
      const code = out[table.codeFormat.column];
      if (typeof code === "string" && !table.codeFormat.pattern.test(code)) return "unknown code";
    }
    if (table.knownCodes) {
      const code = out[table.knownCodes.column];
      if (typeof code === "string" && !table.knownCodes.codes.has(code)) return "unknown code";
    }
    mapped.push(out);
  }
  const recordHash = contentHash(JSON.stringify(mapped));
  const recordKeyValue = key(rows[0]?.[idColumn]);
  const eventDateOf = (r: Record<string, unknown>) => {
    const v = table.eventDate ? r[table.eventDate] : undefined;
    return typeof v === "string" && /^\d{4}-\d\d-\d\d/.test(v) ? v.slice(0, 10) : null;
  };
  return {
    lines: mapped.map(
      (r) =>
        `${JSON.stringify({ record_key: recordKeyValue, pseudo_id: pseudoId, event_date: eventDateOf(r), source, record_hash: recordHash, ...r })}\n`,
    ),
    redactions,
  };
}
