import type { Context } from "hono";
import { matchedRoutes } from "hono/route";

/** The label for requests no route matched (a 404, or a method the path does not have). */
export const UNMATCHED = "(unmatched)";

/**
 * The route pattern that answered the request, e.g. `/api/jobs/:id`: logs, metrics and the audit
 * use it instead of the URL, whose path segments and query string may carry user text (search
 * words, names). Middleware (registered for every method, usually with a `*`) is skipped, so a
 * request refused by a middleware (401, 413, 429) is still labelled with the route it asked for;
 * a request no route matches gets one fixed label, which keeps the metrics' label set bounded.
 */
export function routePattern(c: Context): string {
  const routes = matchedRoutes(c);
  for (let i = routes.length - 1; i >= 0; i--) {
    const r = routes[i];
    if (r && r.method !== "ALL") return r.path;
  }
  for (let i = routes.length - 1; i >= 0; i--) {
    const r = routes[i];
    if (r && !r.path.includes("*")) return r.path;
  }
  return UNMATCHED;
}

const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);

/** The method, or OTHER for one Kaivo does not serve: labels stay a fixed set. */
export function methodLabel(c: Context): string {
  const m = c.req.method.toUpperCase();
  return METHODS.has(m) ? m : "OTHER";
}
