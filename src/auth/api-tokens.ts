import { randomBytes } from "node:crypto";
import { auditedWrite } from "../audit/append.js";
import type { AuthConfig } from "../home/config.js";
import { ForbiddenError, NotFoundError, ValidationError } from "../shared/errors.js";
import type { ControlStore } from "../store/control-store.js";
import { authorize, isAllowed, PERMISSIONS, type Permission } from "./permissions.js";
import { type Actor, isRole, type Role } from "./roles.js";
import { randomSecret, safeEqual, sha256Hex } from "./secrets.js";
import { resolveActor } from "./users.js";

/** Recognisable in a leak scanner and in a log line someone pasted: `kaivo_` and 43 base64url characters. */
export const TOKEN_PREFIX = "kaivo_";
const TOKEN_PATTERN = /^kaivo_[A-Za-z0-9_-]{43}$/;
const TOKEN_ID = /^tok_[0-9a-f]{16}$/;

/** `read`: only the role's permissions that read (`*.read`, `*.list`, `*.verify`). */
export const READ_ONLY_SCOPE = "read";

export interface TokenPolicy {
  defaultDays: number;
  maxDays: number;
}

export function tokenPolicy(config: AuthConfig): TokenPolicy {
  return { defaultDays: config.tokens.defaultDays, maxDays: config.tokens.maxDays };
}

export interface TokenInfo {
  id: string;
  user: string;
  role: Role;
  /** The permissions the token carries, or null for all of the role's. */
  scope: Permission[] | null;
  label: string | null;
  createdAt: string;
  expiresAt: string;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

export function isReadPermission(permission: string): boolean {
  return /\.(read|list|verify)$/.test(permission);
}

/**
 * A token's scope: the whole role (none given), `read`, or a list of permissions. Narrower only:
 * every permission named must be one the role has, so a token never exceeds its user.
 */
export function resolveScope(
  role: Role,
  scope: readonly string[] | undefined,
): Permission[] | null {
  if (!scope || scope.length === 0) return null;
  const all = Object.keys(PERMISSIONS) as Permission[];
  const chosen = new Set<Permission>();
  for (const [index, item] of scope.entries()) {
    if (item === READ_ONLY_SCOPE) {
      for (const p of all) if (isReadPermission(p) && isAllowed(role, p)) chosen.add(p);
    } else if ((all as string[]).includes(item)) {
      if (!isAllowed(role, item as Permission))
        throw new ValidationError(
          `A ${role} does not have ${item}, so a token cannot either.`,
          "A token's scope is the role's permissions or fewer.",
        );
      chosen.add(item as Permission);
    } else {
      throw new ValidationError(
        // Not quoted: someone may paste a secret where a scope belongs.
        `Scope item ${index + 1} is not a permission name or "${READ_ONLY_SCOPE}".`,
        `Use "${READ_ONLY_SCOPE}" or permission names such as catalog.read, cohort.define.`,
      );
    }
  }
  return [...chosen].sort();
}

/**
 * Creates an API token for the acting user and returns its secret, which is shown this once: only
 * its SHA-256 is kept. Tokens are for oneself only; an admin minting one for a steward would be
 * acting as a steward.
 */
export async function createToken(
  store: ControlStore,
  actor: Actor,
  input: { user?: string; expiresDays?: number; scope?: readonly string[]; label?: string },
  policy: TokenPolicy,
  now: Date,
): Promise<{ token: TokenInfo; secret: string }> {
  await authorize(store, actor, "token.create");
  const user = input.user ?? actor.name;
  // A token acts as its user, so each user creates their own; the one exception is the installing
  // admin on the host (direct mode), minting a script's or a first user's token, audited as such.
  const onHostForOther = user !== actor.name && actor.via === "direct" && actor.role === "admin";
  if (user !== actor.name && !onHostForOther)
    throw new ForbiddenError(
      `${actor.name} may not create a token for ${user}.`,
      "A token acts as its user, so each user creates their own (an admin can on the host: kaivo token create --user NAME).",
    );
  const owner = onHostForOther ? await resolveActor(store, user) : actor;
  const days = input.expiresDays ?? policy.defaultDays;
  if (!Number.isInteger(days) || days < 1 || days > policy.maxDays)
    throw new ValidationError(
      `A token expires in 1 to ${policy.maxDays} days (auth.tokens.maxDays).`,
    );
  const label = input.label?.trim() || null;
  if (label && !/^[\p{L}\p{N} ._:/-]{1,64}$/u.test(label))
    throw new ValidationError("A token label has 1-64 letters, digits, spaces or . _ : / -.");
  // A scoped token is narrower than its role, and a token's scope is its ceiling for what it creates.
  let scope = resolveScope(owner.role, input.scope);
  if (actor.scope && !onHostForOther) {
    const ceiling = new Set(actor.scope);
    scope = (scope ?? (actor.scope as Permission[])).filter((p) => ceiling.has(p));
  }
  const secret = `${TOKEN_PREFIX}${randomSecret(32)}`;
  const token: TokenInfo = {
    id: `tok_${randomBytes(8).toString("hex")}`,
    user,
    role: owner.role,
    scope,
    label,
    createdAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + days * 86_400_000).toISOString(),
    revokedAt: null,
    lastUsedAt: null,
  };
  await auditedWrite(
    store,
    actor,
    {
      action: "token.create",
      target: `token:${token.id}`,
      details: {
        user,
        scope: scope ?? "role",
        expiresAt: token.expiresAt,
        ...(onHostForOther ? { forAnother: true } : {}),
      },
    },
    async (db) => {
      await db
        .insertInto("auth_tokens")
        .values({
          id: token.id,
          secret_hash: sha256Hex(secret),
          user_name: user,
          role: token.role,
          scope: scope ? JSON.stringify(scope) : null,
          label,
          created_at: token.createdAt,
          created_by: actor.name,
          expires_at: token.expiresAt,
          revoked_at: null,
          revoked_by: null,
          last_used_at: null,
        })
        .execute();
    },
  );
  return { token, secret };
}

