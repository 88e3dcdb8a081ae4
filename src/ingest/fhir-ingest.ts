import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { availableParallelism } from "node:os";
import { basename, join } from "node:path";
import { type DuckDBConnection, listValue } from "@duckdb/node-api";
import type { SecretKey } from "../home/keys.js";
import { LAKE_KEY_MACRO, recordKey } from "../identity/pseudonym.js";
import type { Vault } from "../identity/vault.js";
import { dropKeyedHash, installKeyedHash } from "../lake/keyed-sql.js";
import type { Lake } from "../lake/lake.js";
import { type MergeTable, mergeLoad } from "../lake/merge.js";
import { ValidationError } from "../shared/errors.js";
import { BufferedFile } from "./buffered-file.js";
import { CheckAhead } from "./check-ahead.js";
import {
  type Manifest,
  NDJSON_FILE,
  readablePath,
  readExportListing,
  readText,
} from "./export-files.js";
import {
  CHECKS_DB,
  checksAppender,
  LineChecks,
  LineReasons,
  markDuplicates,
  markUnresolvedSubjects,
  NOT_BLANK,
  PATIENTS,
} from "./line-checks.js";
import { type LoadFile, LoadLines, numberedLinesSql } from "./numbered-lines.js";
import {
  lakeColumns,
  mapLine,
  needsSubject,
  personIdentifierOf,
  registerPatient,
} from "./record-mapping.js";
import {
  assertNothingLost,
  bump,
  emptyTableReport,
  type LoadReport,
  type TableReport,
} from "./report.js";
import { streamRows } from "./stream-rows.js";
import { resolveSubject } from "./subject-reference.js";
import type { LakeTable } from "./table-config.js";
import {
  countUnregisteredCodes,
  emptyStage,
  mapTable,
  scrubNotes,
  stageTable,
  type TableLoad,
  tableLoad,
} from "./table-load.js";

/** Where a load is, reported every half second and at each step. */
export interface LoadProgress {
  /** The export, as quarantine entries name its folder. */
  label: string;
  /** Input bytes read and checked (the checks run ahead of the rest of the load). */
  checkedBytes: number;
  /** Input bytes whose records are mapped, keyed and staged, or quarantined. */
  loadedBytes: number;
  totalBytes: number;
  /** Records (lines) staged or quarantined so far. */
  records: number;
  /** What the load does now: a resource type and its files, or the merge. */
  doing: string;
}

export interface ExportLoadOptions {
  source: string;
  /** Identifier systems that key a person, in order of preference. */
  personIdentifierSystems: readonly string[];
  stagingDir: string;
  /** How quarantine entries name the export's folder, e.g. "fhir" or "day-1/fhir". */
  label: string;
  onProgress?: (p: LoadProgress) => void;
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
    readdirSync(path).some((f) => NDJSON_FILE.test(f))
  ) {
    return [path]; // loose NDJSON files: the manifest is worked out from the files
  }
  throw new ValidationError(
    `No bulk export manifest.json, and no NDJSON files, in ${path} or ${join(path, "fhir")}.`,
    "Point kaivo ingest at a FHIR bulk export folder or a folder of NDJSON files.",
  );
}

/** The export's files, grouped by resource type: patients first, then places, then the rest. */
async function filesByType(
  dir: string,
  manifest: Manifest,
  label: string,
  staging: string,
): Promise<Map<string, LoadFile[]>> {
  const order = (type: string) =>
    type === "Patient" ? 0 : type === "Organization" || type === "Location" ? 1 : 2;
  const entries = [...manifest.output].sort((a, b) => order(a.type) - order(b.type));
  const groups = new Map<string, LoadFile[]>();
  for (const [i, entry] of entries.entries()) {
    const name = basename(entry.url);
    const path = await readablePath(join(dir, name), staging);
    const files = groups.get(entry.type) ?? [];
    files.push({ fileNo: i + 1, path, label: `${label}/${name}`, bytes: statSync(path).size });
    groups.set(entry.type, files);
  }
  return groups;
}

