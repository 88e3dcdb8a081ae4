import { authorize } from "../auth/permissions.js";
import type { Actor } from "../auth/roles.js";
import { ConfigError, ValidationError } from "../shared/errors.js";
import type { ControlStore } from "../store/control-store.js";
import { appendAudit } from "./append.js";
import type { Checkpoint } from "./checkpoint.js";
import { type AuditEntry, entryFromRow, entryHash, GENESIS_HASH } from "./entry.js";
import { type AuditVerdict, judge } from "./verdict.js";

const VERIFY_BATCH = 5_000;

export type ChainBreak =
  | "missing" // a sequence number is absent: the entry was deleted
  | "unlinked" // the entry does not point at its predecessor: reordered, inserted or replaced
  | "edited" // the entry's contents no longer match its own hash
  | "anchor"; // the entry recorded as an anchor is gone or differs: truncated or rewritten

export type VerifyResult =
  | { ok: true; entries: number; head: { seq: number; hash: string } | null }
  | { ok: false; entries: number; seq: number; problem: ChainBreak; message: string };

/** A chain head recorded outside Kaivo, e.g. in a ticket or a signed e-mail. */
export interface Anchor {
  seq: number;
  hash: string;
}

export function parseAnchor(text: string): Anchor {
  const m = /^(\d+):([0-9a-f]{64})$/.exec(text.trim());
  if (!m) throw new ValidationError("An anchor is SEQ:HASH, as printed by `kaivo audit verify`.");
  return { seq: Number(m[1]), hash: m[2] as string };
}

/**
 * Walks the whole chain in sequence order, in batches so memory stays flat, and reports the
 * first entry where it breaks. Without an anchor, removing entries from the end cannot be told
 * from a shorter log; an anchor catches that.
 */
export async function verifyChain(store: ControlStore, anchor?: Anchor): Promise<VerifyResult> {
  let expectedSeq = 1;
  let prevHash = GENESIS_HASH;
  let anchorSeen = false;
  for (;;) {
    const rows = await store.db
      .selectFrom("audit_log")
      .selectAll()
      .where("seq", ">=", expectedSeq)
      .orderBy("seq", "asc")
      .limit(VERIFY_BATCH)
      .execute();
    for (const row of rows) {
      const seq = Number(row.seq);
      const checked = expectedSeq - 1;
      if (seq !== expectedSeq) {
        return broken(
          checked,
          expectedSeq,
          "missing",
          `entry ${expectedSeq} is missing (the next is ${seq})`,
        );
      }
      if (row.prev_hash !== prevHash) {
        return broken(checked, seq, "unlinked", `entry ${seq} does not link to entry ${seq - 1}`);
      }
      let entry: AuditEntry;
      try {
        entry = entryFromRow(row);
      } catch {
        return broken(checked, seq, "edited", `entry ${seq} has details that are not valid JSON`);
      }
      const { hash, ...unhashed } = entry;
      if (entryHash(unhashed) !== hash) {
        return broken(checked, seq, "edited", `entry ${seq} does not match its hash`);
      }
      if (anchor && anchor.seq === seq) {
        if (anchor.hash !== hash) {
          return broken(checked, seq, "anchor", `entry ${seq} differs from the anchor`);
        }
        anchorSeen = true;
      }
      prevHash = hash;
      expectedSeq = seq + 1;
    }
    if (rows.length < VERIFY_BATCH) break;
  }
  const entries = expectedSeq - 1;
  if (anchor && !anchorSeen) {
    return broken(
      entries,
      anchor.seq,
      "anchor",
      `anchored entry ${anchor.seq} is gone (the log ends at ${entries})`,
    );
  }
  return { ok: true, entries, head: entries > 0 ? { seq: entries, hash: prevHash } : null };
}

function broken(entries: number, seq: number, problem: ChainBreak, message: string): VerifyResult {
  return { ok: false, entries, seq, problem, message };
}

export interface VerifyOptions {
  /** A head recorded by hand earlier. */
  anchor?: Anchor;
  /** A copy of the checkpoint file from elsewhere (another host, a witness) to verify against. */
  checkpointFile?: string;
}

/**
 * Verifies the chain for an auditor, then holds it against the signed checkpoints, so a log cut
 * short, wiped or rewritten is told from an intact one. The verification itself is audited.
 */
export async function verifyAudit(
  store: ControlStore,
  actor: Actor,
  options: VerifyOptions = {},
): Promise<AuditVerdict> {
  await authorize(store, actor, "audit.verify");
  if (options.checkpointFile && !store.checkpoints) {
    throw new ConfigError(
      "This control store was opened without a home, so it has no signing key.",
    );
  }
  const chain = await verifyChain(store, options.anchor);
  const reading = store.checkpoints ? await store.checkpoints.read(options.checkpointFile) : null;
  const verdict = await judge(store, chain, reading);
  // A read-only home (an auditor's copy, a read-only mount) is verified without a record.
  if (store.readOnly) return verdict;
  await appendAudit(store, actor, {
    action: "audit.verify",
    details: {
      ok: verdict.ok,
      outcome: verdict.outcome,
      entries: verdict.entries,
      anchored: options.anchor !== undefined,
      ...(verdict.outcome === "broken" ? { seq: verdict.seq, problem: verdict.problem } : {}),
      ...("checkpoint" in verdict && verdict.checkpoint
        ? { checkpoint: verdict.checkpoint.seq }
        : {}),
    },
  });
  return verdict;
}

/**
 * Signs a checkpoint of the chain now, e.g. before handing the checkpoint file to a witness.
 * The request is audited first, so the checkpoint covers it.
 */
export async function checkpointAudit(store: ControlStore, actor: Actor): Promise<Checkpoint> {
  await authorize(store, actor, "audit.checkpoint");
  const checkpoints = store.checkpoints;
  if (!checkpoints) {
    throw new ConfigError(
      "This control store was opened without a home, so it has no signing key.",
    );
  }
  const entry = await appendAudit(store, actor, { action: "audit.checkpoint" });
  const latest = await checkpoints.latest();
  // The append may have signed it already, when a checkpoint was due.
  if (latest && latest.seq === entry.seq && latest.hash === entry.hash) return latest;
  return checkpoints.write(store, entry);
}

/** The newest `n` entries, oldest first. Reading the log is itself audited. */
export async function tailAudit(
  store: ControlStore,
  actor: Actor,
  n: number,
): Promise<AuditEntry[]> {
  if (!Number.isInteger(n) || n < 1)
    throw new ValidationError("-n must be a positive whole number.");
  await authorize(store, actor, "audit.read");
  const rows = await store.db
    .selectFrom("audit_log")
    .selectAll()
    .orderBy("seq", "desc")
    .limit(n)
    .execute();
  await appendAudit(store, actor, { action: "audit.read", details: { entries: rows.length } });
  return rows.reverse().map(entryFromRow);
}

export async function countAudit(store: ControlStore): Promise<number> {
  const row = await store.db
    .selectFrom("audit_log")
    .select((eb) => eb.fn.countAll().as("n"))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** How many entries the log holds, for those who may read it (`GET /api/audit/count`). */
export async function countAuditEntries(store: ControlStore, actor: Actor): Promise<number> {
  await authorize(store, actor, "audit.read");
  return countAudit(store);
}
