import { randomBytes } from "node:crypto";
import { closeSync, fchmodSync, openSync, readFileSync, statSync, writeSync } from "node:fs";
import { join } from "node:path";
import { inspect } from "node:util";
import { ConfigError } from "../shared/errors.js";

/** `audit-signing` is the 32-byte seed of the Ed25519 key that signs audit checkpoints. */
export const KEY_NAMES = ["lake", "vault", "audit-signing"] as const;
export type KeyName = (typeof KEY_NAMES)[number];

const KEY_BYTES = 32;

export const KEY_ENV: Record<KeyName, string> = {
  lake: "KAIVO_LAKE_KEY",
  vault: "KAIVO_VAULT_KEY",
  "audit-signing": "KAIVO_AUDIT_SIGNING_KEY",
};

/**
 * Key material that refuses to be printed: string conversion, JSON and util.inspect all give a
 * placeholder, so a key that slips into a log line or an error shows nothing.
 */
export class SecretKey {
  readonly #bytes: Buffer;

  constructor(bytes: Buffer) {
    if (bytes.length !== KEY_BYTES) throw new ConfigError(`A key must be ${KEY_BYTES} bytes.`);
    this.#bytes = Buffer.from(bytes);
  }

  /** The raw key, for crypto calls only. */
  bytes(): Buffer {
    return this.#bytes;
  }

  toString(): string {
    return "[SecretKey]";
  }

  toJSON(): string {
    return "[SecretKey]";
  }

  [inspect.custom](): string {
    return "[SecretKey]";
  }
}

export interface KeySource {
  name: KeyName;
  source: "env" | "file";
  /** Where the key file is; set when the source is a file. */
  file?: string;
}

export function keyFile(keysDir: string, name: KeyName): string {
  return join(keysDir, `${name}.key`);
}

/** Creates the key file with fresh random bytes unless it exists. Returns true if created. */
export function generateKeyFileIfMissing(keysDir: string, name: KeyName): boolean {
  const file = keyFile(keysDir, name);
  let fd: number;
  try {
    // "wx": never overwrite an existing key, even if two inits race.
    fd = openSync(file, "wx", 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  }
  try {
    fchmodSync(fd, 0o600); // the umask may only narrow the mode, but be explicit
    writeSync(fd, `${randomBytes(KEY_BYTES).toString("base64")}\n`);
  } finally {
    closeSync(fd);
  }
  return true;
}

export function keySource(keysDir: string, name: KeyName, env: NodeJS.ProcessEnv): KeySource {
  if (env[KEY_ENV[name]]) return { name, source: "env" };
  return { name, source: "file", file: keyFile(keysDir, name) };
}

/**
 * Loads a key from its environment variable (production) or its key file. A key file that group
 * or others may read is refused: the key would no longer be a secret of the service account.
 */
export function loadKey(keysDir: string, name: KeyName, env: NodeJS.ProcessEnv): SecretKey {
  const fromEnv = env[KEY_ENV[name]];
  if (fromEnv) {
    return new SecretKey(decodeKey(fromEnv, `environment variable ${KEY_ENV[name]}`));
  }
  const file = keyFile(keysDir, name);
  let mode: number;
  try {
    mode = statSync(file).mode & 0o777;
  } catch {
    throw new ConfigError(
      `The ${name} key file ${file} is missing.`,
      `Run \`kaivo init\` to generate it, or set ${KEY_ENV[name]}.`,
    );
  }
  if ((mode & 0o077) !== 0) {
    throw new ConfigError(
      `The ${name} key file ${file} is readable by others (mode ${mode.toString(8).padStart(4, "0")}); Kaivo refuses to start.`,
      `Run \`chmod 600 ${file}\`, and consider the key exposed if others could read it.`,
    );
  }
  return new SecretKey(decodeKey(readFileSync(file, "utf8"), `key file ${file}`));
}

function decodeKey(text: string, where: string): Buffer {
  const value = text.trim();
  // Never quote the value in the error: it is (nearly) a key.
  const bytes = /^[0-9a-fA-F]{64}$/.test(value)
    ? Buffer.from(value, "hex")
    : /^[A-Za-z0-9+/]{43}=$/.test(value)
      ? Buffer.from(value, "base64")
      : undefined;
  if (!bytes || bytes.length !== KEY_BYTES) {
    throw new ConfigError(
      `The ${where} does not hold a ${KEY_BYTES}-byte key (expected 64 hex digits or 44 base64 characters).`,
    );
  }
  return bytes;
}
