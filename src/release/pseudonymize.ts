import type { SecretKey } from "../home/keys.js";
import type { Lake } from "../lake/lake.js";

/**
 * Re-pseudonymization inside DuckDB: `rel_id(x)` is HMAC-SHA256(permit key, x), hex, cut to 80
 * bits. The key enters only as HMAC's two padded blocks in a temp table, never in SQL text, so
 * no statement or error message can carry it; `forgetPermitKey` drops it.
 */
export async function usePermitKey(lake: Lake, key: SecretKey): Promise<void> {
  const block = Buffer.alloc(64);
  key.bytes().copy(block);
  const ipad = new Uint8Array(block.map((b) => b ^ 0x36));
  const opad = new Uint8Array(block.map((b) => b ^ 0x5c));
  block.fill(0);
  const c = lake.connection;
  await c.run("create or replace temp table _release_key (ipad blob, opad blob)");
  const appender = await c.createAppender("_release_key");
  appender.appendBlob(ipad);
  appender.appendBlob(opad);
  appender.endRow();
  appender.closeSync();
  ipad.fill(0);
  opad.fill(0);
  await c.run(
    "create or replace temp macro rel_id(x) as substr(sha256((select opad from _release_key) || unhex(sha256((select ipad from _release_key) || encode(x)))), 1, 20)",
  );
}

export async function forgetPermitKey(lake: Lake): Promise<void> {
  await lake.connection.run("drop macro if exists rel_id");
  await lake.connection.run("drop table if exists _release_key");
}
