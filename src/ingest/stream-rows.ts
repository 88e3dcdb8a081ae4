import type { DuckDBConnection, DuckDBValue } from "@duckdb/node-api";

/**
 * A query's rows, chunk by chunk, and an error at the end unless every row came: DuckDB ends a
 * stream without an error when its connection runs another statement meanwhile (an appender's
 * flush is one), and a load must never go on with part of its rows.
 */
export async function* streamRows(
  c: DuckDBConnection,
  sql: string,
): AsyncGenerator<DuckDBValue[][]> {
  const expected = Number(
    (await c.runAndReadAll(`SELECT count(*) FROM (${sql})`)).getRows()[0]?.[0],
  );
  const result = await c.stream(sql);
  let seen = 0;
  for await (const rows of result.yieldRows()) {
    seen += rows.length;
    yield rows;
  }
  if (seen !== expected)
    throw new Error(
      `A stream of ${expected} rows from the lake ended after ${seen}; nothing was loaded. This is a bug in Kaivo: please report it.`,
    );
}
