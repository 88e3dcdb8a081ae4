import type { MeasuredCell } from "../disclosure/measure.js";
import type { DisclosurePolicy } from "../disclosure/policy.js";
import { publishCells } from "../disclosure/published.js";
import { assignRecordKeys } from "../disclosure/record-keys.js";
import type { Lake } from "../lake/lake.js";
import { EMPTY, ident, int, join, sql } from "../lake/sql.js";
import type { ControlStore } from "../store/control-store.js";
import {
  type Catalog,
  ensureCatalogSchema,
  readCatalog,
  saveRegistryDescription,
} from "./catalog-store.js";
import type { RegistryDescription, TableMeta } from "./metadata.js";
import {
  profileAsOf,
  profiledVariables,
  profileFrom,
  profileTable,
  type TableProfile,
  tablesChangedIn,
} from "./profile.js";
import {
  disclosedTable,
  measureRegistryCells,
  measureTableCells,
  type RegistryPublished,
  registryPublished,
  SEP,
  tableCellPrefix,
} from "./published.js";
import { runQualityChecks } from "./quality.js";
import { loadShippedVocabularies } from "./vocabulary.js";

/** Where published figures are disclosed: the control store's catalog ledger, under a policy. */
export interface CatalogDisclosure {
  store: ControlStore;
  policy: DisclosurePolicy;
}

/** The ledger's actor for the published catalog. */
export const CATALOG_ACTOR = "catalog";

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
  disclosure: CatalogDisclosure,
): Promise<CatalogRun[]> {
  await ensureCatalogSchema(lake);
  // Everyone in the lake needs a record key before a figure is drawn, however their rows came in.
  await assignRecordKeys(lake);
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
    runs.push(
      await profileAndCheck(
        lake,
        catalog,
        Number(load.load_id),
        String(load.finished_at),
        disclosure,
      ),
    );
  }
  return runs;
}

