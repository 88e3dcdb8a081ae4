import { chmodSync } from "node:fs";
import { join } from "node:path";
import { type DuckDBConnection, DuckDBInstance, type Json } from "@duckdb/node-api";
import type { Home } from "../home/home.js";
import { assertLakeNotLost, recordLakeExists } from "./lake-file.js";

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

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * The data lake: one DuckDB file of registries (schemas) and their tables. Rows are versioned by
 * load: a row is current while `load_to` is null, and the lake as of load L is every row with
 * `load_from <= L` and `load_to` null or above L. A load is one transaction.
 */
export class Lake {
  private constructor(
    readonly connection: DuckDBConnection,
    private readonly instance: DuckDBInstance,
  ) {}

  static async open(home: Home): Promise<Lake> {
    assertLakeNotLost(home);
    // A bounded memory limit with a spill folder keeps large loads from growing the process. A
    // load runs two statements at once (its checks beside the rest), which share it: at 512 MB a
    // 200 k-person export once ran out of memory; at 1 GB (the default) 500 k people load.
    const file = join(home.dir, "lake.duckdb");
    const instance = await DuckDBInstance.create(file, {
      memory_limit: home.config.lake.memoryLimit,
      temp_directory: join(home.dir, "staging", "duckdb"),
    });
    chmodSync(file, 0o600); // pseudonymized, but still the service's own data
    recordLakeExists(home);
    const connection = await instance.connect();
    await connection.run(`create table if not exists main._loads (
      load_id integer primary key, source varchar not null, fingerprint varchar not null,
      started_at varchar not null, finished_at varchar not null, report json not null)`);
    return new Lake(connection, instance);
  }

  /** Another connection to the lake, for work beside the main connection's; close it when done. */
  async connect(): Promise<DuckDBConnection> {
    return this.instance.connect();
  }

  /** Rows as JSON-safe objects (BIGINT as string, DATE as `YYYY-MM-DD`). */
  async rows(
    sql: string,
    params?: Record<string, string | number | boolean | null>,
  ): Promise<Array<Record<string, Json>>> {
    const reader = await this.connection.runAndReadAll(sql, params as never);
    return reader.getRowObjectsJson();
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

  /** A temp table of IDs (opt-outs, exclusions) for queries on this connection to join. */
  async tempIds(table: string, ids: Iterable<string>): Promise<void> {
    await this.connection.run(`create or replace temp table ${quote(table)} (pseudo_id varchar)`);
    const appender = await this.connection.createAppender(table);
    for (const id of ids) {
      appender.appendVarchar(id);
      appender.endRow();
    }
    appender.closeSync();
  }

  static qualified(registry: string, table: string): string {
    return `${quote(registry)}.${quote(table)}`;
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
    const reader = await this.connection.runAndReadAll(
      "select load_id from main._loads where source = $source and fingerprint = $fingerprint",
      { source, fingerprint },
    );
    const row = reader.getRowObjectsJson()[0];
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
      const r = (
        await this.connection.runAndReadAll(
          `select count(*) as n, count(distinct pseudo_id) as p from ${Lake.qualified(registry, table)} where ${Lake.asOf(asOfLoad)}`,
        )
      ).getRowObjectsJson()[0];
      out.push({ registry, table, rows: Number(r?.n ?? 0), people: Number(r?.p ?? 0) });
    }
    return out;
  }

  /** The SQL condition for rows visible at a load (latest when undefined), of an aliased table if given. */
  static asOf(load?: number, alias?: string): string {
    const a = alias ? `${alias}.` : "";
    if (load === undefined) return `${a}load_to is null`;
    const l = Math.trunc(load);
    return `${a}load_from <= ${l} and (${a}load_to is null or ${a}load_to > ${l})`;
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}
