import { createHmac } from "node:crypto";
import { base32 } from "rfc4648";
import type { SecretKey } from "../home/keys.js";

/** 80 bits, 16 base32 characters: no collision in any realistic population. */
const ID_BYTES = 10;

function mac(key: SecretKey, text: string): Buffer {
  return createHmac("sha256", key.bytes()).update(text, "utf8").digest().subarray(0, ID_BYTES);
}

function keyed(key: SecretKey, text: string): string {
  return base32.stringify(mac(key, text), { pad: false }).toLowerCase();
}

/**
 * The lake pseudo-ID of a person: keyed HMAC-SHA256 of the person identifier (system and value)
 * under the lake key. The same person gets the same ID from every source on every day; without
 * the key it cannot be computed from an identity code.
 */
export function lakePseudoId(lakeKey: SecretKey, system: string, value: string): string {
  return keyed(lakeKey, `person|${system}|${value}`);
}

/**
 * A stable key for a source record (type and id), so source ids are never stored raw in the lake.
 * Hex, so that the load's SQL (`recordKeySql`) computes the same key inside DuckDB.
 */
export function recordKey(lakeKey: SecretKey, source: string, type: string, id: string): string {
  return mac(lakeKey, recordKeyText(source, type, id)).toString("hex");
}

function recordKeyText(source: string, type: string, id: string): string {
  return `record|${source}|${type}|${id}`;
}

/** The SQL macro (installKeyedHash under the lake key) that recordKeySql calls. */
export const LAKE_KEY_MACRO = "lake_key";

/** recordKey in SQL, given the LAKE_KEY_MACRO macro and SQL for the id. */
export function recordKeySql(source: string, type: string, idSql: string): string {
  const prefix = recordKeyText(source, type, "").replace(/'/g, "''");
  return `${LAKE_KEY_MACRO}('${prefix}' || ${idSql})`;
}
