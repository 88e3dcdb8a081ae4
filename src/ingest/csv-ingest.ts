import { createReadStream, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import { parse } from "csv-parse";
import { z } from "zod";
import { RegistryCatalogSchema } from "../catalog/metadata.js";
import type { SecretKey } from "../home/keys.js";
import { personIdentifierProblem } from "../identity/hetu.js";
import { LAKE_KEY_MACRO, recordKeySql } from "../identity/pseudonym.js";
import type { Vault } from "../identity/vault.js";
import { dropKeyedHash, installKeyedHash } from "../lake/keyed-sql.js";
import { type Lake, META_COLUMNS } from "../lake/lake.js";
import { contentHash, fileContentHash, mergeLoad } from "../lake/merge.js";
import { ConfigError, ValidationError } from "../shared/errors.js";
import { literal } from "../views/duckdb/schema.js";
import { BufferedFile } from "./buffered-file.js";
import type { LoadProgress } from "./fhir-ingest.js";
import {
  assertNothingLost,
  bump,
  emptyTableReport,
  type LoadReport,
  type TableReport,
} from "./report.js";

/** The mapping files of the CSV registries, shipped in the repository's registries/. */
export const REGISTRIES_DIR = join(import.meta.dirname, "../../registries");

const MappingSchema = z.strictObject({
  registry: z.string().regex(/^[a-z][a-z0-9_]*$/),
  ...RegistryCatalogSchema.shape,
  titleFi: z.string().optional(),
  file: z.string(),
  encoding: z.enum(["latin1", "utf8"]),
  separator: z.string().length(1),
  decimalComma: z.boolean(),
  dateFormat: z.enum(["DD.MM.YYYY", "YYYY-MM-DD"]),
  personColumn: z.string(),
  table: z.string().regex(/^[a-z][a-z0-9_]*$/),
  eventDate: z.string().optional(),
  columns: z
    .array(
      z.strictObject({
        source: z.string(),
        name: z.string().regex(/^[a-z][a-z0-9_]*$/),
        type: z.enum(["string", "integer", "decimal", "date"]),
        label: z.string(),
        description: z.string(),
        unit: z.string().optional(),
        codeSystem: z.string().optional(),
        /** Few distinct values (a treatment list, a class): the profile shows the most frequent. */
        categorical: z.boolean().default(false),
      }),
    )
    .min(1),
});
export type RegistryMapping = z.infer<typeof MappingSchema>;

export function loadRegistryMappings(dir = REGISTRIES_DIR): RegistryMapping[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => {
      const parsed = MappingSchema.safeParse(JSON.parse(readFileSync(join(dir, f), "utf8")));
      if (!parsed.success) {
        throw new ConfigError(
          `${join(dir, f)}: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
        );
      }
      return parsed.data;
    });
}

const DUCK: Record<string, string> = {
  string: "VARCHAR",
  integer: "BIGINT",
  decimal: "DOUBLE",
  date: "DATE",
};

export function registryColumns(m: RegistryMapping): Array<[string, string]> {
  return [
    ...META_COLUMNS.map(([n, t]) => [n, t] as [string, string]),
    ...m.columns.map((c): [string, string] => [c.name, DUCK[c.type] as string]),
  ];
}

type Converted = { ok: true; value: string | number | null } | { ok: false };

function convert(
  text: string,
  type: RegistryMapping["columns"][number]["type"],
  m: RegistryMapping,
): Converted {
  const v = text.trim();
  if (v === "") return { ok: true, value: null };
  switch (type) {
    case "string":
      return { ok: true, value: v };
    case "integer":
      return /^-?\d+$/.test(v) ? { ok: true, value: Number(v) } : { ok: false };
    case "decimal": {
      const n = m.decimalComma ? v.replace(",", ".") : v;
      return /^-?\d+(\.\d+)?$/.test(n) ? { ok: true, value: Number(n) } : { ok: false };
    }
    case "date": {
      const parts =
        m.dateFormat === "DD.MM.YYYY"
          ? /^(\d{2})\.(\d{2})\.(\d{4})$/.exec(v)
          : /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
      if (!parts) return { ok: false };
      const [d, mo, y] =
        m.dateFormat === "DD.MM.YYYY"
          ? [parts[1], parts[2], parts[3]]
          : [parts[3], parts[2], parts[1]];
      const iso = `${y}-${mo}-${d}`;
      const date = new Date(`${iso}T00:00:00Z`);
      return Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== iso
        ? { ok: false }
        : { ok: true, value: iso };
    }
  }
}

/** Rows the loader takes through the vault in one transaction. */
const BATCH = 2000;

/**
 * Loads one registry extract (a whole-registry CSV, as quality registries export) as one load:
 * the identity code becomes the lake pseudo-ID (the same as in FHIR data), values are typed
 * (decimal commas, DD.MM.YYYY), rows that cannot be read are quarantined, and records missing
 * from a newer extract are closed. The file is streamed, never held whole: memory does not grow
 * with the extract.
 */
export async function loadRegistryCsv(
  lake: Lake,
  vault: Vault,
  lakeKey: SecretKey,
  mapping: RegistryMapping,
  file: string,
  options: {
    source: string;
    personIdentifierSystem: string;
    stagingDir: string;
    label: string;
    /** When the extract was taken (registryExtractTime): its end of data, never the wall clock. */
    now: number;
    onProgress?: (p: LoadProgress) => void;
  },
): Promise<LoadReport> {
  const name = `${mapping.registry}.${mapping.table}`;
  const report: LoadReport = {
    loadId: 0,
    source: options.source,
    export: file,
    alreadyLoaded: false,
    transactionTime: new Date(options.now).toISOString(),
    tables: { [name]: emptyTableReport() },
    notLoaded: {},
    unreadable: {},
    seconds: {},
  };
  const fingerprint = await fileContentHash(file, `${options.source}\n${mapping.registry}\n`);
  const previous = await lake.loadWithFingerprint(options.source, fingerprint);
  if (previous !== undefined) return { ...report, loadId: previous, alreadyLoaded: true };
  const loadId = await lake.nextLoadId();
  report.loadId = loadId;
  const tr = report.tables[name] as TableReport;
  const staging = join(options.stagingDir, `load-${loadId}`);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const stagingFile = join(staging, `${mapping.table}.ndjson`);
  const out = new BufferedFile(stagingFile);
  const limit = options.now + 86_400_000;
  // A registry repeats its people (a row per visit): each is sealed into the vault once a load.
  const pseudoIds = new Map<string, string>();
  const stageRow = (record: Record<string, string>, line: number) => {
    tr.read++;
    const quarantine = (reason: string) => {
      vault.quarantine({
        loadId,
        source: options.source,
        file: `${options.label}`,
        line,
        reason,
        raw: Object.values(record).join(mapping.separator),
      });
      bump(tr.quarantined, reason);
    };
    const identifier = (record[mapping.personColumn] ?? "").trim();
    const identifierProblem = personIdentifierProblem(options.personIdentifierSystem, identifier);
    if (identifierProblem) return quarantine(identifierProblem);
    const values: Record<string, unknown> = {};
    for (const c of mapping.columns) {
      const converted = convert(record[c.source] ?? "", c.type, mapping);
      if (!converted.ok) return quarantine(`wrong type: ${c.name}`);
      if (
        c.type === "date" &&
        typeof converted.value === "string" &&
        Date.parse(converted.value) > limit
      )
        return quarantine("date in the future");
      values[c.name] = converted.value;
    }
    let pseudoId = pseudoIds.get(identifier);
    if (!pseudoId) {
      if (pseudoIds.size >= 100_000) pseudoIds.clear(); // bounded memory
      pseudoId = vault.registerPerson(options.personIdentifierSystem, identifier);
      pseudoIds.set(identifier, pseudoId);
    }
    const eventDate = mapping.eventDate ? (values[mapping.eventDate] as string | null) : null;
    out.write(
      `${JSON.stringify({
        line,
        pseudo_id: pseudoId,
        event_date: eventDate,
        source: options.source,
        record_hash: contentHash(JSON.stringify(values)),
        ...values,
      })}\n`,
    );
  };
  const c = lake.connection;
  try {
    const input = createReadStream(file);
    const totalBytes = statSync(file).size;
    const progress = (doing: string) =>
      options.onProgress?.({
        label: options.label,
        checkedBytes: input.bytesRead,
        loadedBytes: input.bytesRead,
        totalBytes,
        records: tr.read,
        doing,
      });
    const parser = input.pipe(
      parse({
        delimiter: mapping.separator,
        encoding: mapping.encoding === "latin1" ? "latin1" : "utf8",
        bom: true,
        columns: (header: string[]) => {
          for (const needed of [mapping.personColumn, ...mapping.columns.map((col) => col.source)])
            if (!header.includes(needed))
              throw new ConfigError(
                `${file}: the column "${needed}" that registries/${mapping.registry}.json maps is not in the file.`,
              );
          return header;
        },
        skip_empty_lines: true,
        info: true,
        relax_column_count: true,
      }),
    );
    let batch: Array<{ record: Record<string, string>; info: { lines: number } }> = [];
    const flush = () => {
      vault.transaction(() => {
        for (const { record, info } of batch) stageRow(record, info.lines);
      });
      batch = [];
      progress(`${mapping.registry}.${mapping.table}: rows`);
    };
    for await (const row of parser) {
      batch.push(row);
      if (batch.length >= BATCH) flush();
    }
    flush();
    out.close();
    // An extract is the whole registry, so an empty one would close every record: far more often
    // a failed export than an emptied registry.
    if (tr.read === 0)
      throw new ValidationError(
        `${options.label} has no rows. A registry extract is the whole registry, so loading it would close every record of ${name}; nothing was loaded.`,
        "Check the export that wrote the file.",
      );
    progress("merging into the lake");
    await installKeyedHash(c, LAKE_KEY_MACRO, lakeKey);
    await stageRegistry(c, mapping, stagingFile);
    await mergeLoad(
      lake,
      [
        {
          registry: mapping.registry,
          name: mapping.table,
          columns: registryColumns(mapping),
          staging: { table: STAGE },
          fullExtract: true,
          report: tr,
        },
      ],
      { loadId, fingerprint, report },
    );
  } catch (error) {
    // csv-parse wraps what the header check throws; the user needs the check's own words.
    const cause = (error as { cause?: unknown }).cause;
    throw cause instanceof ConfigError ? cause : error;
  } finally {
    out.close();
    await c.run(`DROP TABLE IF EXISTS ${STAGE}`);
    await dropKeyedHash(c, LAKE_KEY_MACRO);
    rmSync(staging, { recursive: true, force: true });
  }
  assertNothingLost(report);
  return report;
}

const STAGE = "stg_registry";

/**
 * The staged rows with their record keys: the person, the event date and, for a person's several
 * rows of one date, their order in the file, keyed under the lake key (as recordKey computes it).
 * Only rows that share person and date are numbered by a window; the rest are the first.
 */
async function stageRegistry(
  c: DuckDBConnection,
  mapping: RegistryMapping,
  stagingFile: string,
): Promise<void> {
  const columns = registryColumns(mapping).filter(
    ([n]) => n !== "record_key" && n !== "load_from" && n !== "load_to",
  );
  const spec = `{'line': 'BIGINT', ${columns.map(([n, t]) => `'${n}': '${t}'`).join(", ")}}`;
  await c.run(`CREATE OR REPLACE TEMP TABLE ${STAGE}_rows AS
    SELECT *, pseudo_id || '|' || coalesce(event_date::VARCHAR, '') AS identity
    FROM read_ndjson(${literal(stagingFile)}, columns = ${spec}, format = 'newline_delimited')`);
  const key = recordKeySql(
    `registry:${mapping.registry}`,
    mapping.table,
    "r.identity || '|' || coalesce(d.ordinal, 1)::VARCHAR",
  );
  await c.run(`CREATE OR REPLACE TEMP TABLE ${STAGE} AS
    SELECT ${key} AS record_key,
      r.* EXCLUDE (line, identity)
    FROM ${STAGE}_rows AS r LEFT JOIN (
      SELECT line, row_number() OVER (PARTITION BY identity ORDER BY line) AS ordinal
      FROM ${STAGE}_rows
      WHERE identity IN (SELECT identity FROM ${STAGE}_rows GROUP BY identity HAVING count(*) > 1)
    ) AS d USING (line)`);
  await c.run(`DROP TABLE ${STAGE}_rows`);
}
