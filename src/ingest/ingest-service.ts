import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join, relative } from "node:path";
import { appendAudit } from "../audit/append.js";
import { authorize, type Permission } from "../auth/permissions.js";
import type { Actor } from "../auth/roles.js";
import { describeCsvRegistry, describeFhirRegistry } from "../catalog/describe.js";
import type { RegistryDescription } from "../catalog/metadata.js";
import { refreshCatalog } from "../catalog/refresh.js";
import { policyFrom } from "../disclosure/policy.js";
import { personIdentifierSystems } from "../home/config.js";
import { type Home, homeKey } from "../home/home.js";
import { Vault } from "../identity/vault.js";
import { withLake } from "../lake/access.js";
import { Lake, type LoadInfo, type TableInfo } from "../lake/lake.js";
import { sql } from "../lake/sql.js";
import { NotFoundError } from "../shared/errors.js";
import type { ControlStore } from "../store/control-store.js";
import { codeSystemRegistry } from "./code-systems.js";
import { loadRegistryCsv, loadRegistryMappings, type RegistryMapping } from "./csv-ingest.js";
import { registryExtractTime } from "./export-files.js";
import { type ExportLoadOptions, findExports, loadExport } from "./fhir-ingest.js";
import { maskedRecord } from "./masked-record.js";
import type { LoadReport } from "./report.js";
import { quarantinedTotal } from "./report.js";
import { loadLakeRegistry } from "./table-config.js";

export interface Ctx {
  home: Home;
  store: ControlStore;
  actor: Actor;
}

/** The numbers of a load, safe for the audit log (no identifiers, no file contents). */
export function loadSummary(r: LoadReport) {
  const tables = Object.values(r.tables);
  return {
    loadId: r.loadId,
    source: r.source,
    alreadyLoaded: r.alreadyLoaded,
    read: tables.reduce((a, t) => a + t.read, 0),
    inserted: tables.reduce((a, t) => a + t.inserted, 0),
    updated: tables.reduce((a, t) => a + t.updated, 0),
    unchanged: tables.reduce((a, t) => a + t.unchanged, 0),
    deleted: tables.reduce((a, t) => a + t.deleted, 0),
    quarantined: tables.reduce((a, t) => a + quarantinedTotal(t), 0),
  };
}

/** `kaivo ingest`: every bulk export under the path, oldest first, each as one load. Stewards only. */
export async function ingest(
  ctx: Ctx,
  path: string,
  options: { source?: string; onProgress?: ExportLoadOptions["onProgress"] } = {},
): Promise<LoadReport[]> {
  await authorize(ctx.store, ctx.actor, "ingest.run");
  const { exports, registries, registryDir } = findInputs(path);
  // Checked before anything loads: a registry extract with no date of its own is refused.
  const registryTime =
    registries.length > 0 ? registryExtractTime(registryDir, exports[0]) : undefined;
  // Checked before anything loads too: a registry in which two systems claim one URI is refused.
  const tables = loadLakeRegistry(
    undefined,
    codeSystemRegistry(ctx.home.config.codeSystems),
  ).tables;
  // DuckDB reads the export, besides the lake's own staging files, and nothing else.
  const lake = await Lake.open(ctx.home, {
    folders: [statSync(path).isDirectory() ? path : dirname(path)],
  });
  const vault = Vault.open(ctx.home);
  const lakeKey = homeKey(ctx.home, "lake");
  const common = {
    source: options.source ?? "ehr",
    personIdentifierSystems: personIdentifierSystems(ctx.home.config.identity),
    stagingDir: join(ctx.home.dir, "staging"),
  };
  const reports: LoadReport[] = [];
  const record = async (report: LoadReport) => {
    reports.push(report);
    await appendAudit(ctx.store, ctx.actor, {
      action: "ingest.load",
      target: `load:${report.loadId}`,
      details: loadSummary(report),
    });
  };
  try {
    for (const dir of exports) {
      await record(
        await loadExport(lake, vault, lakeKey, tables, dir, {
          ...common,
          label: relative(path, dir) || basename(dir),
          ...(options.onProgress ? { onProgress: options.onProgress } : {}),
        }),
      );
    }
    for (const { mapping, file } of registries) {
      await record(
        await loadRegistryCsv(lake, vault, lakeKey, mapping, file, {
          ...common,
          // A registry's rows are the registry's, not the EHR's; its people are keyed by the
          // first (national) identifier system.
          source: mapping.registry,
          personIdentifierSystem: common.personIdentifierSystems[0] as string,
          label: relative(path, file) || basename(file),
          now: registryTime as number,
          ...(options.onProgress ? { onProgress: options.onProgress } : {}),
        }),
      );
    }
    const optouts = await ctx.store.db.selectFrom("optouts").select("pseudo_id").execute();
    await refreshCatalog(
      lake,
      await loadedRegistries(lake),
      optouts.map((o) => o.pseudo_id),
      { store: ctx.store, policy: policyFrom(ctx.home.config) },
    );
  } finally {
    vault.close();
    lake.close();
  }
  return reports;
}

