import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { type Home, initHome } from "../../src/home/home.js";
import { type ControlStore, openControlStore } from "../../src/store/control-store.js";
import type { Dialect } from "../../src/store/dialect.js";

const POSTGRES_URL = process.env.KAIVO_TEST_POSTGRES_URL;

if (process.env.CI && !POSTGRES_URL) {
  throw new Error(
    "CI must set KAIVO_TEST_POSTGRES_URL so the control store is tested on PostgreSQL too.",
  );
}

/** Every control-store dialect this run can test: SQLite always, PostgreSQL when configured. */
export const DIALECTS: Dialect[] = POSTGRES_URL ? ["sqlite", "postgres"] : ["sqlite"];

export function tempDir(prefix = "kaivo-test-"): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A fresh, empty PostgreSQL database; returns its URL and a function that drops it. */
export async function tempPostgresDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  if (!POSTGRES_URL) throw new Error("KAIVO_TEST_POSTGRES_URL is not set");
  const name = `kaivo_t_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: POSTGRES_URL });
      await client.connect();
      try {
        await client.query(`drop database if exists ${name} with (force)`);
      } finally {
        await client.end();
      }
    },
  };
}

export interface TestDeployment {
  home: Home;
  store: ControlStore;
  /** Environment for a child `kaivo` process using the same home and store. */
  env: NodeJS.ProcessEnv;
  cleanup: () => Promise<void>;
}

/** A home in a temp dir with its control store on the given dialect, migrated and empty. */
export async function testDeployment(dialect: Dialect): Promise<TestDeployment> {
  const tmp = tempDir();
  const database = dialect === "postgres" ? await tempPostgresDatabase() : undefined;
  const env: NodeJS.ProcessEnv = { ...process.env, KAIVO_HOME: tmp.dir };
  delete env.KAIVO_DATABASE_URL;
  delete env.KAIVO_LAKE_KEY;
  delete env.KAIVO_VAULT_KEY;
  delete env.KAIVO_AUDIT_SIGNING_KEY;
  delete env.KAIVO_USER;
  if (database) env.KAIVO_DATABASE_URL = database.url;
  const { home } = initHome(tmp.dir, env);
  const store = await openControlStore(home);
  return {
    home,
    store,
    env,
    cleanup: async () => {
      await store.close();
      await database?.drop();
      tmp.remove();
    },
  };
}
