import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { Kysely, Migrator, PostgresDialect, SqliteDialect } from "kysely";
import pg from "pg";
import { type AuditCheckpoints, checkpointsForHome } from "../audit/checkpoints.js";
import type { Home } from "../home/home.js";
import { ConfigError } from "../shared/errors.js";
import type { Dialect } from "./dialect.js";
import { migrationProvider, migrationsFor } from "./migrations.js";
import type { ControlDatabase } from "./schema.js";

/** The control plane's database: users, audit, and later permits and jobs. */
export interface ControlStore {
  readonly db: Kysely<ControlDatabase>;
  readonly dialect: Dialect;
  /** Where the store is, safe to print (no password). */
  readonly location: string;
  /** Signed checkpoints of the audit chain; absent on a store opened without a home. */
  readonly checkpoints?: AuditCheckpoints;
  /** Opened from a read-only home: reads only, and nothing is audited (see openSqliteReadOnly). */
  readonly readOnly?: boolean;
  close(): Promise<void>;
}

export interface MigrationState {
  applied: string[];
  pending: string[];
}

export function isPostgresUrl(url: string | undefined): url is string {
  return !!url && /^postgres(ql)?:\/\//.test(url);
}

/**
 * The store for a home: PostgreSQL when KAIVO_DATABASE_URL is set, else SQLite in the home.
 * `readOnly` is for a read-only home: SQLite is then read as it is, without migrating it.
 */
export async function openControlStore(
  home: Home,
  options: { readOnly?: boolean } = {},
): Promise<ControlStore> {
  const url = home.env.KAIVO_DATABASE_URL;
  if (url && !isPostgresUrl(url)) {
    throw new ConfigError(
      "KAIVO_DATABASE_URL must be a postgres:// or postgresql:// URL.",
      "Unset it to use the SQLite store in the home.",
    );
  }
  const checkpoints = checkpointsForHome(home); // loads the signing key: fail before opening
  const file = join(home.dir, home.config.controlStore.sqliteFile);
  if (!url && options.readOnly) return { ...openSqliteReadOnly(file), checkpoints };
  const store = url ? openPostgres(url) : openSqlite(file);
  try {
    await migrate(store);
  } catch (error) {
    await store.close();
    throw error;
  }
  return { ...store, checkpoints };
}

export function openSqlite(file: string): ControlStore {
  const database = new Database(file, { timeout: 15_000 });
  database.pragma("journal_mode = WAL");
  database.pragma("synchronous = NORMAL");
  database.pragma("foreign_keys = ON");
  const db = new Kysely<ControlDatabase>({ dialect: new SqliteDialect({ database }) });
  return { db, dialect: "sqlite", location: file, close: () => db.destroy() };
}

/**
 * SQLite cannot open a WAL database read-only in a folder it may not write (it needs the -shm
 * file), and this build takes no `immutable` URI. So the file is read into memory, marked as a
 * rollback-journal database (header bytes 18-19), and opened there read-only: the home is not
 * touched and no copy is left anywhere. A non-empty -wal holds commits not yet in the file; they
 * cannot be read without writing, so that is an error rather than a silently older store.
 */
export function openSqliteReadOnly(file: string): ControlStore {
  if (!existsSync(file))
    throw new ConfigError(
      `There is no control store at ${file}, and the home is read-only, so none can be made.`,
      "Run `kaivo init` on a writable home.",
    );
  const wal = `${file}-wal`;
  if (existsSync(wal) && statSync(wal).size > 0)
    throw new ConfigError(
      `The home is read-only and ${wal} holds changes not yet in ${file}; they cannot be read without writing.`,
      "Make the home writable and run `kaivo status` once (SQLite then folds the log in), or copy the home to a writable place.",
    );
  const bytes = readFileSync(file);
  if (bytes[18] === 2 && bytes[19] === 2) bytes.fill(1, 18, 20);
  const database = new Database(bytes, { readonly: true });
  const db = new Kysely<ControlDatabase>({ dialect: new SqliteDialect({ database }) });
  return { db, dialect: "sqlite", location: file, readOnly: true, close: () => db.destroy() };
}

export function openPostgres(url: string): ControlStore {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  // An idle connection the server ends (restart, admin termination) arrives as a pool error;
  // without a listener Node treats it as uncaught and the process dies. The pool has already
  // discarded that client and the next query opens a new one, so there is nothing else to do.
  pool.on("error", () => {});
  // pool.end() resolves once clients are asked to end, not once their sockets are closed;
  // close() waits for the sockets so the database can be dropped or restarted right after.
  const socketsClosed: Promise<void>[] = [];
  pool.on("connect", (client) => {
    socketsClosed.push(new Promise((resolve) => client.once("end", () => resolve())));
  });
  const db = new Kysely<ControlDatabase>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    dialect: "postgres",
    location: redactUrl(url),
    close: async () => {
      await db.destroy();
      await Promise.all(socketsClosed);
    },
  };
}

export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "postgres://(unparseable URL)";
  }
}

function migrator(store: ControlStore): Migrator {
  return new Migrator({ db: store.db, provider: migrationProvider(store.dialect) });
}

/** Brings the schema up to date. Kysely's migration lock makes concurrent starts safe. */
export async function migrate(store: ControlStore): Promise<void> {
  const { error, results } = await migrator(store).migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === "Error")?.migrationName ?? "unknown";
    throw new ConfigError(
      `Control store migration ${failed} failed at ${store.location}: ${(error as Error).message}`,
    );
  }
}

export async function migrationState(store: ControlStore): Promise<MigrationState> {
  const all = await migrator(store).getMigrations();
  const known = Object.keys(migrationsFor(store.dialect));
  return {
    applied: all.filter((m) => m.executedAt).map((m) => m.name),
    pending: known.filter((name) => !all.find((m) => m.name === name && m.executedAt)),
  };
}