/** What the mappings say about the registries the lake now holds. */
async function loadedRegistries(lake: Lake): Promise<RegistryDescription[]> {
  const schemas = new Set(
    (await lake.query(sql`select schema_name from information_schema.schemata`)).map((r) =>
      String(r.schema_name),
    ),
  );
  const fhir = loadLakeRegistry();
  return [
    ...(schemas.has(fhir.registry) ? [describeFhirRegistry(fhir)] : []),
    ...loadRegistryMappings()
      .filter((m) => schemas.has(m.registry))
      .map(describeCsvRegistry),
  ];
}

/** Bulk exports (oldest first) and registry CSVs with a mapping, under the path. */
export function findInputs(path: string): {
  exports: string[];
  registries: Array<{ mapping: RegistryMapping; file: string }>;
  registryDir: string;
} {
  const mappings = loadRegistryMappings();
  const registryDir = existsSync(join(path, "registries")) ? join(path, "registries") : path;
  const registries = mappings
    .map((mapping) => ({ mapping, file: join(registryDir, mapping.file) }))
    .filter(({ file }) => existsSync(file));
  let exports: string[] = [];
  try {
    exports = findExports(path);
  } catch (error) {
    if (registries.length === 0) throw error;
  }
  return { exports, registries, registryDir };
}

/** Authorises, then runs `work` with the vault open, and closes it. */
async function withVault<T>(
  ctx: Ctx,
  permission: Permission,
  work: (vault: Vault) => Promise<T> | T,
): Promise<T> {
  await authorize(ctx.store, ctx.actor, permission);
  const vault = Vault.open(ctx.home);
  try {
    return await work(vault);
  } finally {
    vault.close();
  }
}

export function lakeSnapshots(ctx: Ctx): Promise<LoadInfo[]> {
  return withLake(ctx, "lake.read", (lake) => lake.snapshots());
}

export function lakeTables(ctx: Ctx, asOfLoad?: number): Promise<TableInfo[]> {
  return withLake(ctx, "lake.read", (lake) => lake.tables(asOfLoad));
}

export function listQuarantine(ctx: Ctx, filter: { loadId?: number; status?: string } = {}) {
  return withVault(ctx, "quarantine.read", async (vault) => {
    const entries = vault.listQuarantine(filter);
    await appendAudit(ctx.store, ctx.actor, {
      action: "quarantine.list",
      details: { entries: entries.length },
    });
    return entries;
  });
}

/**
 * The quarantined record: raw on the host (it may hold identifiers, so reading it is audited);
 * masked (`maskedRecord`) for the network, where no identifier is ever sent.
 */
export function showQuarantined(
  ctx: Ctx,
  id: number,
  options: { masked?: boolean } = {},
): Promise<string> {
  return withVault(ctx, "quarantine.read", async (vault) => {
    const raw = vault.quarantinedRecord(id);
    if (raw === undefined)
      throw new NotFoundError(`No quarantined record ${id}.`, "See `kaivo quarantine list`.");
    await appendAudit(ctx.store, ctx.actor, {
      action: "quarantine.show",
      target: `quarantine:${id}`,
      details: { masked: options.masked === true },
    });
    return options.masked ? maskedRecord(raw) : raw;
  });
}

/**
 * Loads a quarantined record again (for example once its patient has arrived), as a load of its
 * own. The entry is marked retried; if the record is still bad it is quarantined again.
 */
export async function retryQuarantined(ctx: Ctx, id: number): Promise<LoadReport> {
  const { entry, raw } = await withVault(ctx, "quarantine.retry", (vault) => ({
    entry: vault.listQuarantine().find((e) => e.id === id),
    raw: vault.quarantinedRecord(id),
  }));
  if (!entry || raw === undefined)
    throw new NotFoundError(`No quarantined record ${id}.`, "See `kaivo quarantine list`.");
  let type = entry.file.replace(/^.*\//, "").replace(/-\d+\.ndjson$/, "");
  try {
    type = String((JSON.parse(raw) as { resourceType?: unknown }).resourceType ?? type);
  } catch {
    // still malformed: it will be quarantined again under its file's type
  }
  const dir = join(ctx.home.dir, "staging", `retry-${id}-${Date.now()}`);
  mkdirSync(dir, { recursive: true });
  try {
    writeFileSync(join(dir, `${type}-retry.ndjson`), `${raw}\n`);
    writeFileSync(
      join(dir, "manifest.json"),
      JSON.stringify({
        transactionTime: new Date().toISOString(),
        output: [{ type, url: `${type}-retry.ndjson` }],
        deleted: [],
        error: [],
      }),
    );
    const [report] = await ingest(ctx, dir, { source: entry.source });
    await withVault(ctx, "quarantine.retry", (vault) => vault.markRetried(id));
    await appendAudit(ctx.store, ctx.actor, {
      action: "quarantine.retry",
      target: `quarantine:${id}`,
      details: { loadId: report?.loadId ?? null },
    });
    return report as LoadReport;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
