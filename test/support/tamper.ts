import { sql } from "kysely";
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
