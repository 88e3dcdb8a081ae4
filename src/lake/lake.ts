import { chmodSync, existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { type DuckDBConnection, DuckDBInstance, type Json } from "@duckdb/node-api";
import { ensureCatalogSchema } from "../catalog/catalog-store.js";
import { assignRecordKeys, hasRecordKeyTable } from "../disclosure/record-keys.js";
import type { Home } from "../home/home.js";
import { refuseWhileServed } from "../home/server-lock.js";
import { hostOf, LakeHost } from "./host.js";
import { assertLakeNotLost, recordLakeExists } from "./lake-file.js";
import { ident, int, runSql, type Sql, sql } from "./sql.js";

/** Columns every lake table has besides its own: who, when, where from, which versions. */
export const META_COLUMNS = [
  ["record_key", "VARCHAR"],
  ["pseudo_id", "VARCHAR"],
  ["event_date", "DATE"],
  ["source", "VARCHAR"],
  ["record_hash", "VARCHAR"],
  ["load_from", "INTEGER"],
  ["load_to", "INTEGER"],
] as const;

export interface LoadInfo {
  loadId: number;
  source: string;
  fingerprint: string;
  startedAt: string;
  finishedAt: string;
  report: unknown;
}

export interface TableInfo {
  registry: string;
  table: string;
  rows: number;
  people: number;
}

/**
 * The data lake: one DuckDB file of registries (schemas) and their tables. Rows are versioned by
 * load: a row is current while `load_to` is null, and the lake as of load L is every row with
 * `load_from <= L` and `load_to` null or above L. A load is one transaction.
 */
/** How a command may use the lake. */
export interface LakeAccess {
  /**
   * Open read-only: what every query path gets (feasibility, cohort sql/explain/validate,
   * catalog reads), so no statement through it can change the lake.
   */
  readOnly?: boolean;
  /**
   * Folders DuckDB may read and write besides the lake, its spill folder and, when writing, its
   * staging folder: a load's export, a release's folder.
   */
  folders?: string[];
}

export class Lake {
  private constructor(
    readonly connection: DuckDBConnection,
    private readonly instance: DuckDBInstance | LakeHost,
    /** Opened read-only: writes fail in DuckDB itself. */
    readonly readOnly: boolean,
    private readonly onClose: () => void,
    /** The host's generation this reader sees throughout, if it saw no writer (see `remember`). */
    private readonly generation?: number,
  ) {}

  /**
   * `compute`'s result, shared with other readers of the same committed lake on the server until
   * the next write; computed afresh on a writer's lake, outside a server, or while a write runs.
   * Callers must not change what it returns.
   */
  remember<T>(name: string, compute: () => Promise<T>): Promise<T> {
    const host = this.instance;
    return host instanceof LakeHost && this.generation !== undefined
      ? host.remember(this.generation, name, compute)
      : compute();
  }

  static async open(home: Home, access: LakeAccess = {}): Promise<Lake> {
    assertLakeNotLost(home);
    const host = hostOf(home);
    if (host) return Lake.openHosted(host, access);
    refuseWhileServed(home);
    const readOnly = access.readOnly === true;
    const file = join(home.dir, "lake.duckdb");
    // A read-only open needs the file and the service's own schemas: a writer makes them first.
    if (readOnly && !existsSync(file)) (await Lake.open(home)).close();
    // A bounded memory limit with a spill folder keeps large loads from growing the process. A
    // load runs two statements at once (its checks beside the rest), which share it: at 512 MB a
    // 200 k-person export once ran out of memory; at 1 GB (the default) 500 k people load.
    const instance = await DuckDBInstance.create(file, {
      memory_limit: home.config.lake.memoryLimit,
      temp_directory: join(home.dir, "staging", "duckdb"),
      ...(readOnly ? { access_mode: "READ_ONLY" } : {}),
    });
    const connection = await instance.connect();
    try {
      if (!readOnly) {
        chmodSync(file, 0o600); // pseudonymized, but still the service's own data
        recordLakeExists(home);
      }
      // A writer may also use the lake's own working folder, where loads stage their rows.
      const folders = [...(readOnly ? [] : [join(home.dir, "staging")]), ...(access.folders ?? [])];
      await restrictFiles(connection, folders, readOnly);
    } catch (error) {
      connection.closeSync();
      instance.closeSync();
      throw error;
    }
    const lake = new Lake(connection, instance, readOnly, () => {
      connection.closeSync();
      instance.closeSync();
    });
    if (!readOnly) await Lake.prepareForWriting(lake);
    return lake;
  }

  /**
   * A lake on the server's instance: a reader gets a connection in a read-only transaction (a
   * write through it fails in DuckDB, and it sees one snapshot throughout); a writer waits for
   * the writer slot. Folders must be ones the host allowed when it started.
   */
  private static async openHosted(host: LakeHost, access: LakeAccess): Promise<Lake> {
    host.checkFolders(access.folders ?? []);
    const readOnly = access.readOnly === true;
    const giveBack = readOnly ? () => {} : await host.acquireWriter();
    let connection: DuckDBConnection | undefined;
    try {
      connection = await host.connect();
      const before = host.generation;
      if (readOnly) {
        await connection.run("begin transaction read only");
        // DuckDB takes a transaction's snapshot when it first reads a database: read the catalog
        // now, so the snapshot is of the generation noted before.
        await connection.run("select count(*) from duckdb_tables()");
      }
      const seen = readOnly && host.generation === before ? before : undefined;
      const c = connection;
      const lake = new Lake(
        c,
        host,
        readOnly,
        () => {
          host.release(c);
          giveBack();
        },
        seen,
      );
      if (!readOnly) await Lake.prepareForWriting(lake);
      return lake;
    } catch (error) {
      if (connection) host.release(connection);
      giveBack();
      throw error;
    }
  }

  private static async prepareForWriting(lake: Lake): Promise<void> {
    await lake.connection.run(`create table if not exists main._loads (
      load_id integer primary key, source varchar not null, fingerprint varchar not null,
      started_at varchar not null, finished_at varchar not null, report json not null)`);
    await ensureCatalogSchema(lake);
    // A lake made before record keys gets them once, for everyone in it.
    if (!(await hasRecordKeyTable(lake))) await assignRecordKeys(lake);
  }

  /** Another connection to the lake, for work beside the main connection's; close it when done. */
  async connect(): Promise<DuckDBConnection> {
    return this.instance.connect();
  }

  /**
   * Runs one statement built with the `sql` tag: values bound, one statement only. Rows come back
   * as JSON-safe objects (BIGINT as string, DATE as `YYYY-MM-DD`).
   */
  query(statement: Sql): Promise<Array<Record<string, Json>>> {
    return runSql(this.connection, statement);
  }

  /** Runs `work` in one transaction: all of it lands, or none. */
  async transaction<T>(work: () => Promise<T>): Promise<T> {
    await this.connection.run("begin transaction");
    try {
      const result = await work();
      await this.connection.run("commit");
      return result;
    } catch (error) {
      await this.connection.run("rollback");
      throw error;
    }
  }

  /**
   * A temp table of IDs (opt-outs, exclusions) for queries on this connection to join; bound as
   * one list, since a read-only lake takes no appender, not even on a temp table.
   */
  async tempIds(table: string, ids: Iterable<string>): Promise<void> {
    await this.query(
      sql`create or replace temp table ${ident(table)} as select unnest(${[...ids]}::varchar[]) as pseudo_id`,
    );
  }

  static qualified(registry: string, table: string): Sql {
    return ident(registry, table);
  }

  async nextLoadId(): Promise<number> {
    const rows = (
      await this.connection.runAndReadAll(
        "select coalesce(max(load_id), 0) + 1 as n from main._loads",
      )
    ).getRowObjectsJson();
    return Number(rows[0]?.n ?? 1);
  }

  async loadWithFingerprint(source: string, fingerprint: string): Promise<number | undefined> {
    const [row] = await this.query(
      sql`select load_id from main._loads where source = ${source} and fingerprint = ${fingerprint}`,
    );
    return row ? Number(row.load_id) : undefined;
  }

  async snapshots(): Promise<LoadInfo[]> {
    const rows = (
      await this.connection.runAndReadAll("select * from main._loads order by load_id")
    ).getRowObjectsJson();
    return rows.map((r) => ({
      loadId: Number(r.load_id),
      source: String(r.source),
      fingerprint: String(r.fingerprint),
      startedAt: String(r.started_at),
      finishedAt: String(r.finished_at),
      report: JSON.parse(String(r.report)),
    }));
  }

  /** Lake tables (registries' schemas; `_`-schemas such as `_catalog` are the service's own) with row and people counts, as of a load (default: the latest). */
  async tables(asOfLoad?: number): Promise<TableInfo[]> {
    const list = (
      await this.connection.runAndReadAll(
        "select table_schema, table_name from information_schema.tables where table_schema <> 'main' and not starts_with(table_schema, '_') and table_type = 'BASE TABLE' order by 1, 2",
      )
    ).getRowObjectsJson();
    const out: TableInfo[] = [];
    for (const t of list) {
      const registry = String(t.table_schema);
      const table = String(t.table_name);
      const [r] = await this.query(
        sql`select count(*) as n, count(distinct pseudo_id) as p from ${Lake.qualified(registry, table)} where ${Lake.asOf(asOfLoad)}`,
      );
      out.push({ registry, table, rows: Number(r?.n ?? 0), people: Number(r?.p ?? 0) });
    }
    return out;
  }

  /** The SQL condition for rows visible at a load (latest when undefined), of an aliased table if given. */
  static asOf(load?: number, alias?: string): Sql {
    const col = (c: string) => (alias ? ident(alias, c) : ident(c));
    if (load === undefined) return sql`${col("load_to")} is null`;
    const l = int(Math.trunc(load));
    return sql`${col("load_from")} <= ${l} and (${col("load_to")} is null or ${col("load_to")} > ${l})`;
  }

  close(): void {
    this.onClose();
  }
}

/**
 * Defence in depth behind bound parameters: DuckDB may touch no file but the lake, its spill
 * folder and the folders named. Once external access is off DuckDB refuses to turn it on again
 * or to widen the folders, so even an injected statement could not read `keys/` or write outside
 * the lake. DuckDB does not resolve `..` in an allowed folder's paths, so query paths, where
 * researchers' input goes, get no folder at all; they also get their whole configuration locked
 * (UTC, memory, threads), where a load still tunes its own settings as it goes.
 */
async function restrictFiles(
  connection: DuckDBConnection,
  folders: string[],
  lock: boolean,
): Promise<void> {
  if (folders.length > 0) {
    const list = folders
      .map((f) => `'${resolve(f).replace(/\/*$/, "/").replace(/'/g, "''")}'`)
      .join(", ");
    await connection.run(`set allowed_directories = [${list}]`);
  }
  await connection.run("set enable_external_access = false");
  if (lock) {
    await connection.run("set TimeZone = 'UTC'");
    await connection.run("set lock_configuration = true");
  }
}
