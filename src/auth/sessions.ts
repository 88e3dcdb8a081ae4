import { createHmac } from "node:crypto";
import { appendAudit } from "../audit/append.js";
import type { AuthConfig } from "../home/config.js";
import type { ControlStore } from "../store/control-store.js";
import { authorize } from "./permissions.js";
import { type Actor, isRole, type Role } from "./roles.js";
import { addMs, randomSecret, sha256Hex } from "./secrets.js";

export interface SessionPolicy {
  idleMs: number;
  absoluteMs: number;
  /** last_seen_at is written at most this often, so busy sessions do not write on every request. */
  touchEveryMs: number;
}

export function sessionPolicy(config: AuthConfig): SessionPolicy {
  return {
    idleMs: config.session.idleMinutes * 60_000,
    absoluteMs: config.session.absoluteHours * 3_600_000,
    touchEveryMs: 60_000,
  };
}

export type SessionMethod = "password" | "oidc";

/** What the browser gets once: the id for its cookie and the CSRF token for its requests. */
export interface NewSession {
  id: string;
  idHash: string;
  csrfToken: string;
  expiresAt: Date;
}

export interface Session {
  /** SHA-256 of the id: safe to keep in memory, log or compare. */
  idHash: string;
  user: string;
  role: Role;
  method: SessionMethod;
  secondFactor: boolean;
  csrfToken: string;
  createdAt: Date;
  expiresAt: Date;
}

const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;

/**
 * The CSRF token is derived from the session id, so nothing more is stored and only whoever holds
 * the id (the cookie) can know it; a page on another site can neither read nor compute it.
 */
export function csrfTokenFor(sessionId: string): string {
  return createHmac("sha256", sessionId).update("kaivo csrf v1").digest("base64url");
}

/**
 * A new session with a fresh random id (32 bytes). Every sign-in calls this, and nothing ever
 * adopts an id the client brings, so a planted cookie cannot become a session (fixation).
 */
export async function createSession(
  store: ControlStore,
  input: { user: string; method: SessionMethod; secondFactor: boolean; expiresAt?: Date },
  policy: SessionPolicy,
  now: Date,
): Promise<NewSession> {
  const id = randomSecret(32);
  const idHash = sha256Hex(id);
  const expiresAt = input.expiresAt ?? addMs(now, policy.absoluteMs);
  await store.db
    .insertInto("auth_sessions")
    .values({
      id_hash: idHash,
      user_name: input.user,
      method: input.method,
      second_factor: input.secondFactor ? 1 : 0,
      created_at: now.toISOString(),
      last_seen_at: now.toISOString(),
      expires_at: expiresAt.toISOString(),
      ended_at: null,
    })
    .execute();
  return { id, idHash, csrfToken: csrfTokenFor(id), expiresAt };
}

/**
 * The live session for a cookie's id, or null: unknown, ended, idle too long, past its absolute
 * end, or its user gone. The role is the user's current one.
 */
export async function resolveSession(
  store: ControlStore,
  id: string,
  policy: SessionPolicy,
  now: Date,
): Promise<Session | null> {
  if (!SESSION_ID.test(id)) return null;
  const idHash = sha256Hex(id);
  const row = await store.db
    .selectFrom("auth_sessions")
    .innerJoin("users", "users.name", "auth_sessions.user_name")
    .select([
      "auth_sessions.user_name",
      "auth_sessions.method",
      "auth_sessions.second_factor",
      "auth_sessions.created_at",
      "auth_sessions.last_seen_at",
      "auth_sessions.expires_at",
      "auth_sessions.ended_at",
      "users.role",
    ])
    .where("auth_sessions.id_hash", "=", idHash)
    .executeTakeFirst();
  if (!row || row.ended_at || !isRole(row.role)) return null;
  const t = now.getTime();
  const lastSeen = Date.parse(row.last_seen_at);
  if (t >= Date.parse(row.expires_at) || t - lastSeen >= policy.idleMs) {
    await endSessionByHash(store, idHash, now);
    return null;
  }
  if (t - lastSeen >= policy.touchEveryMs) {
    await store.db
      .updateTable("auth_sessions")
      .set({ last_seen_at: now.toISOString() })
      .where("id_hash", "=", idHash)
      .execute();
  }
  return {
    idHash,
    user: row.user_name,
    role: row.role,
    method: row.method === "oidc" ? "oidc" : "password",
    secondFactor: row.second_factor === 1,
    csrfToken: csrfTokenFor(id),
    createdAt: new Date(row.created_at),
    expiresAt: new Date(row.expires_at),
  };
}

/**
 * After a second factor: the old session ends and a new one (new id) carries the factor, so an id
 * seen before the elevation is worth nothing after it. The absolute end stays the original's.
 */
export async function elevateSession(
  store: ControlStore,
  session: Session,
  policy: SessionPolicy,
  now: Date,
): Promise<NewSession> {
  await endSessionByHash(store, session.idHash, now);
  return createSession(
    store,
    {
      user: session.user,
      method: session.method,
      secondFactor: true,
      expiresAt: session.expiresAt,
    },
    policy,
    now,
  );
}

export async function endSessionByHash(
  store: ControlStore,
  idHash: string,
  now: Date,
): Promise<boolean> {
  const result = await store.db
    .updateTable("auth_sessions")
    .set({ ended_at: now.toISOString() })
    .where("id_hash", "=", idHash)
    .where("ended_at", "is", null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Signs one session out (the cookie's). */
export async function endSession(
  store: ControlStore,
  actor: Actor,
  session: Session,
  now: Date,
): Promise<void> {
  if (await endSessionByHash(store, session.idHash, now))
    await appendAudit(store, actor, { action: "auth.logout", target: `user:${session.user}` });
}

/** "Sign out everywhere": every live session of the user ends. Oneself, or an admin for anyone. */
export async function endAllSessions(
  store: ControlStore,
  actor: Actor,
  userName: string,
  now: Date,
): Promise<number> {
  if (userName !== actor.name) await authorize(store, actor, "session.end-any");
  const result = await store.db
    .updateTable("auth_sessions")
    .set({ ended_at: now.toISOString() })
    .where("user_name", "=", userName)
    .where("ended_at", "is", null)
    .executeTakeFirst();
  const ended = Number(result.numUpdatedRows);
  await appendAudit(store, actor, {
    action: "auth.logout-everywhere",
    target: `user:${userName}`,
    details: { sessions: ended },
  });
  return ended;
}

/** Deletes sessions, OIDC flows and throttle counts long over; cheap, called at sign-in. */
export async function pruneAuthState(store: ControlStore, now: Date): Promise<void> {
  const dayAgo = new Date(now.getTime() - 86_400_000).toISOString();
  await store.db.deleteFrom("auth_sessions").where("expires_at", "<", dayAgo).execute();
  await store.db
    .deleteFrom("auth_oidc_flows")
    .where("expires_at", "<", now.toISOString())
    .execute();
  // Throttle rows whose last failure is a day old and whose lock is over count for nothing.
  await store.db
    .deleteFrom("auth_throttle")
    .where("last_failure_at", "<", dayAgo)
    .where((eb) =>
      eb.or([eb("locked_until", "is", null), eb("locked_until", "<", now.toISOString())]),
    )
    .execute();
}
