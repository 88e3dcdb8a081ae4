import type { DuckDBConnection } from "@duckdb/node-api";
import type { SecretKey } from "../home/keys.js";
import { ident, runSql, sql } from "./sql.js";

/**
 * Installs a SQL macro `name(x)`: HMAC-SHA256(key, x) in hex, cut to 80 bits (20 characters), as
 * Node computes it. The key enters only as HMAC's two padded blocks in a temp table, never in SQL
 * text, so no statement or error message can carry it; `dropKeyedHash` removes both.
 */
export async function installKeyedHash(
  connection: DuckDBConnection,
  name: string,
  key: SecretKey,
): Promise<void> {
  const block = Buffer.alloc(64);
  key.bytes().copy(block);
  const ipad = new Uint8Array(block.map((b) => b ^ 0x36));
  const opad = new Uint8Array(block.map((b) => b ^ 0x5c));
  block.fill(0);
  const table = `_key_${name}`;
  // Bound as parameters: a read-only lake takes no appender, and SQL text never holds a key.
  await runSql(
    connection,
    sql`create or replace temp table ${ident(table)} as select ${ipad}::blob as ipad, ${opad}::blob as opad`,
  );
  ipad.fill(0);
  opad.fill(0);
  await connection.run(
    `create or replace temp macro ${name}(x) as substr(sha256((select opad from ${table}) || unhex(sha256((select ipad from ${table}) || encode(x)))), 1, 20)`,
  );
}

export async function dropKeyedHash(connection: DuckDBConnection, name: string): Promise<void> {
  await connection.run(`drop macro if exists ${name}`);
  await connection.run(`drop table if exists _key_${name}`);
}
