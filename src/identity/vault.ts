import { createHmac, randomBytes } from "node:crypto";
import { chmodSync, existsSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { type Home, homeKey } from "../home/home.js";
import { SecretKey } from "../home/keys.js";
import { open, seal } from "./crypto-box.js";
import { lakePseudoId } from "./pseudonym.js";

/** What a quarantined record carries; the raw record itself is stored encrypted. */
export interface QuarantineEntry {
  id: number;
  loadId: number;
  source: string;
  file: string;
  line: number;
  reason: string;
  status: "open" | "retried";
  createdAt: string;
}

const SCHEMA = [
  `create table if not exists persons (
     pseudo_id text primary key,
     identifier blob not null,
     created_at text not null)`,
  `create table if not exists source_patients (
     lookup text primary key,
     pseudo_id text not null references persons(pseudo_id),
     source_id blob not null)`,
  `create table if not exists person_names (
     pseudo_id text primary key,
     tokens text not null)`,
  `create table if not exists person_identifiers (
     pseudo_id text primary key,
     tokens text not null)`,
  `create table if not exists quarantine (
     id integer primary key,
     load_id integer not null,
     source text not null,
     file text not null,
     line integer not null,
     fingerprint text not null,
     reason text not null,
     record blob not null,
     status text not null default 'open',
     created_at text not null,
     unique (source, file, line, fingerprint))`,
  `create table if not exists permit_keys (
     permit_id text primary key,
     key blob,
     created_at text not null,
     destroyed_at text)`,
];

/** Vaults written before names were kept one row per person: their word hashes move over. */
function migrateNameTokens(db: Database.Database): void {
  const old = db
    .prepare("select 1 from sqlite_master where type = 'table' and name = 'name_tokens'")
    .get();
  if (!old) return;
  db.transaction(() => {
    db.exec(`insert into person_names (pseudo_id, tokens)
      select pseudo_id, group_concat(token, ' ') from name_tokens group by pseudo_id
      on conflict (pseudo_id) do update set tokens = person_names.tokens || ' ' || excluded.tokens`);
    db.exec("drop table name_tokens");
  })();
}

/** The tables of keyed hashes kept per person. */
type HashTable = "person_names" | "person_identifiers";

/**
 * The identity vault: a store apart from the lake (its own SQLite file and key) holding what links
 * pseudonyms to people. Identifiers and source ids are AES-256-GCM encrypted under the vault key;
 * lookups go through keyed hashes, and names and identifier values are kept only as keyed hashes
 * (of their words, and of their letters and digits).
 * Only the identity and ingest code opens it.
 */
export class Vault {
  #findSource: Database.Statement | undefined;
  /** Keyed hashes of words already seen: notes repeat the same words (names and medical terms). */
  readonly #wordHashes = new Map<string, string>();
  readonly #identifierHashes = new Map<string, string>();

  private constructor(
    private readonly db: Database.Database,
    private readonly vaultKey: SecretKey,
    private readonly lakeKey: SecretKey,
  ) {}

  static open(home: Home): Vault {
    const file = join(home.dir, "vault.sqlite");
    const created = !existsSync(file);
    const db = new Database(file, { timeout: 15_000 });
    if (created) chmodSync(file, 0o600);
    db.pragma("journal_mode = WAL");
    // A load writes a row or more per person: checkpoint the log less often than every 4 MB, and
    // keep the lookup indexes' pages in memory.
    db.pragma("wal_autocheckpoint = 8192");
    db.pragma("cache_size = -32768");
    for (const statement of SCHEMA) db.exec(statement);
    migrateNameTokens(db);
    return new Vault(db, homeKey(home, "vault"), homeKey(home, "lake"));
  }

  readonly #statements = new Map<string, Database.Statement>();

  /** A prepared statement, prepared once per vault: loads run these per record. */
  private statement(sql: string): Database.Statement {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  private lookup(kind: string, text: string): string {
    return createHmac("sha256", this.vaultKey.bytes())
      .update(`${kind}|${text}`)
      .digest("base64url");
  }

  /** The person's lake pseudo-ID; the identifier is stored (encrypted) the first time. */
  registerPerson(system: string, value: string): string {
    const pseudoId = lakePseudoId(this.lakeKey, system, value);
    this.statement(
      "insert into persons (pseudo_id, identifier, created_at) values (?, ?, ?) on conflict do nothing",
    ).run(
      pseudoId,
      seal(this.vaultKey, `person:${pseudoId}`, `${system}|${value}`),
      new Date().toISOString(),
    );
    return pseudoId;
  }

  /** The person with this identifier, if a load has registered them (a conditional reference). */
  findPerson(system: string, value: string): string | undefined {
    const pseudoId = lakePseudoId(this.lakeKey, system, value);
    return this.hasPerson(pseudoId) ? pseudoId : undefined;
  }

  /** Whether any load has registered this person: an opt-out of an unknown person matches no one. */
  hasPerson(pseudoId: string): boolean {
    return !!this.statement("select 1 from persons where pseudo_id = ?").get(pseudoId);
  }

  /** Remembers which source-system patient id is this person, for references in later loads. */
  linkSource(source: string, sourcePatientId: string, pseudoId: string): void {
    const lookup = this.lookup("source", `${source}|${sourcePatientId}`);
    this.statement(
      "insert into source_patients (lookup, pseudo_id, source_id) values (?, ?, ?) on conflict (lookup) do update set pseudo_id = excluded.pseudo_id",
    ).run(lookup, pseudoId, seal(this.vaultKey, `source:${lookup}`, sourcePatientId));
  }

  findBySource(source: string, sourcePatientId: string): string | undefined {
    this.#findSource ??= this.db.prepare("select pseudo_id from source_patients where lookup = ?");
    const row = this.#findSource.get(this.lookup("source", `${source}|${sourcePatientId}`)) as
      | { pseudo_id: string }
      | undefined;
    return row?.pseudo_id;
  }

  /**
   * Keeps keyed hashes of the words of a person's and their relatives' names, never the names:
   * one row per person, the hashes space-separated, added to those of earlier loads.
   */
  rememberNames(pseudoId: string, words: string[]): void {
    const fresh = words.filter((w) => w.length >= 2).map((w) => this.wordHash(w));
    this.remember("person_names", pseudoId, fresh);
  }

  /** Whether a word is one of the person's (or their relatives') names, by keyed hash. */
  nameChecker(pseudoId: string): (word: string) => boolean {
    const hashes = this.hashes("person_names", pseudoId);
    return (word) => hashes.size > 0 && hashes.has(this.wordHash(word));
  }

  /**
   * Keeps keyed hashes of the keys of a person's identifier values (patient number, SSN, other
   * systems' ids; see person-identifiers.ts), never the values, as names are kept.
   */
  rememberIdentifiers(pseudoId: string, keys: string[]): void {
    this.remember(
      "person_identifiers",
      pseudoId,
      keys.map((k) => this.cachedHash(this.#identifierHashes, "identifier", k)),
    );
  }

  /** Whether a key is the value of one of the person's identifiers, by keyed hash. */
  identifierChecker(pseudoId: string): (key: string) => boolean {
    const hashes = this.hashes("person_identifiers", pseudoId);
    return (key) =>
      hashes.size > 0 && hashes.has(this.cachedHash(this.#identifierHashes, "identifier", key));
  }

  private remember(table: HashTable, pseudoId: string, fresh: string[]): void {
    const hashes = this.hashes(table, pseudoId);
    const before = hashes.size;
    for (const hash of fresh) hashes.add(hash);
    if (hashes.size === before) return;
    this.statement(
      `insert into ${table} (pseudo_id, tokens) values (?, ?) on conflict (pseudo_id) do update set tokens = excluded.tokens`,
    ).run(pseudoId, [...hashes].join(" "));
  }

  private hashes(table: HashTable, pseudoId: string): Set<string> {
    const row = this.statement(`select tokens from ${table} where pseudo_id = ?`).get(pseudoId) as
      | { tokens: string }
      | undefined;
    return new Set(row ? row.tokens.split(" ") : []);
  }

  private wordHash(word: string): string {
    return this.cachedHash(this.#wordHashes, "name", word.toLocaleLowerCase("fi"), word);
  }

  private cachedHash(
    cache: Map<string, string>,
    kind: string,
    text: string,
    cacheKey = text,
  ): string {
    let hash = cache.get(cacheKey);
    if (hash === undefined) {
      if (cache.size >= 200_000) cache.clear(); // bounded memory
      hash = this.lookup(kind, text);
      cache.set(cacheKey, hash);
    }
    return hash;
  }

  /** Quarantines a record with its reason; the same line of the same file is kept once. */
  quarantine(entry: {
    loadId: number;
    source: string;
    file: string;
    line: number;
    reason: string;
    raw: string;
  }): void {
    const fingerprint = createHmac("sha256", this.vaultKey.bytes())
      .update(entry.raw)
      .digest("base64url")
      .slice(0, 22);
    this.statement(
      `insert into quarantine (load_id, source, file, line, fingerprint, reason, record, created_at)
         values (?, ?, ?, ?, ?, ?, ?, ?) on conflict do nothing`,
    ).run(
      entry.loadId,
      entry.source,
      entry.file,
      entry.line,
      fingerprint,
      entry.reason,
      seal(this.vaultKey, "quarantine", entry.raw),
      new Date().toISOString(),
    );
  }

  listQuarantine(filter: { loadId?: number; status?: string } = {}): QuarantineEntry[] {
    const rows = this.db
      .prepare(
        `select id, load_id, source, file, line, reason, status, created_at from quarantine
         where (? is null or load_id = ?) and (? is null or status = ?) order by id`,
      )
      .all(
        filter.loadId ?? null,
        filter.loadId ?? null,
        filter.status ?? null,
        filter.status ?? null,
      ) as Array<Record<string, unknown>>;
    return rows.map((r) => ({
      id: Number(r.id),
      loadId: Number(r.load_id),
      source: String(r.source),
      file: String(r.file),
      line: Number(r.line),
      reason: String(r.reason),
      status: r.status as QuarantineEntry["status"],
      createdAt: String(r.created_at),
    }));
  }

  /** The raw quarantined record (it may hold identifiers: stewards only, audited by the caller). */
  quarantinedRecord(id: number): string | undefined {
    const row = this.db.prepare("select record from quarantine where id = ?").get(id) as
      | { record: Buffer }
      | undefined;
    return row ? open(this.vaultKey, "quarantine", row.record).toString("utf8") : undefined;
  }

  markRetried(id: number): void {
    this.db.prepare("update quarantine set status = 'retried' where id = ?").run(id);
  }

  /**
   * Creates the permit's own release key (32 random bytes, sealed under the vault key). A permit
   * gets one key for its life: its releases keep the same pseudonyms, and once the key is
   * destroyed no new one is made for that permit.
   */
  createPermitKey(permitId: string): void {
    const row = this.db
      .prepare("select destroyed_at from permit_keys where permit_id = ?")
      .get(permitId) as { destroyed_at: string | null } | undefined;
    if (row?.destroyed_at) throw new Error(`the key of permit ${permitId} was destroyed`);
    if (row) return;
    this.db
      .prepare("insert into permit_keys (permit_id, key, created_at) values (?, ?, ?)")
      .run(
        permitId,
        seal(this.vaultKey, `permit:${permitId}`, randomBytes(32)),
        new Date().toISOString(),
      );
  }

  /** The permit's key, or why there is none. */
  permitKey(permitId: string): { key: SecretKey } | { missing: "never created" | "destroyed" } {
    const row = this.db
      .prepare("select key, destroyed_at from permit_keys where permit_id = ?")
      .get(permitId) as { key: Buffer | null; destroyed_at: string | null } | undefined;
    if (!row) return { missing: "never created" };
    if (row.destroyed_at || !row.key) return { missing: "destroyed" };
    return { key: new SecretKey(open(this.vaultKey, `permit:${permitId}`, row.key)) };
  }

  /**
   * Crypto-shredding: the sealed key is overwritten and dropped, and SQLite's secure delete and a
   * WAL checkpoint keep no copy in free pages or the log. Without it the permit's pseudonyms can
   * never again be computed from lake pseudo-IDs, by anyone.
   */
  destroyPermitKey(permitId: string): boolean {
    this.db.pragma("secure_delete = on");
    const result = this.db
      .prepare(
        "update permit_keys set key = zeroblob(length(key)), destroyed_at = ? where permit_id = ? and destroyed_at is null",
      )
      .run(new Date().toISOString(), permitId);
    this.db.prepare("update permit_keys set key = null where permit_id = ?").run(permitId);
    this.db.pragma("wal_checkpoint(TRUNCATE)");
    return result.changes > 0;
  }

  transaction<T>(work: () => T): T {
    return this.db.transaction(work)();
  }

  close(): void {
    this.db.close();
  }
}