/**
 * Loads one bulk export into the lake as one numbered load. Every record is loaded, unchanged, or
 * quarantined with a reason (the raw record encrypted in the vault); person identifiers become
 * lake pseudo-IDs, source ids keyed record keys, note text is scrubbed. The work runs in DuckDB
 * (line-checks.ts, table-load.ts); JavaScript sees patients, note text, and the few lines the SQL
 * checks send to the exact path. The merge into the lake is one transaction, so a load killed at
 * any point leaves the lake as it was, and the same export loaded again changes nothing.
 */
export async function loadExport(
  lake: Lake,
  vault: Vault,
  lakeKey: SecretKey,
  tables: LakeTable[],
  dir: string,
  options: ExportLoadOptions,
): Promise<LoadReport> {
  const { manifest, fingerprint, unreadable } = await readExportListing(dir, options.source);
  const report: LoadReport = {
    loadId: 0,
    source: options.source,
    export: dir,
    alreadyLoaded: false,
    transactionTime: manifest.transactionTime,
    tables: Object.fromEntries(tables.map((t) => [t.name, emptyTableReport()])),
    notLoaded: {},
    unreadable: Object.fromEntries(
      Object.entries(unreadable).map(([file, lines]) => [`${options.label}/${file}`, lines]),
    ),
    seconds: {},
  };
  const previous = await lake.loadWithFingerprint(options.source, fingerprint);
  if (previous !== undefined) return { ...report, loadId: previous, alreadyLoaded: true };
  const loadId = await lake.nextLoadId();
  report.loadId = loadId;
  const limitDay = new Date(Date.parse(manifest.transactionTime) + 86_400_000)
    .toISOString()
    .slice(0, 10);
  const staging = join(options.stagingDir, `load-${loadId}`);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const c = lake.connection;
  const groups = await filesByType(dir, manifest, options.label, staging);
  const totalBytes = [...groups.values()].flat().reduce((a, f) => a + f.bytes, 0);
  let bytesDone = 0;
  const key = (id: unknown) =>
    typeof id === "string" && id ? recordKey(lakeKey, options.source, "id", id) : null;
  const loads: TableLoad[] = [];
  const work = loadWork(groups, tables, staging);
  const mapped = work.filter((w) => w.loads.length > 0 && w.files.length > 0);
  const bytesOf = (files: LoadFile[]) => files.reduce((a, f) => a + f.bytes, 0);
  await c.run(`ATTACH IF NOT EXISTS ':memory:' AS ${CHECKS_DB}`);
  const checker = await lake.connect();
  const helpers = await Promise.all(Array.from({ length: CHECK_HELPERS }, () => lake.connect()));
  const checkers = [checker, ...helpers];
  const writer = await lake.connect();
  const ahead = new CheckAhead(
    checker,
    helpers,
    mapped.map((w) => {
      const views = w.loads.flatMap((l) =>
        l.compiled ? [{ column: l.parsed, schema: l.compiled.schema }] : [],
      );
      const checks = new LineChecks(w.type, w.files, views, limitDay, w.chk);
      return {
        prepare: (conn) => checks.create(conn),
        parts: w.files.map((f) => ({ bytes: f.bytes, run: (conn) => checks.checkFile(conn, f) })),
        finish: (conn) => markDuplicates(conn, w.chk),
      };
    }),
    CHECK_AHEAD_BYTES,
  );
  // Types no lake table takes are only counted, never checked.
  const unchecked = work
    .filter((w) => !mapped.includes(w))
    .reduce((a, w) => a + bytesOf(w.files), 0);
  let recordsDone = 0;
  let doing = "checking";
  const progress = () =>
    options.onProgress?.({
      label: options.label,
      checkedBytes: ahead.checkedBytes() + unchecked,
      loadedBytes: bytesDone,
      totalBytes,
      records: recordsDone,
      doing,
    });
  if (options.onProgress) {
    // DuckDB tracks a statement's progress only when asked to (and then must not print it).
    for (const checker of checkers) {
      await checker.run("SET enable_progress_bar = true");
      await checker.run("SET enable_progress_bar_print = false");
    }
  }
  const ticker = options.onProgress ? setInterval(progress, 500) : undefined;
  ticker?.unref();
  try {
    // Rows are joined by file and line and sorted where order matters; keeping the order of
    // insertion as well held so much in memory that a 500 k-person export failed at 1 GB.
    await c.run("SET preserve_insertion_order = false");
    await installKeyedHash(c, LAKE_KEY_MACRO, lakeKey);
    await c.run(`CREATE OR REPLACE TABLE ${PATIENTS} (source_id VARCHAR, pseudo_id VARCHAR)`);
    for (const { type, files: present, loads: forType, chk } of work) {
      const linesSql = numberedLinesSql(present);
      const job = mapped.findIndex((w) => w.type === type);
      if (job < 0) {
        bytesDone += bytesOf(present);
        if (present.length > 0) {
          const n = await count(c, `SELECT count(*) FROM (${linesSql}) WHERE ${NOT_BLANK}`);
          if (n > 0) report.notLoaded[type] = n;
        }
        continue;
      }
      loads.push(...forType);
      const reports = forType.map((l) => report.tables[l.table.name] as TableReport);
      const what = `${type} (${present.length} file${present.length === 1 ? "" : "s"})`;
      doing = `${what}: waiting for its checks`;
      progress();
      let mark = performance.now();
      /** Times the step just done, and says which comes next. */
      const step = (name: string, next: string) => {
        const now = performance.now();
        report.seconds[name] = round((report.seconds[name] ?? 0) + (now - mark) / 1000);
        mark = now;
        doing = `${what}: ${next}`;
      };
      await ahead.ready(job);
      step("check", "people");
      if (type === "Patient") {
        await refuseMostlyUnkeyed(c, present, options.personIdentifierSystems);
        await registerPatients(c, writer, vault, present, chk, options);
      }
      if (needsSubject(type))
        await markUnresolvedSubjects(c, chk, (key) =>
          resolveSubject(vault, options.source, options.personIdentifierSystems, key),
        );
      step("persons", "views");
      for (const l of forType) await mapTable(c, l);
      step("views", "records checked one by one");
      await runExactPath(lake, c, writer, vault, present, forType, reports, {
        type,
        chk,
        key,
        limitDay,
        options,
      });
      for (const [i, l] of forType.entries()) {
        step("exact", "note text");
        await scrubNotes(c, writer, l, vault, reports[i] as TableReport);
        step("notes", "keys and hashes");
        await stageTable(c, l, options.source);
        await countUnregisteredCodes(c, l, reports[i] as TableReport);
        step("keys", "quarantine");
      }
      await quarantineRejected(c, vault, present, chk, reports, loadId, options.source);
      step("quarantine", "done");
      const read = await count(c, `SELECT count(*) FROM ${chk}`);
      for (const r of reports) r.read = read;
      await c.run(`DROP TABLE ${chk}`);
      bytesDone += bytesOf(present);
      recordsDone += read;
      progress();
    }
    for (const t of tables) {
      if (loads.some((l) => l.table === t)) continue;
      const l = tableLoad(t, join(staging, `${t.name}.exact.ndjson`), ""); // no lines to check
      await emptyStage(c, l);
      loads.push(l);
    }
    const deleted = deletedKeys(dir, manifest, key);
    doing = "merging into the lake";
    progress();
    const merging = performance.now();
    await mergeLoad(
      lake,
      loads.map(
        (l): MergeTable => ({
          registry: l.table.registry,
          name: l.table.name,
          columns: lakeColumns(l.table),
          staging: { table: l.stage },
          deletedKeys: deleted.get(l.table.resourceType),
          textColumn: l.table.text ? "text" : undefined,
          report: report.tables[l.table.name] as TableReport,
        }),
      ),
      { loadId, fingerprint, report },
      () => {
        report.seconds.merge = round((performance.now() - merging) / 1000);
      },
    );
  } finally {
    clearInterval(ticker);
    await ahead.settle();
    for (const checker of checkers) checker.closeSync();
    writer.closeSync();
    await c.run(`DETACH DATABASE IF EXISTS ${CHECKS_DB}`);
    for (const l of loads) await c.run(`DROP TABLE IF EXISTS ${l.stage}`);
    await dropKeyedHash(c, LAKE_KEY_MACRO);
    await c.run("RESET preserve_insertion_order");
    rmSync(staging, { recursive: true, force: true });
  }
  assertNothingLost(report);
  return report;
}

