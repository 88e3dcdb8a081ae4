import { randomBytes } from "node:crypto";
import {
  chmodSync,
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { z } from "zod";
import { ConfigError } from "../../shared/errors.js";

/** What `kaivo login` keeps: the server, who the token acts as, and the token itself. */
const CredentialsSchema = z.object({
  server: z.string().url(),
  user: z.string().min(1),
  role: z.string().min(1),
  token: z.string().min(1),
  /** Known when `kaivo login` made the token; a pasted token's id may be unknown. */
  tokenId: z.string().optional(),
  expiresAt: z.string().optional(),
  savedAt: z.string().optional(),
});
export type Credentials = z.infer<typeof CredentialsSchema>;

/** `$KAIVO_CONFIG_DIR`, else `$XDG_CONFIG_HOME/kaivo`, else `~/.config/kaivo`. */
export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.KAIVO_CONFIG_DIR) return resolve(env.KAIVO_CONFIG_DIR);
  if (env.XDG_CONFIG_HOME) return join(resolve(env.XDG_CONFIG_HOME), "kaivo");
  return join(homedir(), ".config", "kaivo");
}

export function credentialsFile(env: NodeJS.ProcessEnv = process.env): string {
  return join(configDir(env), "credentials.json");
}

// POSIX modes mean nothing on Windows; there the user's profile folder protects the file.
const checkModes = process.platform !== "win32";

/** The saved login, or undefined when there is none (direct mode). */
export function readCredentials(env: NodeJS.ProcessEnv = process.env): Credentials | undefined {
  const file = credentialsFile(env);
  if (!existsSync(file)) return undefined;
  // Like ssh with a private key: a token others can read is no longer only the user's.
  if (checkModes && (statSync(file).mode & 0o077) !== 0)
    throw new ConfigError(
      `${file} can be read by other users, so the token in it may no longer be only yours.`,
      `Run \`chmod 600 ${file}\`, or \`kaivo logout\` and \`kaivo login\` again for a new token.`,
    );
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch {
    throw new ConfigError(
      `${file} is not valid JSON.`,
      "Remove it (`kaivo logout`) and `kaivo login` again.",
    );
  }
  const result = CredentialsSchema.safeParse(parsed);
  if (!result.success)
    throw new ConfigError(
      `${file} is not a Kaivo login.`,
      "Remove it (`kaivo logout`) and `kaivo login` again.",
    );
  return result.data;
}

/**
 * Writes the login atomically (a temporary file in the same folder, flushed, then renamed), so a
 * crash leaves the old file or the new one; the folder is 0700 and the file 0600 from creation.
 */
export function writeCredentials(
  credentials: Credentials,
  env: NodeJS.ProcessEnv = process.env,
): string {
  const dir = configDir(env);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (checkModes) chmodSync(dir, 0o700);
  const file = credentialsFile(env);
  const temp = join(dir, `.credentials.${randomBytes(6).toString("hex")}.tmp`);
  const fd = openSync(temp, "wx", 0o600);
  try {
    writeSync(fd, `${JSON.stringify(credentials, null, 2)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(temp, file);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
  return file;
}

/** Removes the saved login; true when there was one. */
export function removeCredentials(env: NodeJS.ProcessEnv = process.env): boolean {
  const file = credentialsFile(env);
  if (!existsSync(file)) return false;
  rmSync(file);
  return true;
}
