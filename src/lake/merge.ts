import { createHash, type Hash } from "node:crypto";
import { createReadStream, existsSync, statSync } from "node:fs";
import { assignRecordKeys } from "../disclosure/record-keys.js";
import type { LoadReport, TableReport } from "../ingest/report.js";
import type { Lake } from "./lake.js";
import { quoteIdent } from "./sql.js";
import { indexLoad } from "./word-index.js";

/**
 * The content hash of a staged record: equal hashes mean an unchanged record. Hex, so it never
 * looks like a word (a name) in the lake.
 */
export function contentHash(content: string | Buffer): string {
  return digest(createHash("sha256").update(content));
}

/** contentHash of `prefix` followed by a file's bytes, read in chunks rather than whole. */
export async function fileContentHash(file: string, prefix: string): Promise<string> {
  const hash = createHash("sha256").update(prefix);
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return digest(hash);
}

const digest = (hash: Hash) => hash.digest("hex").slice(0, 32);

/** One table's part of a load: its columns, its staged rows (NDJSON) and what to close. */
export interface MergeTable {
  registry: string;
  name: string;
  columns: Array<[string, string]>;
  /** The staged rows: an NDJSON file, or a temp table on the lake's connection. */
  staging: { file: string } | { table: string };
  /** Record keys the source deleted. */
  deletedKeys?: Set<string> | undefined;
  /** The staged rows are the whole table (a registry extract): current records not in it are deleted. */
  fullExtract?: boolean;
  /** The column of note text, kept in the word index by this same transaction (word-index.ts). */
  textColumn?: string | undefined;
  report: TableReport;
}

/**
 * One transaction: insert new and changed records, close replaced and deleted ones, and record
 * the load with its report. A record is unchanged when its content hash is; then nothing is written.
 */
export async function mergeLoad(
  lake: Lake,
  tables: MergeTable[],
  load: { loadId: number; fingerprint: string; report: LoadReport },
  /** Called just before the load's record is written, so the record can hold the merge's time. */
  beforeRecord?: () => void,
): Promise<void> {
  const c = lake.connection;
  const { loadId } = load;
  const started = new Date().toISOString();
  await lake.transaction(async () => {
    for (const t of tables) {
      const target = `${quoteIdent(t.registry)}.${quoteIdent(t.name)}`;
      await c.run(`create schema if not exists ${quoteIdent(t.registry)}`);
      await c.run(
        `create table if not exists ${target} (${t.columns.map(([n, ty]) => `${quoteIdent(n)} ${ty}`).join(", ")})`,
      );
      const stagingColumns = t.columns.filter(([n]) => n !== "load_from" && n !== "load_to");
      if ("file" in t.staging) {
        const file = t.staging.file;
        const staged = existsSync(file) && statSync(file).size > 0;
        const spec = `{${stagingColumns.map(([n, ty]) => `'${n}': '${ty}'`).join(", ")}}`;
        await c.run(
          staged
            ? `create or replace temp table stg as select * from read_ndjson('${file.replace(/'/g, "''")}', columns = ${spec}, format = 'newline_delimited')`
            : `create or replace temp table stg as select * from ${target} where false`,
        );
      }
      const stg = "file" in t.staging ? "stg" : t.staging.table;
      await c.run(`create or replace temp table stg_keys as
        select s.record_key, any_value(s.record_hash) as record_hash,
               (select any_value(t.record_hash) from ${target} t where t.record_key = s.record_key and t.load_to is null) as current_hash
        from ${stg} s group by s.record_key`);
      const counts =
        (
          await c.runAndReadAll(`select
            count(*) filter (where current_hash is null) as inserted,
            count(*) filter (where current_hash is not null and current_hash <> record_hash) as updated,
            count(*) filter (where current_hash = record_hash) as unchanged
            from stg_keys`)
        ).getRowObjectsJson()[0] ?? {};
      t.report.inserted = Number(counts.inserted ?? 0);
      t.report.updated = Number(counts.updated ?? 0);
      t.report.unchanged = Number(counts.unchanged ?? 0);
      await c.run(`update ${target} set load_to = ${loadId} where load_to is null and record_key in
        (select record_key from stg_keys where current_hash is not null and current_hash <> record_hash)`);
      const names = stagingColumns.map(([n]) => quoteIdent(n)).join(", ");
      await c.run(`insert into ${target} (${names}, load_from, load_to)
        select ${names}, ${loadId}, null from ${stg} where record_key in
        (select record_key from stg_keys where current_hash is null or current_hash <> record_hash)`);

      await c.run("create or replace temp table del_keys (record_key varchar)");
      if (t.deletedKeys && t.deletedKeys.size > 0) {
        const appender = await c.createAppender("del_keys");
        for (const k of t.deletedKeys) {
          appender.appendVarchar(k);
          appender.endRow();
        }
        appender.closeSync();
      }
      if (t.fullExtract) {
        await c.run(`insert into del_keys select distinct record_key from ${target}
          where load_to is null and load_from < ${loadId} and record_key not in (select record_key from stg_keys)`);
      }
      const closing = (
        await c.runAndReadAll(
          `select count(distinct record_key) as n from ${target} where load_to is null and load_from < ${loadId} and record_key in (select record_key from del_keys)`,
        )
      ).getRowObjectsJson()[0];
      t.report.deleted = Number(closing?.n ?? 0);
      await c.run(
        `update ${target} set load_to = ${loadId} where load_to is null and load_from < ${loadId} and record_key in (select record_key from del_keys)`,
      );
      if (t.textColumn) {
        const t0 = performance.now();
        await indexLoad(
          lake,
          { registry: t.registry, table: t.name, column: t.textColumn },
          loadId,
        );
        // Part of the merge's time; reported apart so its cost stays visible.
        const { seconds } = load.report;
        seconds.index = Math.round((seconds.index ?? 0) * 1000 + performance.now() - t0) / 1000;
      }
    }
    // New people get their permanent record key in the same transaction as their first rows.
    await assignRecordKeys(lake, loadId);
    beforeRecord?.();
    await c.run(
      "insert into main._loads values ($loadId, $source, $fingerprint, $started, $finished, $report)",
      {
        loadId,
        source: load.report.source,
        fingerprint: load.fingerprint,
        started,
        finished: new Date().toISOString(),
        report: JSON.stringify(load.report),
      },
    );
  });
}
