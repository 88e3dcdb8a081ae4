import {
  closeSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { z } from "zod";
import { RegistryCatalogSchema } from "../catalog/metadata.js";
import type { SecretKey } from "../home/keys.js";
import { personIdentifierProblem } from "../identity/hetu.js";
import { recordKey } from "../identity/pseudonym.js";
import type { Vault } from "../identity/vault.js";
import { type Lake, META_COLUMNS } from "../lake/lake.js";
import { contentHash, mergeLoad } from "../lake/merge.js";
import { ConfigError } from "../shared/errors.js";
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

/**
 * Loads one registry extract (a whole-registry CSV, as quality registries export) as one load:
 * the identity code becomes the lake pseudo-ID (the same as in FHIR data), values are typed
 * (decimal commas, DD.MM.YYYY), rows that cannot be read are quarantined, and records missing
 * from a newer extract are closed.
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
    now?: number;
  },
): Promise<LoadReport> {
  const bytes = readFileSync(file);
  const name = `${mapping.registry}.${mapping.table}`;
  const report: LoadReport = {
    loadId: 0,
    source: options.source,
    export: file,
    alreadyLoaded: false,
    transactionTime: new Date(options.now ?? Date.now()).toISOString(),
    tables: { [name]: emptyTableReport() },
    notLoaded: {},
    seconds: {},
  };
  const fingerprint = contentHash(
    Buffer.concat([Buffer.from(`${options.source}\n${mapping.registry}\n`), bytes]),
  );
  const previous = await lake.loadWithFingerprint(options.source, fingerprint);
  if (previous !== undefined) return { ...report, loadId: previous, alreadyLoaded: true };
  const loadId = await lake.nextLoadId();
  report.loadId = loadId;
  const tr = report.tables[name] as TableReport;
  let text = mapping.encoding === "latin1" ? bytes.toString("latin1") : bytes.toString("utf8");
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const rows = parse(text, {
    delimiter: mapping.separator,
    columns: true,
    skip_empty_lines: true,
    info: true,
    relax_column_count: true,
  }) as Array<{
    record: Record<string, string>;
    info: { lines: number };
  }>;
  const header = Object.keys(rows[0]?.record ?? {});
  for (const needed of [mapping.personColumn, ...mapping.columns.map((c) => c.source)]) {
    if (rows.length > 0 && !header.includes(needed)) {
      throw new ConfigError(
        `${file}: the column "${needed}" that registries/${mapping.registry}.json maps is not in the file.`,
      );
    }
  }
  const staging = join(options.stagingDir, `load-${loadId}`);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const stagingFile = join(staging, `${mapping.table}.ndjson`);
  const fd = openSync(stagingFile, "w");
  const ordinals = new Map<string, number>();
  const limit = (options.now ?? Date.now()) + 86_400_000;
  try {
    for (const { record, info } of rows) {
      tr.read++;
      const raw = Object.values(record).join(mapping.separator);
      const quarantine = (reason: string) => {
        vault.quarantine({
          loadId,
          source: options.source,
          file: `${options.label}`,
          line: info.lines,
          reason,
          raw,
        });
        bump(tr.quarantined, reason);
      };
      const identifier = (record[mapping.personColumn] ?? "").trim();
      const identifierProblem = personIdentifierProblem(options.personIdentifierSystem, identifier);
      if (identifierProblem) {
        quarantine(identifierProblem);
        continue;
      }
      const out: Record<string, unknown> = {};
      let problem: string | undefined;
      for (const c of mapping.columns) {
        const converted = convert(record[c.source] ?? "", c.type, mapping);
        if (!converted.ok) {
          problem = `wrong type: ${c.name}`;
          break;
        }
        if (
          c.type === "date" &&
          typeof converted.value === "string" &&
          Date.parse(converted.value) > limit
        ) {
          problem = "date in the future";
          break;
        }
        out[c.name] = converted.value;
      }
      if (problem) {
        quarantine(problem);
        continue;
      }
      const pseudoId = vault.registerPerson(options.personIdentifierSystem, identifier);
      const eventDate = mapping.eventDate ? (out[mapping.eventDate] as string | null) : null;
      const identity = `${pseudoId}|${eventDate ?? ""}`;
      const ordinal = (ordinals.get(identity) ?? 0) + 1;
      ordinals.set(identity, ordinal);
      const row = {
        record_key: recordKey(
          lakeKey,
          `registry:${mapping.registry}`,
          mapping.table,
          `${identity}|${ordinal}`,
        ),
        pseudo_id: pseudoId,
        event_date: eventDate,
        source: options.source,
        record_hash: contentHash(JSON.stringify(out)),
        ...out,
      };
      writeSync(fd, `${JSON.stringify(row)}\n`);
    }
  } finally {
    closeSync(fd);
  }
  try {
    await mergeLoad(
      lake,
      [
        {
          registry: mapping.registry,
          name: mapping.table,
          columns: registryColumns(mapping),
          staging: { file: stagingFile },
          fullExtract: true,
          report: tr,
        },
      ],
      { loadId, fingerprint, report },
    );
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  assertNothingLost(report);
  return report;
}
