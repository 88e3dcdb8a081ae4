import { sql } from "kysely";
import type { AuthConfig } from "../home/config.js";
import type { ControlStore } from "../store/control-store.js";

export interface ThrottlePolicy {
  windowMs: number;
  accountFailures: number;
  addressFailures: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export function throttlePolicy(config: AuthConfig): ThrottlePolicy {
  const t = config.throttle;
  return {
    windowMs: t.windowMinutes * 60_000,
    accountFailures: t.accountFailures,
    addressFailures: t.addressFailures,
    baseDelayMs: t.baseDelaySeconds * 1000,
    maxDelayMs: t.maxDelayMinutes * 60_000,
  };
}

export const accountKey = (name: string) => `account:${name}`;
export const addressKey = (address: string) => `address:${address}`;

/**
 * Seconds until sign-in is allowed again for any of `keys`, or 0. The state is in the control
 * store, so it survives restarts and holds across server processes.
 */
export async function throttledFor(
  store: ControlStore,
  keys: string[],
  now: Date,
): Promise<number> {
  const rows = await store.db
    .selectFrom("auth_throttle")
    .select(["locked_until"])
    .where("key", "in", keys)
    .execute();
  let until = 0;
  for (const row of rows) {
    if (row.locked_until) until = Math.max(until, Date.parse(row.locked_until));
  }
  return until > now.getTime() ? Math.ceil((until - now.getTime()) / 1000) : 0;
}

/**
 * Counts one failure for `key`, in one statement so concurrent failures are all counted. The
 * count starts again once the previous failure is older than the window; past `threshold`, each
 * failure locks the key for a delay that doubles, up to the maximum.
 */
export async function recordFailure(
  store: ControlStore,
  key: string,
  threshold: number,
  policy: ThrottlePolicy,
  now: Date,
): Promise<number> {
  const at = now.toISOString();
  const stale = new Date(now.getTime() - policy.windowMs).toISOString();
  const row = await store.db
    .insertInto("auth_throttle")
    .values({ key, failures: 1, last_failure_at: at, locked_until: null })
    .onConflict((oc) =>
      oc.column("key").doUpdateSet({
        failures: sql<number>`case when auth_throttle.last_failure_at < ${stale} then 1 else auth_throttle.failures + 1 end`,
        last_failure_at: at,
      }),
    )
    .returning("failures")
    .executeTakeFirstOrThrow();
  const failures = Number(row.failures);
  if (failures >= threshold) {
    const delay = Math.min(
      policy.baseDelayMs * 2 ** Math.min(failures - threshold, 30),
      policy.maxDelayMs,
    );
    await store.db
      .updateTable("auth_throttle")
      .set({ locked_until: new Date(now.getTime() + delay).toISOString() })
      .where("key", "=", key)
      .execute();
  }
  return failures;
}

/** After a successful sign-in: the account's count starts again (an address's does not). */
export async function clearFailures(store: ControlStore, key: string): Promise<void> {
  await store.db.deleteFrom("auth_throttle").where("key", "=", key).execute();
}
