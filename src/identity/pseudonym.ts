import { createHmac } from "node:crypto";
import { base32 } from "rfc4648";
import type { SecretKey } from "../home/keys.js";

/** 80 bits, 16 base32 characters: no collision in any realistic population. */
const ID_BYTES = 10;

function keyed(key: SecretKey, text: string): string {
  const mac = createHmac("sha256", key.bytes()).update(text, "utf8").digest();
  return base32.stringify(mac.subarray(0, ID_BYTES), { pad: false }).toLowerCase();
}

/**
 * The lake pseudo-ID of a person: keyed HMAC-SHA256 of the person identifier (system and value)
 * under the lake key. The same person gets the same ID from every source on every day; without
 * the key it cannot be computed from an identity code.
 */
export function lakePseudoId(lakeKey: SecretKey, system: string, value: string): string {
  return keyed(lakeKey, `person|${system}|${value}`);
}

/** A stable key for a source record (type and id), so source ids are never stored raw in the lake. */
export function recordKey(lakeKey: SecretKey, source: string, type: string, id: string): string {
  return keyed(lakeKey, `record|${source}|${type}|${id}`);
}