type TokenRow = {
  id: string;
  user_name: string;
  role: string;
  scope: string | null;
  label: string | null;
  created_at: string;
  expires_at: string;
  revoked_at: string | null;
  last_used_at: string | null;
};

function infoOf(row: TokenRow): TokenInfo {
  return {
    id: row.id,
    user: row.user_name,
    role: isRole(row.role) ? row.role : "researcher",
    scope: row.scope ? (JSON.parse(row.scope) as Permission[]) : null,
    label: row.label,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    lastUsedAt: row.last_used_at,
  };
}

const LISTED = [
  "id",
  "user_name",
  "role",
  "scope",
  "label",
  "created_at",
  "expires_at",
  "revoked_at",
  "last_used_at",
] as const;

/** Tokens without their secrets: one's own, or (admin, auditor) anyone's. */
export async function listTokens(
  store: ControlStore,
  actor: Actor,
  options: { user?: string; all?: boolean } = {},
): Promise<TokenInfo[]> {
  await authorize(store, actor, "token.list");
  const user = options.all ? options.user : (options.user ?? actor.name);
  if (user !== actor.name) await authorize(store, actor, "token.list-all");
  let query = store.db.selectFrom("auth_tokens").select(LISTED).orderBy("created_at").orderBy("id");
  if (user) query = query.where("user_name", "=", user);
  return (await query.execute()).map(infoOf);
}

/** Revokes a token at once: one's own, or (admin) anyone's. */
export async function revokeToken(
  store: ControlStore,
  actor: Actor,
  id: string,
  now: Date,
): Promise<TokenInfo> {
  await authorize(store, actor, "token.revoke");
  const row = TOKEN_ID.test(id)
    ? await store.db
        .selectFrom("auth_tokens")
        .select(LISTED)
        .where("id", "=", id)
        .executeTakeFirst()
    : undefined;
  if (!row)
    throw new NotFoundError(
      `No token ${TOKEN_ID.test(id) ? id : "with that id"}.`,
      "`kaivo token list` shows ids.",
    );
  if (row.user_name !== actor.name) await authorize(store, actor, "token.revoke-any");
  if (row.revoked_at) return infoOf(row);
  const at = now.toISOString();
  await auditedWrite(
    store,
    actor,
    { action: "token.revoke", target: `token:${id}`, details: { user: row.user_name } },
    async (db) => {
      await db
        .updateTable("auth_tokens")
        .set({ revoked_at: at, revoked_by: actor.name })
        .where("id", "=", id)
        .where("revoked_at", "is", null)
        .execute();
    },
  );
  return infoOf({ ...row, revoked_at: at });
}

/**
 * The actor a bearer token acts as, or null: malformed, unknown, revoked, expired, or its user
 * gone or in another role than when it was made.
 */
export async function resolveToken(
  store: ControlStore,
  secret: string,
  now: Date,
): Promise<{ actor: Actor; tokenId: string; expiresAt: string } | null> {
  if (!TOKEN_PATTERN.test(secret)) return null;
  const hash = sha256Hex(secret);
  const row = await store.db
    .selectFrom("auth_tokens")
    .innerJoin("users", "users.name", "auth_tokens.user_name")
    .select([
      "auth_tokens.id",
      "auth_tokens.secret_hash",
      "auth_tokens.role",
      "auth_tokens.scope",
      "auth_tokens.expires_at",
      "auth_tokens.revoked_at",
      "auth_tokens.last_used_at",
      "users.name",
      "users.role as user_role",
    ])
    .where("auth_tokens.secret_hash", "=", hash)
    .executeTakeFirst();
  if (!row || !safeEqual(row.secret_hash, hash)) return null;
  if (row.revoked_at || now.getTime() >= Date.parse(row.expires_at)) return null;
  if (row.role !== row.user_role || !isRole(row.role)) return null;
  // Last use, at most once a minute per token.
  if (!row.last_used_at || now.getTime() - Date.parse(row.last_used_at) >= 60_000) {
    await store.db
      .updateTable("auth_tokens")
      .set({ last_used_at: now.toISOString() })
      .where("id", "=", row.id)
      .execute();
  }
  const scope = row.scope ? (JSON.parse(row.scope) as string[]) : undefined;
  return {
    actor: scope ? { name: row.name, role: row.role, scope } : { name: row.name, role: row.role },
    tokenId: row.id,
    expiresAt: row.expires_at,
  };
}
