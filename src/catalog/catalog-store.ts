import { createHash } from "node:crypto";
import type { Lake } from "../lake/lake.js";
import { sql } from "../lake/sql.js";
import { NotFoundError, ValidationError } from "../shared/errors.js";
import type { RegistryDescription, RegistryMeta, TableMeta, VariableMeta } from "./metadata.js";

/**
 * The catalog lives in the lake file, in schema `_catalog`: it describes the lake, its profiles
 * are per lake snapshot, and the cohort compiler reads it over the same connection.
 */
export async function ensureCatalogSchema(lake: Lake): Promise<void> {
  // Every writable open makes the schema, so a read-only lake has it already.
  if (lake.readOnly) return;
  const c = lake.connection;
  await c.run("create schema if not exists _catalog");
  await c.run(`create table if not exists _catalog.registries (
    registry varchar not null, meta json not null, updated_at varchar not null)`);
  await c.run(`create table if not exists _catalog.tables (
    registry varchar not null, table_name varchar not null, meta json not null)`);
  await c.run(`create table if not exists _catalog.variables (
    registry varchar not null, table_name varchar not null, variable varchar not null,
    position integer not null, meta json not null)`);
  await c.run(`create table if not exists _catalog.annotations (
    seq integer not null, target varchar not null, field varchar not null, value varchar,
    by_user varchar not null, at_time varchar not null)`);
  await c.run(`create table if not exists _catalog.vocabulary (
    system varchar not null, code varchar not null, title_fi varchar, title_en varchar,
    unit varchar, plausible_min double, plausible_max double)`);
  await c.run(`create table if not exists _catalog.profiles (
    load_id integer not null, registry varchar not null, table_name varchar not null,
    profile json not null)`);
  await c.run(`create table if not exists _catalog.registry_figures (
    load_id integer not null, registry varchar not null, figures json not null)`);
  await c.run(`create table if not exists _catalog.profile_runs (
    load_id integer not null, seconds double not null, tables integer not null)`);
  await c.run(`create table if not exists _catalog.quality (
    load_id integer not null, check_id varchar not null, registry varchar not null,
    table_name varchar not null, variable varchar, failing bigint not null, total bigint not null,
    threshold double not null, fatal boolean not null)`);
}

/** Replaces what the catalog says about a registry with what its mapping says now. */
export async function saveRegistryDescription(lake: Lake, d: RegistryDescription): Promise<void> {
  const c = lake.connection;
  const registry = d.registry.registry;
  await lake.transaction(async () => {
    for (const t of ["registries", "tables", "variables"])
      await c.run(`delete from _catalog.${t} where registry = $registry`, { registry });
    await c.run("insert into _catalog.registries values ($registry, $meta, $at)", {
      registry,
      meta: JSON.stringify(d.registry),
      at: new Date().toISOString(),
    });
    for (const t of d.tables)
      await c.run("insert into _catalog.tables values ($registry, $table, $meta)", {
        registry,
        table: t.table,
        meta: JSON.stringify(t),
      });
    const appender = await c.createAppender("variables", "_catalog");
    d.variables.forEach((v, i) => {
      appender.appendVarchar(registry);
      appender.appendVarchar(v.table);
      appender.appendVarchar(v.variable);
      appender.appendInteger(i);
      appender.appendVarchar(JSON.stringify(v));
      appender.endRow();
    });
    appender.closeSync();
  });
}

/** Fields a steward may annotate, per level. */
export const ANNOTATABLE = {
  registry: [
    "title",
    "titleFi",
    "description",
    "descriptionFi",
    "owner",
    "sourceSystem",
    "updateFrequency",
    "keywords",
  ],
  table: ["title", "titleFi", "description", "descriptionFi", "keywords"],
  variable: ["title", "titleFi", "description", "descriptionFi", "unit", "codeSystem"],
} as const;

export interface Catalog {
  registries: RegistryMeta[];
  tables: TableMeta[];
  variables: VariableMeta[];
}

/**
 * The whole catalog with stewards' annotations applied (the latest per field wins). A copy of
 * its caller's own: on the server it is read once per write of the lake.
 */
export async function readCatalog(lake: Lake): Promise<Catalog> {
  return structuredClone(await sharedCatalog(lake));
}

/**
 * The catalog shared by every reader of this write generation, deeply frozen: for readers that
 * only look (compiling a cohort, a cache key), where a copy per request cost more than the rest.
 */
