import { readFileSync, statSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import * as client from "openid-client";
import { appendAudit, auditedWrite } from "../audit/append.js";
import type { OidcConfig } from "../home/config.js";
import type { Home } from "../home/home.js";
import { ConfigError, NotFoundError, ValidationError } from "../shared/errors.js";
import type { ControlStore } from "../store/control-store.js";
import { AuthenticationError } from "./errors.js";
import { type LoginResult, startSession } from "./login.js";
import { authorize } from "./permissions.js";
import { type Actor, isRole, type Role, SYSTEM_ACTOR } from "./roles.js";
import { randomSecret, safeEqual, sha256Hex } from "./secrets.js";
import type { AuthSettings } from "./settings.js";
import { isValidUserName } from "./users.js";

/** An OIDC sign-in must come back within this. */
const FLOW_TTL_MS = 10 * 60_000;
/** `created_by` of identities made from a role claim: their role follows the claim. */
const FROM_CLAIM = "oidc-claim";

export function isLoopbackUrl(url: URL): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, "");
  return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** The client secret, from its own file (0600), never from kaivo.json or the command line. */
export function readClientSecret(home: Home, oidc: OidcConfig): string | undefined {
  if (!oidc.clientSecretFile) return undefined;
  const file = isAbsolute(oidc.clientSecretFile)
    ? oidc.clientSecretFile
    : join(home.dir, oidc.clientSecretFile);
  let mode: number;
  try {
    mode = statSync(file).mode & 0o777;
  } catch {
    throw new ConfigError(
      `The OIDC client secret file ${file} is missing.`,
      "Set auth.oidc.clientSecretFile.",
    );
  }
  if ((mode & 0o077) !== 0)
    throw new ConfigError(
      `The OIDC client secret file ${file} is readable by others; Kaivo refuses to use it.`,
      `Run \`chmod 600 ${file}\`, and consider rotating the secret at the provider.`,
    );
  const secret = readFileSync(file, "utf8").trim();
  if (!secret) throw new ConfigError(`The OIDC client secret file ${file} is empty.`);
  return secret;
}

const configurations = new Map<string, Promise<client.Configuration>>();

/**
 * The provider's metadata and Kaivo's client, discovered once per process. Plain http is allowed
 * only for a loopback issuer (tests, development): anywhere else it would expose codes and tokens.
 */
export function oidcConfiguration(home: Home, oidc: OidcConfig): Promise<client.Configuration> {
  const issuer = new URL(oidc.issuer);
  if (issuer.protocol !== "https:" && !isLoopbackUrl(issuer))
    throw new ConfigError(
      "auth.oidc.issuer must be an https URL (http only on a loopback address).",
    );
  const cacheKey = `${issuer.href}|${oidc.clientId}|${home.dir}`;
  let found = configurations.get(cacheKey);
  if (!found) {
    const secret = readClientSecret(home, oidc);
    found = client.discovery(
      issuer,
      oidc.clientId,
      secret ? { client_secret: secret } : undefined,
      secret ? client.ClientSecretPost(secret) : client.None(),
      { execute: issuer.protocol === "http:" ? [client.allowInsecureRequests] : [], timeout: 10 },
    );
    // A failed discovery is not cached: the provider may be back on the next sign-in.
    found.catch(() => configurations.delete(cacheKey));
    configurations.set(cacheKey, found);
  }
  return found;
}

export interface OidcLoginStart {
  /** Where to send the browser. */
  url: URL;
  /** For the flow cookie: binds the flow to this browser against login CSRF. */
  browserSecret: string;
}

/**
 * Starts an authorization code flow with PKCE: state, nonce and verifier stay in the control
 * store (short-lived, single use); the browser gets only the URL and a cookie value.
 */
export async function beginOidcLogin(
  store: ControlStore,
  config: client.Configuration,
  oidc: OidcConfig,
  now: Date,
): Promise<OidcLoginStart> {
  const state = client.randomState();
  const nonce = client.randomNonce();
  const verifier = client.randomPKCECodeVerifier();
  const browserSecret = randomSecret(32);
  await store.db
    .insertInto("auth_oidc_flows")
    .values({
      state_hash: sha256Hex(state),
      browser_hash: sha256Hex(browserSecret),
      nonce,
      code_verifier: verifier,
      created_at: now.toISOString(),
      expires_at: new Date(now.getTime() + FLOW_TTL_MS).toISOString(),
    })
    .execute();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: oidc.redirectUri,
    scope: oidc.scopes.join(" "),
    state,
    nonce,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: "S256",
  });
  return { url, browserSecret };
}