/**
 * The export's resource types in load order, each with its files and its lake tables' loads. Each
 * type's check table is in an in-memory database that both the load's connection and the checks'
 * own (CheckAhead) can see.
 */
function loadWork(
  groups: Map<string, LoadFile[]>,
  tables: LakeTable[],
  staging: string,
): Array<{ type: string; files: LoadFile[]; loads: TableLoad[]; chk: string }> {
  return [...groups].map(([type, files], i) => {
    const chk = `${CHECKS_DB}.chk_${i}`;
    return {
      type,
      files: files.filter((f) => f.bytes > 0 || existsSync(f.path)),
      loads: tables
        .filter((t) => t.resourceType === type)
        .map((t) => tableLoad(t, join(staging, `${t.name}.exact.ndjson`), chk)),
      chk,
    };
  });
}

/** How much input the checks may run ahead of the rest of the load. */
const CHECK_AHEAD_BYTES = 512 * 1024 * 1024;
/** Connections that help check the files of the type the load waits for: one per other core. */
const CHECK_HELPERS = Math.max(1, availableParallelism() - 1);

const round = (seconds: number) => Math.round(seconds * 100) / 100;

async function count(c: DuckDBConnection, sql: string): Promise<number> {
  const rows = (await c.runAndReadAll(sql)).getRows();
  return Number(rows[0]?.[0] ?? 0);
}

