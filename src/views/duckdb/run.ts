import { type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import type { Row } from "../reference.js";
import type { CompiledSql, ReadMode } from "./compile.js";

/** JS values as the reference evaluator gives them: numbers, not bigints; [] for an empty collection. */
function normalise(value: unknown, collection: boolean): unknown {
  if (value === null || value === undefined) return collection ? [] : null;
  if (typeof value === "bigint") return Number(value);
  if (Array.isArray(value)) return value.map((v) => normalise(v, false));
  return value;
}

/** An in-memory DuckDB for running compiled views; close it when done. */
export async function openDuckdb(
  threads?: number,
): Promise<{ connection: DuckDBConnection; close: () => void }> {
  const instance = await DuckDBInstance.create(
    ":memory:",
    threads ? { threads: String(threads) } : {},
  );
  const connection = await instance.connect();
  return {
    connection,
    close: () => {
      connection.closeSync();
      instance.closeSync();
    },
  };
}

/** Streams the rows of a compiled view over NDJSON files, in chunks. */
export async function* runCompiled(
  connection: DuckDBConnection,
  sql: CompiledSql,
  files: readonly string[],
  mode: ReadMode,
): AsyncGenerator<Row[]> {
  const result = await connection.stream(sql.sql(files, mode));
  for await (const chunk of result.yieldRowObjectJs()) {
    yield chunk.map((raw) => {
      const row: Row = {};
      for (const c of sql.columns) row[c.name] = normalise(raw[c.name], c.collection);
      return row;
    });
  }
}