const REFUSED = "OpenID sign-in failed.";

async function refuse(
  store: ControlStore,
  address: string,
  reason: string,
  hint = "Start again from the sign-in page.",
  user?: string,
): Promise<never> {
  await appendAudit(store, SYSTEM_ACTOR, {
    action: "auth.login.failed",
    target: user ? `user:${user}` : null,
    details: { reason: `oidc: ${reason}`, address },
  });
  throw new AuthenticationError(REFUSED, hint);
}

function claimStrings(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === "string");
  return [];
}

/** Whether the provider says the user used a second factor (amr per RFC 8176, or acr), per config. */
export function secondFactorFromClaims(claims: Record<string, unknown>, oidc: OidcConfig): boolean {
  const amr = claimStrings(claims.amr);
  const acr = typeof claims.acr === "string" ? claims.acr : undefined;
  return (
    amr.some((v) => oidc.secondFactorAmr.includes(v)) ||
    (!!acr && oidc.secondFactorAcr.includes(acr))
  );
}

/**
 * Completes the flow at the callback: takes (and deletes) the flow named by `state`, checks the
 * browser's cookie, exchanges the code with PKCE, checks the ID token's nonce, and finds the
 * Kaivo user: an identity an admin linked, else one made from the configured role claim.
 */
export async function completeOidcLogin(
  store: ControlStore,
  settings: AuthSettings,
  config: client.Configuration,
  oidc: OidcConfig,
  input: { callbackUrl: URL; browserSecret: string | undefined; address: string },
): Promise<LoginResult> {
  const now = settings.now();
  const state = input.callbackUrl.searchParams.get("state");
  if (!state) return refuse(store, input.address, "no state");
  // Deleted as it is read: a state is good for one callback only.
  const flow = await store.db
    .deleteFrom("auth_oidc_flows")
    .where("state_hash", "=", sha256Hex(state))
    .returningAll()
    .executeTakeFirst();
  if (!flow || now.getTime() >= Date.parse(flow.expires_at))
    return refuse(store, input.address, "unknown or expired state");
  if (!input.browserSecret || !safeEqual(sha256Hex(input.browserSecret), flow.browser_hash))
    return refuse(
      store,
      input.address,
      "flow cookie missing or wrong",
      "Finish the sign-in in the browser that started it.",
    );
  let claims: Record<string, unknown> | undefined;
  try {
    const tokens = await client.authorizationCodeGrant(config, input.callbackUrl, {
      pkceCodeVerifier: flow.code_verifier,
      expectedState: state,
      expectedNonce: flow.nonce,
      idTokenExpected: true,
    });
    claims = tokens.claims() as Record<string, unknown> | undefined;
  } catch (error) {
    // The library's message may quote the provider's response; only its class is kept.
    return refuse(store, input.address, `code exchange (${(error as Error)?.name ?? "error"})`);
  }
  const issuer = typeof claims?.iss === "string" ? claims.iss : undefined;
  const subject = typeof claims?.sub === "string" ? claims.sub : undefined;
  if (!claims || !issuer || !subject) return refuse(store, input.address, "no ID token subject");
  const actor = await userForIdentity(store, oidc, issuer, subject, claims, input.address, now);
  return startSession(
    store,
    settings,
    actor,
    "oidc",
    secondFactorFromClaims(claims, oidc),
    input.address,
  );
}

