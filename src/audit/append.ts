import { type Kysely, sql } from "kysely";
import type { AuditActor } from "../auth/roles.js";
import type { ControlStore } from "../store/control-store.js";
import type { ControlDatabase } from "../store/schema.js";
import {
  type AuditDetails,
  type AuditEntry,
  entryHash,
  GENESIS_HASH,
  rowFromEntry,
} from "./entry.js";
import { assertNoIdentifiers } from "./identifier-guard.js";

export interface AuditEvent {
  /** Dotted verb, e.g. `user.add`, `access.denied`. */
  action: string;
  /** What was acted on, e.g. `user:anna`. */
  target?: string | null;
  details?: AuditDetails;
}

/**
 * Appends one entry to the audit chain. This is the one function every capability calls.
 *
 * Appends are serialised by a write lock taken before the chain head is read (BEGIN IMMEDIATE on
 * SQLite, an EXCLUSIVE table lock on PostgreSQL), so concurrent callers, in this process or
 * another, can neither fork the chain nor leave a gap. The primary key on `seq` is the backstop.
 */
export async function appendAudit(
  store: ControlStore,
  actor: AuditActor,
  event: AuditEvent,
): Promise<AuditEntry> {
  return (await auditedWrite(store, actor, event, async () => undefined)).entry;
}

/**
 * Runs `work` and appends its audit entry in one transaction: the change and its record land
 * together or not at all. `work` runs under the append lock, so keep it to a few statements.
 */
export async function auditedWrite<T>(
  store: ControlStore,
  actor: AuditActor,
  event: AuditEvent,
  work: (db: Kysely<ControlDatabase>) => Promise<T>,
): Promise<{ result: T; entry: AuditEntry }> {
  // Acting by `--as` on the host, not by a login, is said on every entry it makes.
  const via = "via" in actor && actor.via ? { via: actor.via } : {};
  const details = { ...(event.details ?? {}), ...via };
  const target = event.target ?? null;
  assertNoIdentifiers(event.action, "action");
  assertNoIdentifiers(target, "target");
  assertNoIdentifiers(details, "details");

  const written = await withAppendLock(store, async (db) => {
    const result = await work(db);
    const head = await db
      .selectFrom("audit_log")
      .select(["seq", "hash"])
      .orderBy("seq", "desc")
      .limit(1)
      .executeTakeFirst();
    const unhashed = {
      seq: head ? Number(head.seq) + 1 : 1,
      time: new Date().toISOString(),
      actor: actor.name,
      actorRole: actor.role,
      action: event.action,
      target,
      details,
      prevHash: head?.hash ?? GENESIS_HASH,
    };
    const entry: AuditEntry = { ...unhashed, hash: entryHash(unhashed) };
    await db.insertInto("audit_log").values(rowFromEntry(entry)).execute();
    return { result, entry };
  });
  // After the commit and outside the lock: the entry never waits on, or is lost to, a sink.
  await store.checkpoints?.afterAppend(store, written.entry);
  return written;
}

async function withAppendLock<T>(
  store: ControlStore,
  work: (db: Kysely<ControlDatabase>) => Promise<T>,
): Promise<T> {
  return store.db.connection().execute(async (db) => {
    await sql.raw(store.dialect === "sqlite" ? "begin immediate" : "begin").execute(db);
    try {
      if (store.dialect === "postgres") {
        await sql`lock table audit_log in exclusive mode`.execute(db);
      }
      const result = await work(db);
      await sql.raw("commit").execute(db);
      return result;
    } catch (error) {
      await sql.raw("rollback").execute(db);
      throw error;
    }
  });
}
