import type { MiddlewareHandler } from "hono";
import { appendAudit } from "../../audit/append.js";
import { isPortalPath } from "../../portal/paths.js";
import { STATIC } from "../../portal/static.js";
import type { AppEnv } from "../app-env.js";
import { methodLabel, routePattern } from "./route-pattern.js";

/** API routes that read no data: the API's own description. Health and metrics are not under /api. */
const NOT_AUDITED = new Set(["/api/openapi.json"]);

/**
 * Puts every authenticated API request on the audit log after it is answered (`api.request`; a
 * portal page or fragment is `portal.request`, its static files are not audited), with
 * the method, the route pattern (never the path itself, whose ids or words may be user text), the
 * status and its outcome, and the request id that finds its log line. The services audit what
 * they do in their own entries; this one says that the request happened and how it ended, also
 * when it was refused. Requests without a user are not audited (the log's actors are users or
 * the system); the access log keeps their line.
 *
 * Written before the response leaves: if the entry cannot be written, the request fails with
 * 500 rather than hand out an answer that is on no log.
 */
export function requestAudit(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next();
    const actor = c.get("actor");
    const path = c.req.path;
    const api = path === "/api" || path.startsWith("/api/");
    const portal = isPortalPath(path) && !path.startsWith(`${STATIC}/`);
    if (!actor || !(api || portal)) return;
    const route = routePattern(c);
    if (NOT_AUDITED.has(route)) return;
    const status = c.res.status;
    await appendAudit(c.get("deps").store, actor, {
      action: api ? "api.request" : "portal.request",
      target: null,
      details: {
        method: methodLabel(c),
        route,
        status,
        outcome: status < 400 ? "answered" : status < 500 ? "refused" : "failed",
        requestId: c.get("requestId"),
      },
    });
  };
}
