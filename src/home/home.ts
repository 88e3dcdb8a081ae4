import { chmodSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { ConfigError } from "../shared/errors.js";
import { DEFAULT_CONFIG, type KaivoConfig, readConfig } from "./config.js";
import {
  generateKeyFileIfMissing,
  KEY_NAMES,
  type KeyName,
  type KeySource,
  keySource,
  loadKey,
  type SecretKey,
} from "./keys.js";
import { narrowHomeModes, usePrivateUmask } from "./permissions.js";

export const CONFIG_FILE = "kaivo.json";

/** A Kaivo home: configuration, key files and the local databases of one deployment. */
export interface Home {
  readonly dir: string;
  readonly configFile: string;
  readonly keysDir: string;
  readonly config: KaivoConfig;
  readonly env: NodeJS.ProcessEnv;
}

export function resolveHomeDir(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.KAIVO_HOME || ".kaivo");
}

export interface InitResult {
  home: Home;
  /** What this call created, in order; empty when the home already existed. */
  created: string[];
}

/** Creates the home, its configuration and missing keys. Safe to run again: it never overwrites. */
export function initHome(dir: string, env: NodeJS.ProcessEnv = process.env): InitResult {
  usePrivateUmask();
  const created: string[] = [];
  const keysDir = join(dir, "keys");
  if (!existsSync(dir)) {
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
    } catch (error) {
      throw new ConfigError(
        `Cannot create the Kaivo home ${dir} (${(error as NodeJS.ErrnoException).code ?? "error"}).`,
        "Create it as the service account, or set KAIVO_HOME to a folder the service may write.",
      );
    }
    created.push(dir);
  }
  if (!existsSync(keysDir)) {
    mkdirSync(keysDir, { mode: 0o700 });
    chmodSync(keysDir, 0o700);
    created.push(keysDir);
  }
  const configFile = join(dir, CONFIG_FILE);
  if (!existsSync(configFile)) {
    writeFileSync(configFile, `${JSON.stringify(DEFAULT_CONFIG, null, 2)}\n`, {
      flag: "wx",
      mode: 0o600,
    });
    created.push(configFile);
  }
  for (const name of KEY_NAMES) {
    const source = keySource(keysDir, name, env);
    if (source.source === "file" && source.file && generateKeyFileIfMissing(keysDir, name)) {
      created.push(source.file);
    }
  }
  return { home: openHome(dir, env), created };
}

/**
 * Opens an existing home and checks it is safe to run: valid configuration and every key
 * present and private. The home and everything in it is made private to the service account
 * (see permissions.ts), whatever its mode was.
 */
export function openHome(dir: string, env: NodeJS.ProcessEnv = process.env): Home {
  const configFile = join(dir, CONFIG_FILE);
  if (!existsSync(configFile)) {
    throw new ConfigError(
      `No Kaivo home at ${dir} (${CONFIG_FILE} is missing).`,
      "Run `kaivo init` to create one, or set KAIVO_HOME to an existing home.",
    );
  }
  usePrivateUmask();
  const home: Home = {
    dir,
    configFile,
    keysDir: join(dir, "keys"),
    config: readConfig(configFile),
    env,
  };
  for (const name of KEY_NAMES) loadKey(home.keysDir, name, env);
  // After the key check: a key others could read is refused, not quietly narrowed.
  narrowHomeModes(dir);
  return home;
}

export function homeKey(home: Home, name: KeyName): SecretKey {
  return loadKey(home.keysDir, name, home.env);
}

export function homeKeySources(home: Home): KeySource[] {
  return KEY_NAMES.map((name) => keySource(home.keysDir, name, home.env));
}
