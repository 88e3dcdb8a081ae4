import { open, readFile } from "node:fs/promises";
import { type Checkpoint, checkpointLine, parseCheckpointLine } from "./checkpoint.js";
import type { AuditVerifyKey } from "./signing-key.js";

/**
 * Appends one checkpoint line. O_APPEND makes each write land whole at the end, even with other
 * processes appending; fsync makes it durable before the caller moves on.
 */
export async function appendCheckpointFile(file: string, checkpoint: Checkpoint): Promise<void> {
  const handle = await open(file, "a", 0o600);
  try {
    await handle.write(checkpointLine(checkpoint));
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export interface CheckpointFileReading {
  file: string;
  /** False when the file does not exist. */
  present: boolean;
  /** Lines that are well-formed checkpoints signed by this deployment's key, by sequence. */
  checkpoints: Checkpoint[];
  /** The valid checkpoint with the highest sequence number. */
  latest: Checkpoint | null;
  /** The first line that is not a valid checkpoint: a tampered or foreign file. */
  invalid: { line: number; reason: string } | null;
}

/** Reads and checks every line; one bad line makes the whole file suspect. */
export async function readCheckpointFile(
  file: string,
  key: AuditVerifyKey,
): Promise<CheckpointFileReading> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      return { file, present: false, checkpoints: [], latest: null, invalid: null };
    }
    throw error;
  }
  const lines = text.split("\n");
  const last = lines.pop();
  if (last !== undefined && last !== "") lines.push(last); // an unterminated last line is checked too
  const checkpoints: Checkpoint[] = [];
  let invalid: CheckpointFileReading["invalid"] = null;
  for (const [i, line] of lines.entries()) {
    const parsed = parseCheckpointLine(line, key);
    if (!parsed.ok) {
      invalid = { line: i + 1, reason: parsed.reason };
      break;
    }
    checkpoints.push(parsed.checkpoint);
  }
  // Concurrent writers may append out of order.
  checkpoints.sort((a, b) => a.seq - b.seq);
  return { file, present: true, checkpoints, latest: checkpoints.at(-1) ?? null, invalid };
}

const TAIL_BYTES = 64 * 1024;

/**
 * The newest valid checkpoint among the file's last lines, for deciding when the next is due
 * without reading the whole file on every start. Bad lines are skipped here; verify reports them.
 */
export async function readLatestCheckpoint(
  file: string,
  key: AuditVerifyKey,
): Promise<Checkpoint | null> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(file, "r");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
  try {
    const { size } = await handle.stat();
    const start = Math.max(0, size - TAIL_BYTES);
    const buffer = Buffer.alloc(size - start);
    await handle.read(buffer, 0, buffer.length, start);
    const lines = buffer.toString("utf8").split("\n");
    if (start > 0) lines.shift(); // most likely cut through
    let latest: Checkpoint | null = null;
    for (const line of lines) {
      if (line === "") continue;
      const parsed = parseCheckpointLine(line, key);
      if (parsed.ok && (!latest || parsed.checkpoint.seq > latest.seq)) latest = parsed.checkpoint;
    }
    return latest;
  } finally {
    await handle.close();
  }
}