async function profileAndCheck(
  lake: Lake,
  all: Catalog,
  loadId: number,
  finishedAt: string,
  disclosure: CatalogDisclosure,
): Promise<CatalogRun> {
  const started = performance.now();
  const existing = await lakeTableNames(lake);
  // A registry described but never loaded has no table yet.
  const catalog = {
    ...all,
    tables: all.tables.filter((t) => existing.has(`${t.registry}.${t.table}`)),
  };
  const changed = await tablesChangedIn(lake, catalog, loadId);
  // The figures published before: the latest profile of each table, before this load's.
  const { profiles, registries } = await profileAndPublish(
    lake,
    catalog,
    changed,
    loadId,
    (t) => profileAsOf(lake, t.registry, t.table),
    false,
    disclosure,
  );
  const results = await runQualityChecks(lake, catalog, loadId, finishedAt.slice(0, 10));
  const c = lake.connection;
  const seconds = await lake.transaction(async () => {
    await storeProfiles(lake, loadId, profiles);
    await storeRegistryFigures(lake, loadId, registries);
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
export async function reprofileLatest(
  lake: Lake,
  optouts: string[],
  disclosure: CatalogDisclosure,
): Promise<number | undefined> {
  await ensureCatalogSchema(lake);
  await assignRecordKeys(lake);
  await useOptouts(lake, optouts);
  const [latest] = await lake.query(sql`select max(load_id) as l from _catalog.profile_runs`);
  if (latest?.l === null || latest?.l === undefined) return undefined;
  const loadId = Number(latest.l);
  const catalog = await readCatalog(lake);
  const existing = await lakeTableNames(lake);
  const present = {
    ...catalog,
    tables: catalog.tables.filter((t) => existing.has(`${t.registry}.${t.table}`)),
  };
  // The figures published before are this snapshot's, about to be replaced.
  const { profiles, registries } = await profileAndPublish(
    lake,
    present,
    present.tables,
    loadId,
    (t) => profileAsOf(lake, t.registry, t.table, loadId),
    true,
    disclosure,
  );
  await lake.transaction(async () => {
    await lake.connection.run("delete from _catalog.profiles where load_id = $loadId", { loadId });
    await lake.connection.run("delete from _catalog.registry_figures where load_id = $loadId", {
      loadId,
    });
    await storeProfiles(lake, loadId, profiles);
    await storeRegistryFigures(lake, loadId, registries);
  });
  return loadId;
}

/**
 * Profiles tables as of a load and publishes their figures and every registry's: the person-set
 * cells of each are measured, disclosed together through the catalog ledger (a set within k-1
 * people of the one published last keeps its figure) and stored next to the exact profile.
 * `sameSnapshot`: a refresh after an opt-out, which also keeps means and quantiles that stood.
 */
async function profileAndPublish(
  lake: Lake,
  catalog: Catalog,
  tables: TableMeta[],
  loadId: number,
  previousOf: (t: TableMeta) => Promise<TableProfile | undefined>,
  sameSnapshot: boolean,
  disclosure: CatalogDisclosure,
): Promise<{ profiles: TableProfile[]; registries: RegistryPublished[] }> {
  const small = await smallCodeLists(lake);
  const cells = new Map<string, MeasuredCell>();
  const work: Array<{ table: TableMeta; profile: TableProfile; previous?: TableProfile }> = [];
  for (const t of tables) {
    const variables = catalog.variables.filter(
      (v) => v.registry === t.registry && v.table === t.table,
    );
    const profile = await profileTable(lake, t, variables, loadId);
    const previous = await previousOf(t);
    const measured = await measureTableCells(
      lake,
      t,
      profiledVariables(variables),
      profileFrom(t, loadId),
      previous?.disclosed,
      small,
    );
    for (const [id, cell] of measured) cells.set(id, cell);
    work.push({ table: t, profile, ...(previous ? { previous } : {}) });
  }
  const registryPrevious = await latestRegistryFigures(lake, loadId);
  const registryNames: string[] = [];
  for (const r of catalog.registries) {
    const members = catalog.tables.filter((t) => t.registry === r.registry && t.personColumn);
    if (members.length === 0) continue;
    const union = join(
      members.map(
        (t) =>
          sql`select ${ident(t.personColumn as string)} as pseudo_id, ${t.eventColumn ? ident(t.eventColumn) : sql`null::date`} as event_date from ${profileFrom(t, loadId)}`,
      ),
      sql` union all `,
    );
    for (const [id, cell] of await measureRegistryCells(
      lake,
      r.registry,
      union,
      registryPrevious.get(r.registry),
    ))
      cells.set(id, cell);
    registryNames.push(r.registry);
  }
  const published = await publishCells(
    disclosure.store,
    disclosure.policy,
    CATALOG_ACTOR,
    cells,
    sameSnapshot ? "same-snapshot" : "snapshot",
  );
  const policy = disclosure.policy.version;
  const profiles = work.map(({ table, profile, previous }) => {
    const prefix = tableCellPrefix(table);
    for (const [name, v] of Object.entries(profile.variables)) {
      const n = cells.get(`${prefix}${SEP}var${SEP}${name}`)?.n;
      if (n !== undefined) v.persons = n;
    }
    for (const m of profile.measurements ?? []) {
      const n = cells.get(`${prefix}${SEP}measure-value${SEP}${m.code}${SEP}${m.unit ?? ""}`)?.n;
      if (n !== undefined) m.personsWithValue = n;
    }
    profile.disclosed = disclosedTable(
      table,
      profile,
      published,
      policy,
      previous?.disclosed,
      sameSnapshot,
    );
    return profile;
  });
  const [load] = await lake.query(
    sql`select max(finished_at) as at from main._loads where load_id <= ${int(loadId)}`,
  );
  const lastLoad = load?.at === null || load?.at === undefined ? null : String(load.at);
  const registries = registryNames.map((r) => registryPublished(r, published, policy, lastLoad));
  return { profiles, registries };
}

/** Code lists of at most 10 codes: every code of one is listed, so the list tells nothing. */
async function smallCodeLists(lake: Lake): Promise<Map<string, string[]>> {
  const rows = await lake.query(
    sql`select system, list(code order by code) as codes from _catalog.vocabulary group by 1 having count(*) <= 10`,
  );
  return new Map(rows.map((r) => [String(r.system), (r.codes as unknown[]).map(String)]));
}

/** Each registry's published figures as of a load (the latest by default). */
export async function latestRegistryFigures(
  lake: Lake,
  loadId?: number,
): Promise<Map<string, RegistryPublished>> {
  const [exists] = await lake.query(
    sql`select count(*) as n from information_schema.tables where table_schema = '_catalog' and table_name = 'registry_figures' and table_catalog = current_database()`,
  );
  if (Number(exists?.n ?? 0) === 0) return new Map();
  const rows = await lake.query(
    sql`select registry, figures from _catalog.registry_figures
        ${loadId === undefined ? EMPTY : sql`where load_id <= ${int(loadId)}`}
        qualify row_number() over (partition by registry order by load_id desc) = 1`,
  );
  return new Map(
    rows.map((r) => [String(r.registry), JSON.parse(String(r.figures)) as RegistryPublished]),
  );
}

async function storeRegistryFigures(
  lake: Lake,
  loadId: number,
  figures: RegistryPublished[],
): Promise<void> {
  for (const f of figures)
    await lake.connection.run("insert into _catalog.registry_figures values ($loadId, $r, $f)", {
      loadId,
      r: f.registry,
      f: JSON.stringify(f),
    });
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
