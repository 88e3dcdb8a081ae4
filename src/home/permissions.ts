import { chmodSync, lstatSync, readdirSync } from "node:fs";
import { join } from "node:path";

/**
 * Everything in a home is the service account's alone: the lake is pseudonymized but still
 * personal data, the control store holds the permits and audit log, releases are data. Files are
 * created under this umask (0600 and 0700, whatever DuckDB, SQLite or Node ask for), and what is
 * already there is narrowed to it on every open.
 */
const PRIVATE_UMASK = 0o077;

export function usePrivateUmask(): void {
  try {
    process.umask(PRIVATE_UMASK);
  } catch {
    // Worker threads may not set it; their files are narrowed when the home is next opened.
  }
}

/**
 * Takes group and other bits off the home and everything in it (a folder that was 0755 before
 * `init` becomes 0700, a 0644 file 0600); never adds a bit, so a home made read-only stays so.
 * Links are not followed. A file that vanishes meanwhile or cannot be changed (a read-only
 * mount, another owner) is left as it is: `kaivo status` shows the modes that matter.
 */
export function narrowHomeModes(dir: string): void {
  narrow(dir, true);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const path = join(dir, name);
    let stat: ReturnType<typeof lstatSync>;
    try {
      stat = lstatSync(path);
    } catch {
      continue;
    }
    if (stat.isDirectory()) narrowHomeModes(path);
    else if (stat.isFile()) narrow(path, false, stat.mode);
  }
}

function narrow(path: string, isDir: boolean, mode?: number): void {
  try {
    const current = (mode ?? lstatSync(path).mode) & 0o7777;
    const wanted = current & (isDir ? 0o700 : 0o600);
    if (wanted !== current) chmodSync(path, wanted);
  } catch {
    // See narrowHomeModes: left as it is.
  }
}
