import { canonicalJson } from "./entry.js";
import type { AuditSigningKey, AuditVerifyKey } from "./signing-key.js";

/** A signed statement that the audit chain had reached `seq` with head `hash` at `time`. */
export interface Checkpoint {
  seq: number;
  hash: string;
  time: string;
  keyId: string;
  /** Ed25519 signature, base64, over `signedBytes` of the other fields. */
  signature: string;
}

// Names what is signed, so a signature from this key can never be passed off as something else.
const KIND = "kaivo.audit.checkpoint.v1";

function signedBytes(c: Omit<Checkpoint, "signature">): string {
  return canonicalJson({ kind: KIND, seq: c.seq, hash: c.hash, time: c.time, keyId: c.keyId });
}

export function signCheckpoint(
  key: AuditSigningKey,
  head: { seq: number; hash: string },
  time: Date = new Date(),
): Checkpoint {
  const unsigned = { seq: head.seq, hash: head.hash, time: time.toISOString(), keyId: key.keyId };
  return { ...unsigned, signature: key.sign(signedBytes(unsigned)).toString("base64") };
}

/** One line of the checkpoint file (and the body POSTed to a witness). */
export function checkpointLine(c: Checkpoint): string {
  return `${canonicalJson({ kind: KIND, ...c })}\n`;
}

export type ParsedCheckpoint = { ok: true; checkpoint: Checkpoint } | { ok: false; reason: string };

/** Parses one line and checks its signature against the deployment's key. */
export function parseCheckpointLine(line: string, key: AuditVerifyKey): ParsedCheckpoint {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    return { ok: false, reason: "is not valid JSON" };
  }
  const c = raw as Partial<Checkpoint> & { kind?: unknown };
  if (
    c === null ||
    typeof c !== "object" ||
    c.kind !== KIND ||
    !Number.isSafeInteger(c.seq) ||
    (c.seq as number) < 1 ||
    typeof c.hash !== "string" ||
    !/^[0-9a-f]{64}$/.test(c.hash) ||
    typeof c.time !== "string" ||
    Number.isNaN(Date.parse(c.time)) ||
    typeof c.keyId !== "string" ||
    typeof c.signature !== "string"
  ) {
    return { ok: false, reason: "is not a checkpoint (a field is missing or malformed)" };
  }
  const checkpoint: Checkpoint = {
    seq: c.seq as number,
    hash: c.hash,
    time: c.time,
    keyId: c.keyId,
    signature: c.signature,
  };
  if (checkpoint.keyId !== key.keyId) {
    return {
      ok: false,
      reason: `is signed by key ${checkpoint.keyId}, not this deployment's key ${key.keyId}`,
    };
  }
  if (!key.verify(signedBytes(checkpoint), Buffer.from(checkpoint.signature, "base64"))) {
    return { ok: false, reason: "has a signature that does not verify" };
  }
  return { ok: true, checkpoint };
}
