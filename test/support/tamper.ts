import { sql } from "kysely";
import { entryHash, GENESIS_HASH, rowFromEntry } from "../../src/audit/entry.js";
import type { ControlStore } from "../../src/store/control-store.js";

/**
 * Runs `work` the way an attacker with direct database access would: with the append-only
 * triggers out of the way. Only the hash chain stands between them and a rewritten history.
 */
export async function asAttacker(store: ControlStore, work: () => Promise<void>): Promise<void> {
  if (store.dialect === "sqlite") {
    await sql`drop trigger if exists audit_log_no_update`.execute(store.db);
    await sql`drop trigger if exists audit_log_no_delete`.execute(store.db);
  } else {
    await sql`alter table audit_log disable trigger user`.execute(store.db);
  }
  await work();
}

/**
 * Replaces the whole audit log with `entries` forged ones whose hashes are all consistent: the
 * chain verifies, only a signed checkpoint can tell. Returns the forged head hash.
 */
export async function forgeChain(store: ControlStore, entries: number): Promise<string> {
  let prevHash = GENESIS_HASH;
  await asAttacker(store, async () => {
    await store.db.deleteFrom("audit_log").execute();
    for (let seq = 1; seq <= entries; seq++) {
      const unhashed = {
        seq,
        time: new Date().toISOString(),
        actor: "mallory",
        actorRole: "admin",
        action: "test.event",
        target: null,
        details: { seq },
        prevHash,
      };
      prevHash = entryHash(unhashed);
      await store.db
        .insertInto("audit_log")
        .values(rowFromEntry({ ...unhashed, hash: prevHash }))
        .execute();
    }
  });
  return prevHash;
}
