import type { Context, MiddlewareHandler } from "hono";
import { getCookie } from "hono/cookie";
import { resolveToken } from "../../auth/api-tokens.js";
import { secondFactorRequired } from "../../auth/login.js";
import { safeEqual } from "../../auth/secrets.js";
import { resolveSession } from "../../auth/sessions.js";
import { isPortalPath } from "../../portal/paths.js";
import type { AppEnv } from "../app-env.js";
import {
  type AuthHttpOptions,
  clearSessionCookie,
  rememberSession,
  SESSION_COOKIE,
  settingsFor,
} from "./http-common.js";

/**
 * Where a session still lacking its second factor may go: completing it, enrolling, seeing who
 * it is, leaving, or signing in afresh.
 */
export const SECOND_FACTOR_PATHS: readonly string[] = [
  "/api/auth/totp",
  "/api/auth/totp/enrol",
  "/api/auth/me",
  "/api/auth/logout",
  "/api/auth/login",
  "/api/auth/oidc/login",
  "/api/auth/oidc/callback",
];

/** A new session replaces whatever the browser had, so sign-in needs no CSRF token; Origin is still checked. */
const NO_CSRF_TOKEN_PATHS: readonly string[] = ["/api/auth/login", "/portal/login"];

const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);

type Refusal = { status: 401 | 403; error: string; hint: string; secondFactorRequired?: boolean };

function refuse(c: Context<AppEnv>, r: Refusal): Response {
  const { status, ...body } = r;
  return c.json(body, status);
}

/**
 * A state-changing request that may carry a cookie must come from Kaivo's own pages: a
 * cross-site Sec-Fetch-Site or a foreign Origin is refused, unless that origin is configured.
 */
function crossSite(c: Context<AppEnv>): boolean {
  const { auth, server } = c.get("deps").home.config;
  const allowed = [...auth.allowedOrigins, ...(server.publicUrl ? [server.publicUrl] : [])].map(
    (o) => new URL(o).origin,
  );
  const origin = c.req.header("origin");
  if (origin && origin !== "null" && allowed.includes(origin)) return false;
  const site = c.req.header("sec-fetch-site");
  if (site === "cross-site" || site === "same-site") return true;
  if (!origin) return false;
  if (origin === "null") return true;
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    return true;
  }
  // The Host header is what the browser addressed (a proxy passes it on); the URL's is a fallback.
  return host !== (c.req.header("host") ?? new URL(c.req.url).host);
}

async function csrfTokenOf(c: Context<AppEnv>): Promise<string | undefined> {
  const header = c.req.header("x-csrf-token");
  if (header) return header;
  const type = c.req.header("content-type") ?? "";
  if (
    type.startsWith("application/x-www-form-urlencoded") ||
    type.startsWith("multipart/form-data")
  ) {
    // parseBody caches the body, so the route can still read the form.
    const field = (await c.req.parseBody())._csrf;
    return typeof field === "string" ? field : undefined;
  }
  return undefined;
}

/**
 * Authenticates a request by `Authorization: Bearer <token>` or the session cookie and sets
 * `actor` and `credential`. Without either, the request goes on unauthenticated (routes that need
 * a user use requireActor). A bearer token that does not resolve is refused rather than ignored.
 * Session requests that change state need the session's CSRF token; a session lacking the second
 * factor its role needs reaches only SECOND_FACTOR_PATHS and the portal, and there without an actor.
 */
export function authenticate(options: AuthHttpOptions = {}): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const { store } = c.get("deps");
    const settings = settingsFor(c, options);
    const now = settings.now();
    const unsafe = UNSAFE.has(c.req.method);

    const authorization = c.req.header("authorization");
    if (authorization !== undefined) {
      const match = /^Bearer ([^\s]+)$/i.exec(authorization.trim());
      const resolved = match?.[1] ? await resolveToken(store, match[1], now) : null;
      if (!resolved)
        return refuse(c, {
          status: 401,
          error:
            "The API token is not valid: unknown, expired or revoked, or its user's role changed.",
          hint: "Create a new one with `kaivo token create` or POST /api/tokens.",
        });
      // No ambient credential: a bearer token is never sent by a browser on its own, so no CSRF check.
      c.set("actor", resolved.actor);
      c.set("credential", {
        kind: "token",
        tokenId: resolved.tokenId,
        expiresAt: resolved.expiresAt,
      });
      return next();
    }

    if (unsafe && crossSite(c))
      return refuse(c, {
        status: 403,
        error: "Cross-site request refused.",
        hint: "State-changing requests with a session come from Kaivo's own pages (auth.allowedOrigins lists others).",
      });

    const id = getCookie(c, SESSION_COOKIE);
    if (!id) return next();
    const session = await resolveSession(store, id, settings.sessions, now);
    if (!session) {
      // Ended or expired: the browser forgets it; the request goes on as unauthenticated.
      clearSessionCookie(c, settings);
      return next();
    }
    const path = c.req.path;
    if (unsafe && !NO_CSRF_TOKEN_PATHS.includes(path)) {
      const presented = await csrfTokenOf(c);
      if (!presented || !safeEqual(presented, session.csrfToken))
        return refuse(c, {
          status: 403,
          error: "Missing or wrong CSRF token.",
          hint: "Send the csrfToken from sign-in (or GET /api/auth/me) in the X-CSRF-Token header, or as _csrf in a form.",
        });
    }
    rememberSession(c, session);
    c.set("credential", {
      kind: "session",
      sessionId: session.idHash,
      csrfToken: session.csrfToken,
      secondFactor: session.secondFactor,
    });
    if (await secondFactorRequired(store, session.user, session.role, session.secondFactor)) {
      // The portal's pages, without an actor, send the browser to the second-factor step.
      if (SECOND_FACTOR_PATHS.includes(path) || isPortalPath(path)) return next();
      return refuse(c, {
        status: 403,
        error: "This account needs a second factor before it can do anything else.",
        hint: "Send a code from your authenticator app to POST /api/auth/totp (or enrol one with POST /api/auth/totp/enrol).",
        secondFactorRequired: true,
      });
    }
    c.set("actor", { name: session.user, role: session.role });
    return next();
  };
}

/** 401 unless the request is authenticated as a user. */
export function requireActor(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (c.get("actor")) return next();
    return c.json(
      {
        error: "Sign in first.",
        hint: "POST /api/auth/login (or /api/auth/oidc/login), or send Authorization: Bearer <API token>.",
      },
      401,
    );
  };
}
