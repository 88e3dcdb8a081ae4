import type { Context } from "hono";
import { setCookie } from "hono/cookie";
import { SecondFactorRequiredError } from "../../auth/errors.js";
import type { Clock } from "../../auth/secrets.js";
import { endSession, type Session } from "../../auth/sessions.js";
import { type AuthSettings, authSettings } from "../../auth/settings.js";
import type { Home } from "../../home/home.js";
import { ConfigError, KaivoError, RateLimitError } from "../../shared/errors.js";
import type { AppEnv } from "../app-env.js";
import { type ErrorBody, statusOf } from "../errors.js";
import {
  isLoopback,
  clientAddress as peerAddress,
  socketAddress,
} from "../hardening/client-address.js";

export const SESSION_COOKIE = "kaivo_session";
/** Binds an OIDC sign-in to the browser that started it; lives only under the OIDC paths. */
export const OIDC_FLOW_COOKIE = "kaivo_oidc";
export const OIDC_COOKIE_PATH = "/api/auth/oidc";

export interface AuthHttpOptions {
  /** The time; tests move it to check timeouts and expiry. */
  clock?: Clock;
  /** The client's address for throttling; by default the socket's (or a trusted proxy's X-Forwarded-For). */
  clientAddress?: (c: Context<AppEnv>) => string;
}

const cache = new WeakMap<Home, Map<Clock | undefined, AuthSettings>>();

/** The home's auth settings, built once per home and clock. */
export function settingsFor(c: Context<AppEnv>, options: AuthHttpOptions): AuthSettings {
  const home = c.get("deps").home;
  let byClock = cache.get(home);
  if (!byClock) {
    byClock = new Map();
    cache.set(home, byClock);
  }
  let settings = byClock.get(options.clock);
  if (!settings) {
    settings = authSettings(home, options.clock);
    byClock.set(options.clock, settings);
  }
  return settings;
}

/**
 * The client's address for throttling: the socket's, or, with `server.trustProxy`, the hop the
 * proxy on loopback appended (src/server/hardening/client-address.ts).
 */
export function clientAddress(c: Context<AppEnv>, options: AuthHttpOptions): string {
  if (options.clientAddress) return options.clientAddress(c);
  return peerAddress(c, c.get("deps").home.config.server.trustProxy);
}

/** Over HTTPS: directly, or through a trusted proxy on loopback that says so. */
export function isHttps(c: Context<AppEnv>): boolean {
  if (new URL(c.req.url).protocol === "https:") return true;
  const trusted = c.get("deps").home.config.server.trustProxy && isLoopback(socketAddress(c));
  return trusted && c.req.header("x-forwarded-proto") === "https";
}

/** Secure when configured so, when the public address is https, or when this request came over HTTPS. */
export function secureCookie(c: Context<AppEnv>, settings: AuthSettings): boolean {
  if (settings.config.session.secureCookie === "always") return true;
  const publicUrl = c.get("deps").home.config.server.publicUrl;
  return publicUrl?.startsWith("https:") === true || isHttps(c);
}

/** The session cookie: not readable by scripts, not sent on cross-site subrequests, whole site. */
export function setSessionCookie(
  c: Context<AppEnv>,
  settings: AuthSettings,
  id: string,
  expiresAt: Date,
): void {
  const now = settings.now().getTime();
  setCookie(c, SESSION_COOKIE, id, {
    httpOnly: true,
    secure: secureCookie(c, settings),
    // Lax, not Strict: the OIDC callback is a cross-site navigation and must be able to set it.
    sameSite: "Lax",
    path: "/",
    maxAge: Math.max(1, Math.floor((expiresAt.getTime() - now) / 1000)),
  });
}

export function clearSessionCookie(c: Context<AppEnv>, settings: AuthSettings): void {
  setCookie(c, SESSION_COOKIE, "", {
    httpOnly: true,
    secure: secureCookie(c, settings),
    sameSite: "Lax",
    path: "/",
    maxAge: 0,
  });
}

/** Logs out: ends the request's session, if it has one, and clears its cookie (API and portal). */
export async function endRequestSession(c: Context<AppEnv>, settings: AuthSettings): Promise<void> {
  const session = sessionOf(c);
  if (session)
    await endSession(
      c.get("deps").store,
      { name: session.user, role: session.role },
      session,
      settings.now(),
    );
  clearSessionCookie(c, settings);
}

// The session the authentication middleware resolved, for the auth routes (the context's
// `credential` holds only its hash). Keyed by the request, so it goes with it.
const sessions = new WeakMap<Request, Session>();

export function rememberSession(c: Context<AppEnv>, session: Session): void {
  sessions.set(c.req.raw, session);
}

export function sessionOf(c: Context<AppEnv>): Session | undefined {
  return sessions.get(c.req.raw);
}

/**
 * A Kaivo error as JSON with its status (the API's one mapping, src/server/errors.ts). Messages
 * are Kaivo's own and carry no secrets; a configuration error is not detailed to the client (it
 * names files on the host).
 */
export function authErrorResponse(c: Context<AppEnv>, error: unknown): Response {
  if (error instanceof ConfigError)
    return c.json(
      {
        error: "The server's sign-in configuration is not usable.",
        hint: "An admin can check the server's log.",
      } satisfies ErrorBody,
      500,
    );
  if (!(error instanceof KaivoError)) throw error;
  const value: ErrorBody = {
    error: error.message,
    ...(error.hint ? { hint: error.hint } : {}),
    ...(error instanceof SecondFactorRequiredError ? { secondFactorRequired: true } : {}),
  };
  if (error instanceof RateLimitError) {
    const wait = /in (\d+) seconds/.exec(error.message)?.[1];
    if (wait) c.header("Retry-After", wait);
  }
  return c.json(value, statusOf(error));
}
