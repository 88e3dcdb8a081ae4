import { appendAudit } from "../audit/append.js";
import { RateLimitError } from "../shared/errors.js";
import type { ControlStore } from "../store/control-store.js";
import { AuthenticationError } from "./errors.js";
import { verifyPassword } from "./passwords.js";
import { type Actor, isRole, needsSecondFactor, type Role, SYSTEM_ACTOR } from "./roles.js";
import {
  createSession,
  elevateSession,
  type NewSession,
  pruneAuthState,
  type Session,
  type SessionMethod,
} from "./sessions.js";
import type { AuthSettings } from "./settings.js";
import { accountKey, addressKey, clearFailures, recordFailure, throttledFor } from "./throttle.js";
import { hasConfirmedTotp, verifyTotp } from "./totp.js";

export interface LoginResult {
  session: NewSession;
  user: string;
  role: Role;
  secondFactor: boolean;
  /** The session may do nothing but complete the second factor (or enrol one) until it has. */
  secondFactorRequired: boolean;
}

/** One message for every failure, so the answer does not tell whether the account exists. */
const WRONG = "Wrong user name, password or code.";
const WRONG_HINT = "Sign-in is refused for a while after repeated failures.";

/** Whether a session of this user must still verify a second factor. */
export async function secondFactorRequired(
  store: ControlStore,
  user: string,
  role: Role,
  verified: boolean,
): Promise<boolean> {
  if (verified) return false;
  return needsSecondFactor(role) || (await hasConfirmedTotp(store, user));
}

async function refuseIfThrottled(
  store: ControlStore,
  user: string,
  address: string,
  now: Date,
  known: boolean,
): Promise<void> {
  const wait = await throttledFor(store, [accountKey(user), addressKey(address)], now);
  if (wait === 0) return;
  await appendAudit(store, SYSTEM_ACTOR, {
    action: "auth.login.refused",
    target: known ? `user:${user}` : null,
    details: { reason: "throttled", address },
  });
  throw new RateLimitError(
    `Too many failed sign-ins; try again in ${wait} seconds.`,
    "Failures are counted per account and per address.",
  );
}

async function failed(
  store: ControlStore,
  settings: AuthSettings,
  user: string,
  address: string,
  now: Date,
  reason: "password" | "code",
  known: boolean,
): Promise<never> {
  const policy = settings.throttle;
  await recordFailure(store, accountKey(user), policy.accountFailures, policy, now);
  await recordFailure(store, addressKey(address), policy.addressFailures, policy, now);
  // The name is recorded only when it is an account: a mistyped one may be a password.
  await appendAudit(store, SYSTEM_ACTOR, {
    action: "auth.login.failed",
    target: known ? `user:${user}` : null,
    details: { reason, address },
  });
  throw new AuthenticationError(WRONG, WRONG_HINT);
}

async function userRole(store: ControlStore, name: string): Promise<Role | null> {
  const row = await store.db
    .selectFrom("users")
    .select("role")
    .where("name", "=", name)
    .executeTakeFirst();
  return row && isRole(row.role) ? row.role : null;
}

/**
 * Signs in with a local password (and, when given, a TOTP code): throttled per account and per
 * client address, audited without secrets, and always a new session.
 */
export async function passwordLogin(
  store: ControlStore,
  settings: AuthSettings,
  input: { user: string; password: string; totp?: string; address: string },
): Promise<LoginResult> {
  const now = settings.now();
  const user = input.user.slice(0, 128);
  const role = await userRole(store, user);
  await refuseIfThrottled(store, user, input.address, now, role !== null);
  const ok = await verifyPassword(store, user, input.password);
  if (!ok || !role)
    return failed(store, settings, user, input.address, now, "password", role !== null);
  let secondFactor = false;
  if (input.totp) {
    secondFactor = await verifyTotp(store, user, input.totp, settings.totpKey(), now);
    if (!secondFactor) return failed(store, settings, user, input.address, now, "code", true);
  }
  return startSession(
    store,
    settings,
    { name: user, role },
    "password",
    secondFactor,
    input.address,
  );
}

/** A new session for an authenticated user; shared by password and OIDC sign-in. */
export async function startSession(
  store: ControlStore,
  settings: AuthSettings,
  actor: Actor,
  method: SessionMethod,
  secondFactor: boolean,
  address: string,
): Promise<LoginResult> {
  const now = settings.now();
  await clearFailures(store, accountKey(actor.name));
  await pruneAuthState(store, now);
  const session = await createSession(
    store,
    { user: actor.name, method, secondFactor },
    settings.sessions,
    now,
  );
  await appendAudit(store, actor, {
    action: "auth.login",
    target: `user:${actor.name}`,
    details: { method, secondFactor, address },
  });
  return {
    session,
    user: actor.name,
    role: actor.role,
    secondFactor,
    secondFactorRequired: await secondFactorRequired(store, actor.name, actor.role, secondFactor),
  };
}

/** Completes the second factor of a session with a TOTP code: the session is replaced by a new one. */
export async function completeSecondFactor(
  store: ControlStore,
  settings: AuthSettings,
  session: Session,
  code: string,
  address: string,
): Promise<LoginResult> {
  const now = settings.now();
  await refuseIfThrottled(store, session.user, address, now, true);
  if (!(await verifyTotp(store, session.user, code, settings.totpKey(), now)))
    return failed(store, settings, session.user, address, now, "code", true);
  await clearFailures(store, accountKey(session.user));
  const fresh = await elevateSession(store, session, settings.sessions, now);
  await appendAudit(
    store,
    { name: session.user, role: session.role },
    {
      action: "auth.second-factor",
      target: `user:${session.user}`,
      details: { method: "totp", address },
    },
  );
  return {
    session: fresh,
    user: session.user,
    role: session.role,
    secondFactor: true,
    secondFactorRequired: false,
  };
}
