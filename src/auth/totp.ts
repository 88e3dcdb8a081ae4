import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import { Secret, TOTP } from "otpauth";
import { auditedWrite } from "../audit/append.js";
import type { Home } from "../home/home.js";
import { loadKey, SecretKey } from "../home/keys.js";
import { ConflictError, NotFoundError } from "../shared/errors.js";
import type { ControlStore } from "../store/control-store.js";
import { authorize } from "./permissions.js";
import type { Actor } from "./roles.js";

const PERIOD_SECONDS = 30;
const DIGITS = 6;

/**
 * The key TOTP secrets are encrypted under: HKDF-SHA256 of the lake key with its own label. No new
 * key file (existing homes keep working), the lake key is already in the server's memory, and
 * HKDF makes this key useless for anything else. Rotating the lake key means enrolling again.
 */
export function totpKey(home: Home): SecretKey {
  const lake = loadKey(home.keysDir, "lake", home.env);
  return new SecretKey(
    Buffer.from(hkdfSync("sha256", lake.bytes(), "kaivo", "kaivo auth totp secret v1", 32)),
  );
}

// The user name is the additional data: a ciphertext copied to another user's row does not decrypt.
function encrypt(key: SecretKey, userName: string, plain: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key.bytes(), iv);
  cipher.setAAD(Buffer.from(`kaivo totp|${userName}`));
  const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
  return `v1:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64")}`;
}

function decrypt(key: SecretKey, userName: string, stored: string): string | null {
  if (!stored.startsWith("v1:")) return null;
  const raw = Buffer.from(stored.slice(3), "base64");
  try {
    const decipher = createDecipheriv("aes-256-gcm", key.bytes(), raw.subarray(0, 12));
    decipher.setAAD(Buffer.from(`kaivo totp|${userName}`));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString("utf8");
  } catch {
    return null; // another key or a tampered row: no second factor, not a crash
  }
}

function totpFor(issuer: string, userName: string, secret: Secret): TOTP {
  return new TOTP({
    issuer,
    label: userName,
    algorithm: "SHA1",
    digits: DIGITS,
    period: PERIOD_SECONDS,
    secret,
  });
}

async function enrol(
  store: ControlStore,
  performer: Actor,
  userName: string,
  key: SecretKey,
  issuer: string,
  now: Date,
): Promise<{ uri: string }> {
  const user = await store.db
    .selectFrom("users")
    .select("name")
    .where("name", "=", userName)
    .executeTakeFirst();
  if (!user) throw new NotFoundError(`Unknown user "${userName}".`);
  const secret = new Secret({ size: 20 });
  const stored = encrypt(key, userName, secret.base32);
  const values = {
    secret: stored,
    confirmed: 0,
    last_step: 0,
    created_at: now.toISOString(),
    created_by: performer.name,
  };
  await auditedWrite(
    store,
    performer,
    { action: "user.totp.enrol", target: `user:${userName}` },
    async (db) => {
      await db
        .insertInto("auth_totp")
        .values({ user_name: userName, ...values })
        .onConflict((oc) => oc.column("user_name").doUpdateSet(values))
        .execute();
    },
  );
  return { uri: totpFor(issuer, userName, secret).toString() };
}

/**
 * Enrols (or replaces) a user's TOTP and returns the otpauth:// URI, shown this once. Oneself, or
 * an admin for anyone (`kaivo user totp`). It becomes a second factor once a code is verified.
 */
export async function enrolTotp(
  store: ControlStore,
  actor: Actor,
  userName: string,
  key: SecretKey,
  options: { issuer: string; now: Date },
): Promise<{ uri: string }> {
  if (userName !== actor.name) await authorize(store, actor, "user.totp");
  return enrol(store, actor, userName, key, options.issuer, options.now);
}

/**
 * For a signed-in user whose session still lacks the second factor their role needs: enrol a
 * first TOTP. Refused once one is confirmed, so a stolen password cannot replace it.
 */
export async function enrolFirstTotp(
  store: ControlStore,
  user: Actor,
  key: SecretKey,
  options: { issuer: string; now: Date },
): Promise<{ uri: string }> {
  if (await hasConfirmedTotp(store, user.name))
    throw new ConflictError(
      "A TOTP is already set up for this account.",
      "Enter a code from it; if it is lost, an admin can enrol a new one with `kaivo user totp`.",
    );
  return enrol(store, user, user.name, key, options.issuer, options.now);
}

export async function hasConfirmedTotp(store: ControlStore, userName: string): Promise<boolean> {
  const row = await store.db
    .selectFrom("auth_totp")
    .select("confirmed")
    .where("user_name", "=", userName)
    .executeTakeFirst();
  return row?.confirmed === 1;
}

/**
 * Checks a 6-digit code, one step (30 s) either way. A code is accepted once: the step it
 * belongs to must be later than the last accepted one, set by compare-and-set so two requests
 * with the same code cannot both pass. The first accepted code confirms an enrolment.
 */
export async function verifyTotp(
  store: ControlStore,
  userName: string,
  code: string,
  key: SecretKey,
  now: Date,
): Promise<boolean> {
  if (!/^\d{6}$/.test(code)) return false;
  const row = await store.db
    .selectFrom("auth_totp")
    .select(["secret", "last_step"])
    .where("user_name", "=", userName)
    .executeTakeFirst();
  if (!row) return false;
  const base32 = decrypt(key, userName, row.secret);
  if (!base32) return false;
  const totp = totpFor("Kaivo", userName, Secret.fromBase32(base32));
  const delta = totp.validate({ token: code, timestamp: now.getTime(), window: 1 });
  if (delta === null) return false;
  const step = Math.floor(now.getTime() / 1000 / PERIOD_SECONDS) + delta;
  const updated = await store.db
    .updateTable("auth_totp")
    .set({ last_step: step, confirmed: 1 })
    .where("user_name", "=", userName)
    .where("last_step", "<", step)
    .executeTakeFirst();
  return Number(updated.numUpdatedRows) === 1;
}
