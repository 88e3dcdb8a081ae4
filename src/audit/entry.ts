import { createHash } from "node:crypto";
import canonicalizeModule from "canonicalize";
import type { AuditLogTable } from "../store/schema.js";

export type AuditDetails = { readonly [key: string]: unknown };

export interface AuditEntry {
  seq: number;
  time: string;
  actor: string;
  actorRole: string;
  action: string;
  target: string | null;
  details: AuditDetails;
  prevHash: string;
  hash: string;
}

// The package is CommonJS (`module.exports = fn`) but its types declare an ES default export.
const canonicalize = canonicalizeModule as unknown as (value: unknown) => string | undefined;

/** The previous hash of entry 1. */
export const GENESIS_HASH = "0".repeat(64);

/** RFC 8785 canonical JSON: the same value always encodes to the same bytes. */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError("value cannot be encoded as canonical JSON");
  return text;
}

/** SHA-256 over the canonical encoding of every field of the entry, the previous hash included. */
export function entryHash(entry: Omit<AuditEntry, "hash">): string {
  const encoded = canonicalJson({
    seq: entry.seq,
    time: entry.time,
    actor: entry.actor,
    actorRole: entry.actorRole,
    action: entry.action,
    target: entry.target,
    details: entry.details,
    prevHash: entry.prevHash,
  });
  return createHash("sha256").update(encoded, "utf8").digest("hex");
}

export function entryFromRow(row: AuditLogTable): AuditEntry {
  return {
    seq: Number(row.seq),
    time: row.time,
    actor: row.actor,
    actorRole: row.actor_role,
    action: row.action,
    target: row.target,
    details: JSON.parse(row.details) as AuditDetails,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

export function rowFromEntry(entry: AuditEntry): AuditLogTable {
  return {
    seq: entry.seq,
    time: entry.time,
    actor: entry.actor,
    actor_role: entry.actorRole,
    action: entry.action,
    target: entry.target,
    details: canonicalJson(entry.details),
    prev_hash: entry.prevHash,
    hash: entry.hash,
  };
}
