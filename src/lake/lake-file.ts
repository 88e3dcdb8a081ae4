import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Home } from "../home/home.js";
import { ConfigError } from "../shared/errors.js";

export const LAKE_FILE = "lake.duckdb";
/** Written beside the lake once it exists: from then on, a missing lake is lost, not new. */
export const LAKE_MARKER = "lake.created";

/**
 * DuckDB creates a missing database file without a word. For a home whose lake has been lost
 * (a wrong restore, a deleted file) that would be an empty lake answering every count with 0
 * while the audit log lists its loads, so Lake.open refuses instead.
 */
export function assertLakeNotLost(home: Home): void {
  const file = join(home.dir, LAKE_FILE);
  const marker = join(home.dir, LAKE_MARKER);
  if (existsSync(file) || !existsSync(marker)) return;
  let since = "";
  try {
    since = ` (created ${readFileSync(marker, "utf8").trim()})`;
  } catch {
    // The marker's date is only for the message.
  }
  throw new ConfigError(
    `The lake ${file} is missing, but this home had one${since}; Kaivo will not start an empty lake in its place.`,
    `Restore ${LAKE_FILE} from a backup. To start again from an empty lake on purpose, delete ${marker}: earlier loads, catalog annotations and vocabularies are then gone, though the audit log still lists them.`,
  );
}

/** Notes that the lake exists, the first time it is opened (or, for older homes, next opened). */
export function recordLakeExists(home: Home): void {
  const marker = join(home.dir, LAKE_MARKER);
  if (existsSync(marker)) return;
  try {
    writeFileSync(marker, `${new Date().toISOString()}\n`, { flag: "wx", mode: 0o600 });
  } catch (error) {
    // Another process wrote it first, or the home is read-only: either way nothing to do.
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "EEXIST" && code !== "EROFS" && code !== "EACCES") throw error;
  }
}