/**
 * Patients that passed the checks: the identity code is validated, the person registered in the
 * vault (identifier, source id, keyed name words) and their pseudo-ID appended to PATIENTS on
 * `writer`. The lines are read straight from the files, in one forward pass beside the stream of
 * their numbers, and the vault takes them in large transactions (each commit waits for the disk).
 */
async function registerPatients(
  c: DuckDBConnection,
  writer: DuckDBConnection,
  vault: Vault,
  files: LoadFile[],
  chk: string,
  options: ExportLoadOptions,
): Promise<void> {
  const passed = streamRows(
    c,
    `SELECT file_no, line, bytes FROM ${chk} WHERE reason IS NULL ORDER BY file_no, line`,
  );
  const patients = await checksAppender(writer, PATIENTS);
  const rejected = await LineReasons.open(writer);
  const read = new LoadLines(files);
  let batch: Array<[number, number, string]> = [];
  const register = () =>
    vault.transaction(() => {
      for (const [fileNo, line, raw] of batch) {
        const resource = JSON.parse(raw) as Record<string, unknown>;
        const keyed = personIdentifierOf(resource, options.personIdentifierSystems);
        if ("problem" in keyed) {
          rejected.add(fileNo, line, keyed.problem);
          continue;
        }
        const pseudoId = registerPatient(
          vault,
          options.source,
          keyed.system,
          keyed.value,
          resource,
        );
        patients.appendVarchar(resource.id as string);
        patients.appendVarchar(pseudoId);
        patients.endRow();
      }
      batch = [];
    });
  try {
    for await (const chunk of passed) {
      for (const [fileNo, line, bytes] of chunk)
        batch.push([
          Number(fileNo),
          Number(line),
          read.line(Number(fileNo), Number(line), Number(bytes)),
        ]);
      if (batch.length >= PATIENT_BATCH) register();
    }
    register();
  } finally {
    read.close();
    patients.closeSync();
    rejected.close();
  }
  await rejected.applyTo(c, chk);
}

