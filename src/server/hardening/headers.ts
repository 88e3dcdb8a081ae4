import type { MiddlewareHandler } from "hono";
import { secureHeaders } from "hono/secure-headers";
import type { KaivoConfig } from "../../home/config.js";
import { isPortalPath } from "../../portal/paths.js";
import type { AppEnv } from "../app-env.js";

type ServerConfig = KaivoConfig["server"];

/** Whether users reach the server over https: built-in TLS, or a public https address. */
export function servedOverTls(server: ServerConfig): boolean {
  return server.tls !== undefined || (server.publicUrl?.startsWith("https:") ?? false);
}

export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; frame-ancestors 'none'; object-src 'none'; base-uri 'self'; form-action 'self'";

/**
 * The portal's pages load their one script (htmx) and stylesheet from the server itself: every
 * directive names 'self' only, so no inline script, style attribute or eval runs, whatever a
 * page's user text holds. Spelled out rather than left to default-src, so a later loosening of
 * the default cannot loosen them.
 */
export const PORTAL_CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; font-src 'self'; frame-ancestors 'none'; object-src 'none'; base-uri 'self'; form-action 'self'";

/**
 * Security headers on every response. HSTS only over TLS: sent over plain http it would lock
 * browsers out of a server that has no certificate. API answers are never cached (they hold
 * counts and permit states a shared cache must not keep). No CORS header is ever sent: the
 * portal is served from the same origin, and other origins' scripts must not read the API.
 */
export function securityHeaders(server: ServerConfig): MiddlewareHandler<AppEnv> {
  const headers = secureHeaders({
    contentSecurityPolicy: {
      defaultSrc: ["'self'"],
      frameAncestors: ["'none'"],
      objectSrc: ["'none'"],
      baseUri: ["'self'"],
      formAction: ["'self'"],
    },
    xFrameOptions: "DENY",
    referrerPolicy: "no-referrer",
    xContentTypeOptions: true,
    // The portal needs none of these; a script injected despite the CSP gets none either.
    permissionsPolicy: { camera: false, microphone: false, geolocation: false, payment: false },
    strictTransportSecurity: servedOverTls(server) ? "max-age=31536000; includeSubDomains" : false,
  });
  return async (c, next) => {
    await headers(c, next);
    if (c.req.path === "/api" || c.req.path.startsWith("/api/"))
      c.header("Cache-Control", "no-store");
    if (isPortalPath(c.req.path) || c.req.path === "/") {
      c.header("Content-Security-Policy", PORTAL_CONTENT_SECURITY_POLICY);
      // Under no-referrer, Chromium sends `Origin: null` with a page's own form posts, which the
      // cross-site check must refuse; same-origin sends the origin there and no referrer off-site.
      c.header("Referrer-Policy", "same-origin");
    }
  };
}