async function userForIdentity(
  store: ControlStore,
  oidc: OidcConfig,
  issuer: string,
  subject: string,
  claims: Record<string, unknown>,
  address: string,
  now: Date,
): Promise<Actor> {
  const linked = await store.db
    .selectFrom("user_identities")
    .innerJoin("users", "users.name", "user_identities.user_name")
    .select(["users.name", "users.role", "user_identities.created_by"])
    .where("user_identities.issuer", "=", issuer)
    .where("user_identities.subject", "=", subject)
    .executeTakeFirst();
  const claimed = roleFromClaims(claims, oidc);
  if (linked && isRole(linked.role)) {
    // An admin's link fixes the role; an identity made from the claim follows the claim.
    if (linked.created_by !== FROM_CLAIM) return { name: linked.name, role: linked.role };
    if (!claimed)
      return refuse(
        store,
        address,
        "role claim gives no role",
        "Ask for a Kaivo role at your identity provider.",
        linked.name,
      );
    if (claimed !== linked.role) {
      await auditedWrite(
        store,
        SYSTEM_ACTOR,
        {
          action: "user.role",
          target: `user:${linked.name}`,
          details: { from: linked.role, to: claimed, via: "oidc" },
        },
        async (db) => {
          await db
            .updateTable("users")
            .set({ role: claimed })
            .where("name", "=", linked.name)
            .execute();
        },
      );
    }
    return { name: linked.name, role: claimed };
  }
  if (!oidc.roleClaim || !claimed)
    return refuse(
      store,
      address,
      "no linked user and no role from claims",
      "Ask an admin to link your identity to a Kaivo user.",
    );
  const wanted = claimStrings(claims[oidc.usernameClaim])[0]?.toLowerCase();
  if (!wanted || !isValidUserName(wanted))
    return refuse(store, address, "no usable user name claim");
  const existing = await store.db
    .selectFrom("users")
    .select("name")
    .where("name", "=", wanted)
    .executeTakeFirst();
  // Never adopt an existing account by name: the provider may let people choose their name.
  if (existing)
    return refuse(
      store,
      address,
      "user name taken by an unlinked account",
      "Ask an admin to link your identity.",
      wanted,
    );
  const at = now.toISOString();
  await auditedWrite(
    store,
    SYSTEM_ACTOR,
    { action: "user.add", target: `user:${wanted}`, details: { role: claimed, via: "oidc" } },
    async (db) => {
      await db
        .insertInto("users")
        .values({ name: wanted, role: claimed, created_at: at, created_by: "oidc" })
        .execute();
      await db
        .insertInto("user_identities")
        .values({ issuer, subject, user_name: wanted, created_at: at, created_by: FROM_CLAIM })
        .execute();
    },
  );
  return { name: wanted, role: claimed };
}

/** The one role the configured claim maps to; several different roles give none (one role a user). */
export function roleFromClaims(claims: Record<string, unknown>, oidc: OidcConfig): Role | null {
  if (!oidc.roleClaim) return null;
  const roles = new Set<Role>();
  for (const value of claimStrings(claims[oidc.roleClaim])) {
    const role = Object.hasOwn(oidc.roleMap, value) ? oidc.roleMap[value] : undefined;
    if (role) roles.add(role);
  }
  return roles.size === 1 ? ([...roles][0] ?? null) : null;
}

/** Links an identity at a provider (issuer + subject) to a Kaivo user, who then signs in with it in their role. */
export async function linkIdentity(
  store: ControlStore,
  actor: Actor,
  input: { user: string; issuer: string; subject: string },
  now: Date,
): Promise<void> {
  await authorize(store, actor, "user.identity");
  if (!URL.canParse(input.issuer) || !input.subject || input.subject.length > 255)
    throw new ValidationError("Give the provider's issuer URL and the identity's subject (sub).");
  const user = await store.db
    .selectFrom("users")
    .select("name")
    .where("name", "=", input.user)
    .executeTakeFirst();
  if (!user) throw new NotFoundError(`Unknown user "${input.user}".`);
  const at = now.toISOString();
  await auditedWrite(
    store,
    actor,
    { action: "user.identity", target: `user:${input.user}`, details: { issuer: input.issuer } },
    async (db) => {
      await db
        .insertInto("user_identities")
        .values({
          issuer: input.issuer,
          subject: input.subject,
          user_name: input.user,
          created_at: at,
          created_by: actor.name,
        })
        .onConflict((oc) =>
          oc
            .columns(["issuer", "subject"])
            .doUpdateSet({ user_name: input.user, created_at: at, created_by: actor.name }),
        )
        .execute();
    },
  );
}