/**
 * A load in which most Patients (and ten or more) have none of the configured identifier systems
 * is refused before
 * anyone is registered, naming the systems the export's Patients do carry (system URIs only,
 * never values) and the setting to change: quarantining nearly everyone, and every record after
 * them as unresolvable, helps no one.
 */
const MOSTLY_UNKEYED_AT_LEAST = 10;

async function refuseMostlyUnkeyed(
  c: DuckDBConnection,
  files: LoadFile[],
  systems: readonly string[],
): Promise<void> {
  const lines = `SELECT raw FROM (${numberedLinesSql(files)}) WHERE ${NOT_BLANK} AND json_valid(raw)`;
  const systemsOf = "json_extract_string(raw, '$.identifier[*].system')";
  const reader = await c.runAndReadAll(
    `SELECT count(*) AS patients,
       count(*) FILTER (WHERE len(list_intersect(${systemsOf}, $systems::VARCHAR[])) > 0) AS keyed
     FROM (${lines})`,
    { systems: listValue([...systems]) },
  );
  const [patients, keyed] = (reader.getRows()[0] ?? [0, 0]).map(Number) as [number, number];
  // A few without (a newborn's first day, a test patient) are quarantined as ever.
  if (patients - keyed < MOSTLY_UNKEYED_AT_LEAST || keyed * 2 >= patients) return;
  const seen = (
    await c.runAndReadAll(
      `SELECT s, count(*) AS n FROM (SELECT unnest(${systemsOf}) AS s FROM (${lines}))
       WHERE s IS NOT NULL GROUP BY s ORDER BY n DESC, s LIMIT 10`,
    )
  ).getRows();
  throw new ValidationError(
    `${patients - keyed} of ${patients} Patients in this export have no identifier of the configured person identifier systems (${systems.join(", ")}), so they and their records would all be quarantined. The export's Patients carry: ${seen.map(([s, n]) => `${s} (${n})`).join(", ") || "no identifier systems at all"}.`,
    "Set identity.personIdentifierSystems in kaivo.json to the systems that key a person here, most preferred first (docs/configuration.md); nothing was loaded.",
  );
}

/** Patients registered in one vault transaction. */
const PATIENT_BATCH = 20_000;

/**
 * The lines SQL sent on ('suspect'), through the exact path, streamed in file and line order:
 * each line gets the reason the path gives (quarantineRejected then quarantines it), or its rows
 * are written for stageTable and the line marked 'exact'. Nothing here grows with the number of
 * suspects: an export in a shape SQL cannot vouch for (every Observation, say) goes through at the
 * exact path's own speed, not one lake query per line. A person the path registers is in the
 * vault, where markUnresolvedSubjects finds them for the types that follow.
 */
