import { accessSync, constants, existsSync } from "node:fs";
import { join } from "node:path";
import { ConfigError } from "../shared/errors.js";
import type { Home } from "./home.js";

/** Why the service cannot write to the home, or undefined when it can. */
export function readOnlyReason(home: Home): string | undefined {
  const problem = notWritable(home.dir);
  if (problem) return problem;
  if (home.env.KAIVO_DATABASE_URL) return undefined;
  const store = join(home.dir, home.config.controlStore.sqliteFile);
  if (existsSync(store) && notWritable(store))
    return `${home.config.controlStore.sqliteFile} may not be written`;
  return undefined;
}

function notWritable(path: string): string | undefined {
  try {
    accessSync(path, constants.W_OK);
    return undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === "EROFS"
      ? "it is on a read-only file system"
      : "the service may not write to it";
  }
}

export function readOnlyHomeError(home: Home, reason: string): ConfigError {
  return new ConfigError(
    `The Kaivo home ${home.dir} is read-only (${reason}); this command would change it.`,
    "Make the home writable by the service account (mount it read-write, `chmod u+w`), or run `kaivo status` or `kaivo audit verify`: they work on a read-only home.",
  );
}

/** A write the database refused because its file or folder is read-only. */
export function isReadOnlyWrite(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && code.startsWith("SQLITE_READONLY");
}
