import { hash, verify } from "@node-rs/argon2";
import { auditedWrite } from "../audit/append.js";
import { NotFoundError, ValidationError } from "../shared/errors.js";
import type { ControlStore } from "../store/control-store.js";
import { authorize } from "./permissions.js";
import { type Actor, type AuditActor, SYSTEM_ACTOR } from "./roles.js";
import { systemClock } from "./secrets.js";

/**
 * OWASP's argon2id baseline (m=19 MiB, t=2, p=1). `algorithm: 2` is Algorithm.Argon2id: the
 * package's enum is a const enum, which isolatedModules cannot read.
 */
export const ARGON2_OPTIONS = {
  algorithm: 2,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
} as const;

export const PASSWORD_MIN_LENGTH = 12;
/** Longer input only costs hashing time; no password manager makes one this long. */
export const PASSWORD_MAX_LENGTH = 1024;

/** Refuses a weak password. The message never contains the password. */
export function checkPasswordPolicy(userName: string, password: string): void {
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH)
    throw new ValidationError(
      `A password needs at least ${PASSWORD_MIN_LENGTH} characters.`,
      "A passphrase of several words is easiest to remember.",
    );
  if (length > PASSWORD_MAX_LENGTH)
    throw new ValidationError(`A password may have at most ${PASSWORD_MAX_LENGTH} characters.`);
  if (password.toLowerCase().includes(userName.toLowerCase()))
    throw new ValidationError("A password must not contain the user name.");
  if (new Set(password).size < 4)
    throw new ValidationError("A password needs more than a few distinct characters.");
}

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2_OPTIONS);
}

/**
 * Sets (or replaces) a user's local password: an admin, or the system while setting up a home.
 * Audited without the password or its hash. The user's sessions end.
 */
export async function setPassword(
  store: ControlStore,
  actor: Actor | typeof SYSTEM_ACTOR,
  userName: string,
  password: string,
): Promise<void> {
  if (actor !== SYSTEM_ACTOR) await authorize(store, actor as Actor, "user.password");
  const user = await store.db
    .selectFrom("users")
    .select("name")
    .where("name", "=", userName)
    .executeTakeFirst();
  if (!user) throw new NotFoundError(`Unknown user "${userName}".`);
  checkPasswordPolicy(userName, password);
  const digest = await hashPassword(password);
  const now = systemClock().toISOString();
  // A new password ends the user's sessions: one set because the old leaked must shut its thief out.
  const ended = await store.db
    .updateTable("auth_sessions")
    .set({ ended_at: now })
    .where("user_name", "=", userName)
    .where("ended_at", "is", null)
    .executeTakeFirst();
  await auditedWrite(
    store,
    actor as AuditActor,
    {
      action: "user.password",
      target: `user:${userName}`,
      details: { sessionsEnded: Number(ended.numUpdatedRows) },
    },
    async (db) => {
      await db
        .insertInto("auth_passwords")
        .values({ user_name: userName, hash: digest, updated_at: now, updated_by: actor.name })
        .onConflict((oc) =>
          oc
            .column("user_name")
            .doUpdateSet({ hash: digest, updated_at: now, updated_by: actor.name }),
        )
        .execute();
    },
  );
}

let dummyHash: Promise<string> | undefined;

/**
 * True when `password` is the user's. For an unknown user, or one without a local password, a
 * dummy hash is verified all the same, so the time taken does not tell whether the account exists.
 */
export async function verifyPassword(
  store: ControlStore,
  userName: string,
  password: string,
): Promise<boolean> {
  // Bounded before hashing: an enormous body must not buy seconds of argon2 work.
  const tooLong = password.length > PASSWORD_MAX_LENGTH * 4;
  const row = await store.db
    .selectFrom("auth_passwords")
    .select("hash")
    .where("user_name", "=", userName)
    .executeTakeFirst();
  dummyHash ??= hashPassword(`dummy ${Math.random()} password`);
  const stored = row?.hash ?? (await dummyHash);
  let ok = false;
  try {
    ok = await verify(stored, tooLong ? "" : password);
  } catch {
    ok = false; // a malformed stored hash is a failed sign-in, not a crash that reveals it
  }
  return ok && !!row && !tooLong;
}

export async function hasPassword(store: ControlStore, userName: string): Promise<boolean> {
  const row = await store.db
    .selectFrom("auth_passwords")
    .select("user_name")
    .where("user_name", "=", userName)
    .executeTakeFirst();
  return !!row;
}
