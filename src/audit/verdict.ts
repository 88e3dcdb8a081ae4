import type { ControlStore } from "../store/control-store.js";
import type { Checkpoint } from "./checkpoint.js";
import type { CheckpointFileReading } from "./checkpoint-file.js";
import type { ChainBreak, VerifyResult } from "./log.js";

const LOOKUP_BATCH = 500;

export interface CheckpointSummary {
  file: string;
  seq: number;
  hash: string;
  time: string;
  keyId: string;
}

/** What `kaivo audit verify` found: each way the log can fail has its own outcome. */
export type AuditVerdict =
  | {
      ok: true;
      outcome: "intact";
      entries: number;
      head: { seq: number; hash: string } | null;
      /** The latest checkpoint the chain matches; null when checkpoints were not checked. */
      checkpoint: CheckpointSummary | null;
      /** Entries after the latest checkpoint: cutting these would not be noticed yet. */
      uncovered: number;
    }
  | {
      ok: false;
      outcome: "broken";
      entries: number;
      seq: number;
      problem: ChainBreak;
      message: string;
    }
  | {
      ok: false;
      outcome: "truncated";
      entries: number;
      checkpoint: CheckpointSummary;
      message: string;
    }
  | { ok: false; outcome: "wiped"; entries: 0; checkpoint: CheckpointSummary; message: string }
  | {
      ok: false;
      outcome: "rewritten";
      entries: number;
      checkpoint: CheckpointSummary;
      message: string;
    }
  | {
      ok: false;
      outcome: "checkpoint-invalid";
      entries: number;
      file: string;
      line: number;
      message: string;
    }
  | { ok: false; outcome: "unwitnessed"; entries: number; file: string; message: string };

export type AuditOutcome = AuditVerdict["outcome"];

/**
 * Judges a verified chain against the signed checkpoints. Every checkpoint is compared, not only
 * the latest: one that the chain's entry no longer matches proves a rewrite even if a later
 * checkpoint was signed over the rewritten chain.
 */
export async function judge(
  store: ControlStore,
  chain: VerifyResult,
  reading: CheckpointFileReading | null,
): Promise<AuditVerdict> {
  if (!chain.ok) return { ...chain, outcome: "broken" };
  const { entries, head } = chain;
  if (!reading)
    return { ok: true, outcome: "intact", entries, head, checkpoint: null, uncovered: 0 };
  const { file } = reading;
  if (reading.invalid) {
    return {
      ok: false,
      outcome: "checkpoint-invalid",
      entries,
      file,
      line: reading.invalid.line,
      message: `line ${reading.invalid.line} of the checkpoint file ${file} ${reading.invalid.reason}: the file was edited, or is not this deployment's`,
    };
  }
  const latest = reading.latest;
  if (!latest) {
    if (entries === 0) {
      return { ok: true, outcome: "intact", entries, head, checkpoint: null, uncovered: 0 };
    }
    return {
      ok: false,
      outcome: "unwitnessed",
      entries,
      file,
      message: `the log has ${entries} entries but ${reading.present ? "no checkpoint is in" : "there is no checkpoint file"} ${file}: it was removed, or checkpoints were never written`,
    };
  }
  const mismatch = await firstMismatch(store, reading.checkpoints, entries);
  if (mismatch) {
    return {
      ok: false,
      outcome: "rewritten",
      entries,
      checkpoint: summary(file, mismatch),
      message: `entry ${mismatch.seq} is not the one checkpoint ${mismatch.seq} signed at ${mismatch.time}: the chain was rewritten`,
    };
  }
  if (entries === 0) {
    return {
      ok: false,
      outcome: "wiped",
      entries,
      checkpoint: summary(file, latest),
      message: `the log is empty but checkpoint ${latest.seq}, signed at ${latest.time}, says it had ${latest.seq} entries: the log was wiped`,
    };
  }
  if (entries < latest.seq) {
    return {
      ok: false,
      outcome: "truncated",
      entries,
      checkpoint: summary(file, latest),
      message: `the log ends at entry ${entries} but checkpoint ${latest.seq}, signed at ${latest.time}, says it had reached ${latest.seq}: entries ${entries + 1}-${latest.seq} were cut from the end`,
    };
  }
  return {
    ok: true,
    outcome: "intact",
    entries,
    head,
    checkpoint: summary(file, latest),
    uncovered: entries - latest.seq,
  };
}

/** The lowest checkpoint, within the chain's length, whose entry has another hash. */
async function firstMismatch(
  store: ControlStore,
  checkpoints: Checkpoint[],
  entries: number,
): Promise<Checkpoint | null> {
  const inChain = checkpoints.filter((c) => c.seq <= entries);
  for (let i = 0; i < inChain.length; i += LOOKUP_BATCH) {
    const batch = inChain.slice(i, i + LOOKUP_BATCH);
    const rows = await store.db
      .selectFrom("audit_log")
      .select(["seq", "hash"])
      .where(
        "seq",
        "in",
        batch.map((c) => c.seq),
      )
      .execute();
    const hashes = new Map(rows.map((r) => [Number(r.seq), r.hash]));
    const found = batch.find((c) => hashes.get(c.seq) !== c.hash);
    if (found) return found;
  }
  return null;
}

function summary(file: string, c: Checkpoint): CheckpointSummary {
  return { file, seq: c.seq, hash: c.hash, time: c.time, keyId: c.keyId };
}
