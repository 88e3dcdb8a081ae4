import { isAbsolute, join } from "node:path";
import { type Home, homeKey } from "../home/home.js";
import { KaivoError } from "../shared/errors.js";
import type { ControlStore } from "../store/control-store.js";
import { type Checkpoint, signCheckpoint } from "./checkpoint.js";
import {
  appendCheckpointFile,
  type CheckpointFileReading,
  readCheckpointFile,
  readLatestCheckpoint,
} from "./checkpoint-file.js";
import { type AuditSigningKey, auditSigningKey } from "./signing-key.js";
import { type SyslogTarget, sendToSyslog } from "./syslog.js";
import { postToWitness } from "./witness.js";

/** A checkpoint could not be written to one of its sinks; the audit entry itself is committed. */
export class CheckpointError extends KaivoError {}

export interface CheckpointSettings {
  /** The append-only checkpoint file, absolute. */
  file: string;
  every: number;
  maxAgeMs: number;
  witnessUrl?: string;
  syslog?: SyslogTarget;
}

export interface ChainHead {
  seq: number;
  hash: string;
}

/** Signed checkpoints of one deployment's audit chain. Attached to its control store. */
export interface AuditCheckpoints {
  readonly settings: CheckpointSettings;
  readonly key: AuditSigningKey;
  /**
   * Called after an entry is committed: signs a checkpoint if one is due. Never throws, as the
   * entry is already safe; a failure goes to `report` and the next append tries again.
   */
  afterAppend(store: ControlStore, head: ChainHead): Promise<Checkpoint | null>;
  /** Signs a checkpoint of `head` now. Throws CheckpointError if a sink fails. */
  write(store: ControlStore, head: ChainHead): Promise<Checkpoint>;
  read(file?: string): Promise<CheckpointFileReading>;
  /** The newest valid checkpoint near the end of the file; cheap, for status and scheduling. */
  latest(): Promise<Checkpoint | null>;
}

export type CheckpointFailureReport = (error: CheckpointError) => void;

/** Processes without a better place (the CLI) print failures as a warning on stderr. */
const warnOnStderr: CheckpointFailureReport = (error) => {
  process.stderr.write(`kaivo: warning: ${error.message}\n  ${error.hint ?? ""}\n`);
};

export function checkpointsForHome(
  home: Home,
  report: CheckpointFailureReport = warnOnStderr,
): AuditCheckpoints {
  const { audit } = home.config;
  return auditCheckpoints(
    auditSigningKey(homeKey(home, "audit-signing")),
    {
      file: isAbsolute(audit.checkpointFile)
        ? audit.checkpointFile
        : join(home.dir, audit.checkpointFile),
      every: audit.checkpointEvery,
      maxAgeMs: audit.checkpointMaxAgeHours * 3_600_000,
      ...(audit.witnessUrl ? { witnessUrl: audit.witnessUrl } : {}),
      ...(audit.syslog ? { syslog: audit.syslog } : {}),
    },
    report,
  );
}

export function auditCheckpoints(
  key: AuditSigningKey,
  settings: CheckpointSettings,
  report: CheckpointFailureReport = warnOnStderr,
): AuditCheckpoints {
  // The newest checkpoint this process knows of; undefined until the file is first read.
  let last: Checkpoint | null | undefined;
  // One checkpoint at a time in this process, so concurrent appends do not all sign at once.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(work: () => Promise<T>): Promise<T> => {
    const run = queue.then(work);
    queue = run.catch(() => undefined);
    return run;
  };

  const read = (file = settings.file) => readCheckpointFile(file, key);

  async function known(): Promise<Checkpoint | null> {
    if (last === undefined) last = await readLatestCheckpoint(settings.file, key);
    return last;
  }

  async function writeNow(store: ControlStore, head: ChainHead): Promise<Checkpoint> {
    const previous = await known();
    await assertExtends(store, previous, head);
    const checkpoint = signCheckpoint(key, head);
    const failures: string[] = [];
    try {
      await appendCheckpointFile(settings.file, checkpoint);
      if (!last || checkpoint.seq > last.seq) last = checkpoint;
    } catch (error) {
      failures.push(`the file ${settings.file} could not be written (${(error as Error).message})`);
    }
    if (settings.witnessUrl) {
      try {
        await postToWitness(settings.witnessUrl, checkpoint);
      } catch (error) {
        failures.push((error as Error).message);
      }
    }
    if (settings.syslog) {
      try {
        await sendToSyslog(settings.syslog, checkpoint);
      } catch (error) {
        failures.push((error as Error).message);
      }
    }
    if (failures.length > 0) {
      throw new CheckpointError(
        `The audit checkpoint at entry ${head.seq} was not written everywhere: ${failures.join("; ")}.`,
        "The audit entry itself is safe in the control store. Fix audit.checkpointFile, " +
          "audit.witnessUrl or audit.syslog in kaivo.json, then run `kaivo audit checkpoint`.",
      );
    }
    return checkpoint;
  }

  return {
    settings,
    key,
    read,
    latest: () => readLatestCheckpoint(settings.file, key),
    write: (store, head) => serial(() => writeNow(store, head)),
    afterAppend: (store, head) =>
      serial(async () => {
        try {
          if (!isDue(head, await known(), settings)) return null;
          return await writeNow(store, head);
        } catch (error) {
          report(
            error instanceof CheckpointError
              ? error
              : new CheckpointError(
                  `The audit checkpoint at entry ${head.seq} was not written: ${(error as Error).message}.`,
                  "The audit entry itself is safe in the control store; run `kaivo audit verify`.",
                ),
          );
          return null;
        }
      }),
  };
}

/**
 * Due on the first entry ever signed, whenever the chain passes a multiple of `every` (so a
 * failed checkpoint is retried by the next append), and once the latest is older than maxAge.
 */
export function isDue(head: ChainHead, last: Checkpoint | null, s: CheckpointSettings): boolean {
  if (!last) return true;
  if (head.seq <= last.seq) return false;
  if (Math.floor(head.seq / s.every) > Math.floor(last.seq / s.every)) return true;
  return Date.now() - Date.parse(last.time) >= s.maxAgeMs;
}

/**
 * A checkpoint only ever extends what was signed before: if the entry of the previous one is gone
 * or different, signing the new head would bless a cut or rewritten chain.
 */
async function assertExtends(
  store: ControlStore,
  previous: Checkpoint | null,
  head: ChainHead,
): Promise<void> {
  if (!previous) return;
  const row = await store.db
    .selectFrom("audit_log")
    .select("hash")
    .where("seq", "=", previous.seq)
    .executeTakeFirst();
  if (row?.hash !== previous.hash) {
    throw new CheckpointError(
      `Refusing to sign an audit checkpoint at entry ${head.seq}: entry ${previous.seq} is ${row ? "not the one" : "gone, though it is"} signed by the previous checkpoint.`,
      "Run `kaivo audit verify` and treat the audit log as tampered with.",
    );
  }
}