export function sharedCatalog(lake: Lake): Promise<Catalog> {
  return lake.remember("catalog", async () => deepFreeze(await catalogOfLake(lake)));
}

/** A digest of the catalog, for cache keys: hashing the whole catalog per request was costly. */
export function catalogDigest(lake: Lake): Promise<string> {
  return lake.remember("catalog-digest", async () =>
    createHash("sha256")
      .update(JSON.stringify(await sharedCatalog(lake)))
      .digest("hex"),
  );
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

async function catalogOfLake(lake: Lake): Promise<Catalog> {
  const annotations = new Map<string, Record<string, string>>();
  for (const a of await lake.query(
    sql`select target, field, value from _catalog.annotations order by seq`,
  )) {
    const fields = annotations.get(String(a.target)) ?? {};
    fields[String(a.field)] = String(a.value ?? "");
    annotations.set(String(a.target), fields);
  }
  const overlay = <T extends object>(target: string, meta: T): T => {
    const fields = annotations.get(target);
    if (!fields) return meta;
    const out: Record<string, unknown> = { ...(meta as Record<string, unknown>) };
    for (const [field, value] of Object.entries(fields)) {
      if (field === "keywords")
        out.keywords = value
          .split(",")
          .map((k) => k.trim())
          .filter(Boolean);
      else out[field] = value;
    }
    return out as T;
  };
  const registries = (
    await lake.query(sql`select registry, meta from _catalog.registries order by registry`)
  ).map((r) => overlay(String(r.registry), JSON.parse(String(r.meta)) as RegistryMeta));
  const tables = (
    await lake.query(sql`select meta from _catalog.tables order by registry, table_name`)
  ).map((r) => {
    const t = JSON.parse(String(r.meta)) as TableMeta;
    return overlay(`${t.registry}.${t.table}`, t);
  });
  const variables = (
    await lake.query(
      sql`select meta from _catalog.variables order by registry, table_name, position`,
    )
  ).map((r) => {
    const v = JSON.parse(String(r.meta)) as VariableMeta;
    return overlay(`${v.registry}.${v.table}.${v.variable}`, v);
  });
  return { registries, tables, variables };
}

export type CatalogTarget =
  | { level: "registry"; registry: string }
  | { level: "table"; registry: string; table: string }
  | { level: "variable"; registry: string; table: string; variable: string };

/** Resolves `REGISTRY[.TABLE[.VARIABLE]]` against the catalog, or says what exists. */
export function resolveTarget(catalog: Catalog, name: string): CatalogTarget {
  const [registry, table, variable, ...rest] = name.split(".");
  if (!registry || rest.length > 0)
    throw new ValidationError(
      `"${name}" is not REGISTRY, REGISTRY.TABLE or REGISTRY.TABLE.VARIABLE.`,
    );
  if (!catalog.registries.some((r) => r.registry === registry))
    throw new NotFoundError(
      `No registry "${registry}" in the catalog.`,
      `Registries: ${catalog.registries.map((r) => r.registry).join(", ") || "(none: ingest data first)"}.`,
    );
  if (table === undefined) return { level: "registry", registry };
  const tables = catalog.tables.filter((t) => t.registry === registry);
  if (!tables.some((t) => t.table === table))
    throw new NotFoundError(
      `No table "${table}" in registry ${registry}.`,
      `Tables: ${tables.map((t) => t.table).join(", ")}.`,
    );
  if (variable === undefined) return { level: "table", registry, table };
  const variables = catalog.variables.filter((v) => v.registry === registry && v.table === table);
  if (!variables.some((v) => v.variable === variable))
    throw new NotFoundError(
      `No variable "${variable}" in ${registry}.${table}.`,
      `Variables: ${variables.map((v) => v.variable).join(", ")}.`,
    );
  return { level: "variable", registry, table, variable };
}

export async function addAnnotations(
  lake: Lake,
  target: string,
  fields: Record<string, string>,
  byUser: string,
): Promise<void> {
  const next = Number(
    (await lake.query(sql`select coalesce(max(seq), 0) + 1 as n from _catalog.annotations`))[0]
      ?.n ?? 1,
  );
  const at = new Date().toISOString();
  let seq = next;
  for (const [field, value] of Object.entries(fields)) {
    await lake.connection.run(
      "insert into _catalog.annotations values ($seq, $target, $field, $value, $by, $at)",
      { seq: seq++, target, field, value, by: byUser, at },
    );
  }
}
