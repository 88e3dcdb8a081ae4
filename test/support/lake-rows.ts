import type { Json } from "@duckdb/node-api";
import type { Lake } from "../../src/lake/lake.js";

/** Rows of a test's own SQL (trusted text, written in the test), straight on the connection. */
export async function lakeRows(lake: Lake, text: string): Promise<Array<Record<string, Json>>> {
  return (await lake.connection.runAndReadAll(text)).getRowObjectsJson();
}
