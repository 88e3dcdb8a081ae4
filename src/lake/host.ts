import { AsyncLocalStorage } from "node:async_hooks";
import { chmodSync, mkdirSync } from "node:fs";
import { join, relative, resolve, sep } from "node:path";
import { type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import type { Home } from "../home/home.js";
import { ConfigError } from "../shared/errors.js";
import { recordLakeExists } from "./lake-file.js";

/**
 * The server's one DuckDB instance of the lake. `Lake.open` in a process with a host hands out
 * connections of it instead of opening the file again (DuckDB holds the file exclusively, and
 * one process may not open it twice). Readers run in read-only transactions, concurrently;
 * writers take the one writer slot, so at most one write runs at a time, whoever asks.
 *
 * DuckDB's file access is set once for the instance: the lake, its spill and staging folders,
 * the inbox and the releases folder, and nothing else. External access is then off for good, so
 * a folder outside those (an export elsewhere on the host) is refused with a message naming the
 * inbox.
 */
export class LakeHost {
  private writerTail: Promise<void> = Promise.resolve();
  /** Odd while a writer holds the slot; each writer moves it on twice (when it starts and ends). */
  private writes = 0;
  private memo: { generation: number; values: Map<string, Promise<unknown>> } = {
    generation: 0,
    values: new Map(),
  };
  private readonly scopes = new AsyncLocalStorage<Scope>();
  private readonly open = new Map<string, Set<DuckDBConnection>>();

  private constructor(
    readonly home: Home,
    readonly instance: DuckDBInstance,
    readonly folders: readonly string[],
  ) {}

  /** Folders DuckDB may use under a host, beside the lake file: fixed when the host starts. */
  static foldersOf(home: Home): string[] {
    return [join(home.dir, "staging"), inboxDir(home), join(home.dir, "releases")];
  }

  static async start(home: Home): Promise<LakeHost> {
    const folders = LakeHost.foldersOf(home);
    for (const f of folders) mkdirSync(f, { recursive: true, mode: 0o700 });
    mkdirSync(join(home.dir, "staging", "duckdb"), { recursive: true, mode: 0o700 });
    const file = join(home.dir, "lake.duckdb");
    const instance = await DuckDBInstance.create(file, {
      memory_limit: home.config.lake.memoryLimit,
      temp_directory: join(home.dir, "staging", "duckdb"),
    });
    const c = await instance.connect();
    try {
      chmodSync(file, 0o600);
      recordLakeExists(home);
      const list = folders
        .map((f) => `'${resolve(f).replace(/\/*$/, "/").replace(/'/g, "''")}'`)
        .join(", ");
      await c.run(`set allowed_directories = [${list}]`);
      await c.run("set enable_external_access = false");
      await c.run("set TimeZone = 'UTC'");
    } finally {
      c.closeSync();
    }
    return new LakeHost(home, instance, folders);
  }

  /** Refuses folders DuckDB was not allowed when the host started, saying where exports go. */
  checkFolders(folders: readonly string[]): void {
    for (const f of folders) {
      const inside = this.folders.some((allowed) => isInside(resolve(f), resolve(allowed)));
      if (!inside)
        throw new ConfigError(
          "The server reads exports only from its inbox.",
          `Put the export under ${inboxDir(this.home)} and name it relative to that folder.`,
        );
    }
  }

  /**
   * Runs `work` in a scope: connections opened inside it can be interrupted together (a cancelled
   * job, a query past its time).
   */
  async inScope<T>(id: string, work: () => Promise<T>): Promise<T> {
    try {
      return await this.scopes.run({ id }, work);
    } finally {
      this.open.delete(id);
    }
  }

  /** Interrupts every statement running on connections opened in the scope. */
  interrupt(id: string): number {
    const set = this.open.get(id);
    for (const c of set ?? []) {
      try {
        c.interrupt();
      } catch {
        // Closed by its user meanwhile: nothing runs on it.
      }
    }
    return set?.size ?? 0;
  }

  /** A new connection, tracked in the current scope until `release`. */
  async connect(): Promise<DuckDBConnection> {
    const c = await this.instance.connect();
    const scope = this.scopes.getStore();
    if (scope) {
      const set = this.open.get(scope.id) ?? new Set();
      set.add(c);
      this.open.set(scope.id, set);
    }
    return c;
  }

  release(c: DuckDBConnection): void {
    for (const [id, set] of this.open) {
      if (set.delete(c) && set.size === 0) this.open.delete(id);
    }
    c.closeSync();
  }

  /** Waits for the writer slot; the returned function gives it back. */
  async acquireWriter(): Promise<() => void> {
    let give!: () => void;
    const mine = new Promise<void>((r) => {
      give = r;
    });
    const before = this.writerTail;
    this.writerTail = before.then(() => mine);
    await before;
    this.writes++;
    let given = false;
    return () => {
      if (given) return;
      given = true;
      this.writes++;
      give();
    };
  }

  /**
   * Which committed state of the lake readers see: it changes whenever a writer starts or ends,
   * and is odd while one holds the slot (a reader may then see its commit or not).
   */
  get generation(): number {
    return this.writes;
  }

  /**
   * What `compute` reads from the lake, kept until the next write: for readers that opened in
   * one generation with no writer in it (they all see the same committed lake).
   */
  remember<T>(generation: number, name: string, compute: () => Promise<T>): Promise<T> {
    if (generation !== this.writes || generation % 2 === 1) return compute();
    if (this.memo.generation !== generation) this.memo = { generation, values: new Map() };
    const values = this.memo.values;
    const known = values.get(name) as Promise<T> | undefined;
    if (known) return known;
    const value = compute();
    values.set(name, value);
    value.catch(() => {
      if (values.get(name) === value) values.delete(name);
    });
    return value;
  }

  close(): void {
    for (const set of this.open.values()) for (const c of set) c.closeSync();
    this.open.clear();
    this.instance.closeSync();
  }
}

interface Scope {
  id: string;
}

export function inboxDir(home: Home): string {
  return join(home.dir, "inbox");
}

function isInside(path: string, folder: string): boolean {
  const r = relative(folder, path);
  return r === "" || (!r.startsWith(`..${sep}`) && r !== ".." && !r.startsWith(sep));
}

const hosts = new Map<string, LakeHost>();

/** The host serving this home in this process, if any. */
export function hostOf(home: Home): LakeHost | undefined {
  return hosts.get(resolve(home.dir));
}

export function registerHost(host: LakeHost): void {
  hosts.set(resolve(host.home.dir), host);
}

export function unregisterHost(host: LakeHost): void {
  if (hosts.get(resolve(host.home.dir)) === host) hosts.delete(resolve(host.home.dir));
}
