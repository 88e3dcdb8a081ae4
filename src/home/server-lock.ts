import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ConflictError } from "../shared/errors.js";
import type { Home } from "./home.js";

/** Written by `kaivo serve` while it holds the home; direct mode reads it to refuse politely. */
export interface ServerLock {
  pid: number;
  url: string;
  startedAt: string;
}

const lockFile = (home: Home) => join(home.dir, "server.json");

/** The running server holding this home, if any (a lock left by a dead process is ignored). */
export function runningServer(home: Home): ServerLock | undefined {
  const file = lockFile(home);
  if (!existsSync(file)) return undefined;
  let lock: ServerLock;
  try {
    lock = JSON.parse(readFileSync(file, "utf8")) as ServerLock;
  } catch {
    return undefined;
  }
  if (!Number.isInteger(lock.pid) || !alive(lock.pid)) return undefined;
  return lock;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Direct mode stops here while a server holds the lake, naming the server to use instead. */
export function refuseWhileServed(home: Home): void {
  const lock = runningServer(home);
  if (!lock || lock.pid === process.pid) return;
  throw new ConflictError(
    `A Kaivo server (process ${lock.pid}, ${lock.url}) holds this home's lake.`,
    `Run the command through it: kaivo login --server ${lock.url}, then the same command without --as. Or stop the server first.`,
  );
}

export function writeServerLock(home: Home, lock: ServerLock): void {
  const held = runningServer(home);
  if (held && held.pid !== process.pid)
    throw new ConflictError(
      `Another Kaivo server (process ${held.pid}, ${held.url}) already serves this home.`,
      "Stop it first; one server owns a home's lake.",
    );
  writeFileSync(lockFile(home), `${JSON.stringify(lock)}\n`, { mode: 0o600 });
}

export function removeServerLock(home: Home): void {
  const held = runningServer(home);
  if (!held || held.pid === process.pid) rmSync(lockFile(home), { force: true });
}
