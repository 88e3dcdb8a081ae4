import type { Lake } from "../lake/lake.js";
import { sql } from "../lake/sql.js";
import {
  type Catalog,
  ensureCatalogSchema,
  readCatalog,
  saveRegistryDescription,
} from "./catalog-store.js";
import type { RegistryDescription } from "./metadata.js";
import { profileTable, type TableProfile, tablesChangedIn } from "./profile.js";
import { runQualityChecks } from "./quality.js";
import { loadShippedVocabularies } from "./vocabulary.js";

export interface CatalogRun {
  loadId: number;
  seconds: number;
  tablesProfiled: number;
  checks: number;
}

/**
 * After loads: records what the mappings say about the registries, adds the shipped code lists
 * for systems that have none, then profiles and quality-checks every load not yet done. Each load's
 * profiles and results are one transaction, so a crash leaves nothing half-done and the next run
 * picks up where this one stopped.
 */
export async function refreshCatalog(
  lake: Lake,
  descriptions: RegistryDescription[],
  optouts: string[],
): Promise<CatalogRun[]> {
  await ensureCatalogSchema(lake);
  await useOptouts(lake, optouts);
  for (const d of descriptions) await saveRegistryDescription(lake, d);
  await loadShippedVocabularies(lake);
  const catalog = await readCatalog(lake);
  const pending = await lake.query(
    sql`select load_id, finished_at from main._loads
     where load_id not in (select load_id from _catalog.profile_runs) order by load_id`,
  );
  const runs: CatalogRun[] = [];
  for (const load of pending) {
    runs.push(await profileAndCheck(lake, catalog, Number(load.load_id), String(load.finished_at)));
  }
  return runs;
}

async function profileAndCheck(
  lake: Lake,
  all: Catalog,
  loadId: number,
  finishedAt: string,
): Promise<CatalogRun> {
  const started = performance.now();
  const existing = await lakeTableNames(lake);
  // A registry described but never loaded has no table yet.
  const catalog = {
    ...all,
    tables: all.tables.filter((t) => existing.has(`${t.registry}.${t.table}`)),
  };
  const changed = await tablesChangedIn(lake, catalog, loadId);
  const profiles: TableProfile[] = [];
  for (const t of changed) {
    const variables = catalog.variables.filter(
      (v) => v.registry === t.registry && v.table === t.table,
    );
    profiles.push(await profileTable(lake, t, variables, loadId));
  }
  const results = await runQualityChecks(lake, catalog, loadId, finishedAt.slice(0, 10));
  const c = lake.connection;
  const seconds = await lake.transaction(async () => {
    await storeProfiles(lake, loadId, profiles);
    const appender = await c.createAppender("quality", "_catalog");
    for (const r of results) {
      appender.appendInteger(loadId);
      appender.appendVarchar(r.check);
      appender.appendVarchar(r.registry);
      appender.appendVarchar(r.table);
      if (r.variable === null) appender.appendNull();
      else appender.appendVarchar(r.variable);
      appender.appendBigInt(BigInt(r.failing));
      appender.appendBigInt(BigInt(r.total));
      appender.appendDouble(r.threshold);
      appender.appendBoolean(r.fatal);
      appender.endRow();
    }
    appender.closeSync();
    const seconds = (performance.now() - started) / 1000;
    await c.run("insert into _catalog.profile_runs values ($loadId, $seconds, $tables)", {
      loadId,
      seconds,
      tables: profiles.length,
    });
    return seconds;
  });
  return { loadId, seconds, tablesProfiled: profiles.length, checks: results.length };
}

/** The opt-out register as a temp table the profiles leave out. */
const useOptouts = (lake: Lake, optouts: string[]) => lake.tempIds("_optouts", optouts);

/**
 * After the opt-out register changes: every table is profiled again as of the latest snapshot,
 * without the people who opted out. Figures of earlier snapshots were made before the change, so
 * only stewards see them (see catalog-service).
 */
export async function reprofileLatest(lake: Lake, optouts: string[]): Promise<number | undefined> {
  await ensureCatalogSchema(lake);
  await useOptouts(lake, optouts);
  const [latest] = await lake.query(sql`select max(load_id) as l from _catalog.profile_runs`);
  if (latest?.l === null || latest?.l === undefined) return undefined;
  const loadId = Number(latest.l);
  const catalog = await readCatalog(lake);
  const existing = await lakeTableNames(lake);
  const profiles: TableProfile[] = [];
  for (const t of catalog.tables.filter((t) => existing.has(`${t.registry}.${t.table}`))) {
    const variables = catalog.variables.filter(
      (v) => v.registry === t.registry && v.table === t.table,
    );
    profiles.push(await profileTable(lake, t, variables, loadId));
  }
  await lake.transaction(async () => {
    await lake.connection.run("delete from _catalog.profiles where load_id = $loadId", { loadId });
    await storeProfiles(lake, loadId, profiles);
  });
  return loadId;
}

async function storeProfiles(lake: Lake, loadId: number, profiles: TableProfile[]): Promise<void> {
  for (const p of profiles)
    await lake.connection.run(
      "insert into _catalog.profiles values ($loadId, $registry, $table, $profile)",
      { loadId, registry: p.registry, table: p.table, profile: JSON.stringify(p) },
    );
}

/** `registry.table` of every table the lake file has (a described registry may not be loaded yet). */
async function lakeTableNames(lake: Lake): Promise<Set<string>> {
  const rows = await lake.query(
    sql`select table_schema || '.' || table_name as t from information_schema.tables where table_type = 'BASE TABLE'`,
  );
  return new Set(rows.map((r) => String(r.t)));
}