async function runExactPath(
  lake: Lake,
  c: DuckDBConnection,
  writer: DuckDBConnection,
  vault: Vault,
  files: LoadFile[],
  loads: TableLoad[],
  reports: TableReport[],
  ctx: {
    type: string;
    chk: string;
    key: (id: unknown) => string | null;
    limitDay: string;
    options: ExportLoadOptions;
  },
): Promise<void> {
  const suspectsSql = `SELECT file_no, line, bytes, subject_key FROM ${ctx.chk} WHERE reason = 'suspect'`;
  const n = await count(c, `SELECT count(*) FROM (${suspectsSql})`);
  if (n === 0) return;
  for (const r of reports) r.checkedOneByOne = n;
  // The subject each line names, as SQL read it, with its pseudo-ID where this load has it.
  const lines = streamRows(
    c,
    `SELECT s.file_no, s.line, s.bytes, s.subject_key, p.pseudo_id FROM (${suspectsSql}) AS s
    LEFT JOIN (SELECT source_id, any_value(pseudo_id) AS pseudo_id FROM ${PATIENTS} GROUP BY source_id) AS p
      ON p.source_id = s.subject_key
    ORDER BY s.file_no, s.line`,
  );
  const lookup = await lake.connect();
  const outcomes = await LineReasons.open(writer);
  const exact = new Map(loads.map((l) => [l.table.name, new BufferedFile(l.exactFile)]));
  const read = new LoadLines(files);
  const tables = loads.map((l) => l.table);
  try {
    for await (const chunk of lines) {
      for (const [fileNo, line, bytes, subjectKey, known] of chunk) {
        const raw = read.line(Number(fileNo), Number(line), Number(bytes));
        const result = await mapLine(raw, {
          type: ctx.type,
          tables,
          source: ctx.options.source,
          personIdentifierSystems: ctx.options.personIdentifierSystems,
          limitDay: ctx.limitDay,
          vault,
          key: ctx.key,
          resolvePatient: async (sourceId) =>
            sourceId === subjectKey && known !== null
              ? String(known)
              : ((await thisLoadsPatient(lookup, sourceId)) ??
                resolveSubject(
                  vault,
                  ctx.options.source,
                  ctx.options.personIdentifierSystems,
                  sourceId,
                )),
          // markDuplicates has already judged every line whose JSON parses.
          seenId: () => false,
        });
        if ("reason" in result) {
          outcomes.add(Number(fileNo), Number(line), result.reason);
          continue;
        }
        for (const { table, row } of result.rows)
          exact.get(table)?.write(`${JSON.stringify(row)}\n`);
        for (const [i, l] of loads.entries())
          for (const [k, m] of Object.entries(result.redactions[l.table.name] ?? {}))
            bump((reports[i] as TableReport).redactions, k, m);
        outcomes.add(Number(fileNo), Number(line), "exact");
      }
    }
  } finally {
    read.close();
    for (const f of exact.values()) f.close();
    outcomes.close();
    lookup.closeSync();
  }
  await outcomes.applyTo(c, ctx.chk);
}

/** A patient this load registered, by source id (on a connection that is not streaming). */
async function thisLoadsPatient(
  lookup: DuckDBConnection,
  sourceId: string,
): Promise<string | undefined> {
  const row = (
    await lookup.runAndReadAll(`SELECT pseudo_id FROM ${PATIENTS} WHERE source_id = $id LIMIT 1`, {
      id: sourceId,
    })
  ).getRows()[0];
  return row ? String(row[0]) : undefined;
}

/** Quarantines the lines SQL rejected, with their raw text read back from the files. */
async function quarantineRejected(
  c: DuckDBConnection,
  vault: Vault,
  files: LoadFile[],
  chk: string,
  reports: TableReport[],
  loadId: number,
  source: string,
): Promise<void> {
  // Streamed, in file and line order, each file read once beside it: a load that rejects most
  // of a large export holds neither the rejected lines nor their list.
  const rejected = streamRows(
    c,
    `SELECT file_no, line, reason, bytes FROM ${chk} WHERE reason IS NOT NULL AND reason NOT IN ('suspect', 'exact') ORDER BY file_no, line`,
  );
  const read = new LoadLines(files);
  try {
    for await (const rows of rejected) {
      vault.transaction(() => {
        for (const [fileNo, line, reason, bytes] of rows) {
          vault.quarantine({
            loadId,
            source,
            file: read.file(Number(fileNo)).label,
            line: Number(line),
            reason: String(reason),
            raw: read.line(Number(fileNo), Number(line), Number(bytes)),
          });
          for (const r of reports) bump(r.quarantined, String(reason));
        }
      });
    }
  } finally {
    read.close();
  }
}

/** Record keys the export's deleted-resource bundles name, by resource type. */
function deletedKeys(
  dir: string,
  manifest: Manifest,
  key: (id: unknown) => string | null,
): Map<string, Set<string>> {
  const deleted = new Map<string, Set<string>>();
  for (const entry of manifest.deleted ?? []) {
    const lines = readText(join(dir, basename(entry.url)))
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
  return deleted;
}
