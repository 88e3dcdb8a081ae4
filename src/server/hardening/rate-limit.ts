import type { Context, MiddlewareHandler } from "hono";
import { isPortalPath } from "../../portal/paths.js";
import { RateLimitError } from "../../shared/errors.js";
import type { AppEnv } from "../app-env.js";
import type { ErrorBody } from "../errors.js";
import { clientAddress } from "./client-address.js";

export interface RateLimitOptions {
  /** `server.requestsPerMinute`. */
  requestsPerMinute: number;
  /** `server.trustProxy`: take the client address from a loopback proxy's X-Forwarded-For. */
  trustProxy: boolean;
  /** The clock, for tests. */
  now?: () => number;
  /** Beyond this many callers tracked, windows that ended are dropped (memory stays bounded). */
  maxKeys?: number;
}

const WINDOW_MS = 60_000;

interface Window {
  start: number;
  count: number;
}

/**
 * Requests per caller and minute, on every route: per user once authenticated (so users behind
 * one address do not share a limit), else per client address (logins, public routes). A fixed
 * window from the caller's first request, in memory: one server process holds the lake, so
 * there is no second process to share counts with. Feasibility queries keep their own, stricter
 * limit in their service; this one stops floods, not disclosure attacks.
 */
export function rateLimit(options: RateLimitOptions): MiddlewareHandler<AppEnv> {
  const now = options.now ?? Date.now;
  const maxKeys = options.maxKeys ?? 100_000;
  const windows = new Map<string, Window>();
  return async (c, next) => {
    const t = now();
    const key = callerKey(c, options.trustProxy);
    let w = windows.get(key);
    if (!w || t - w.start >= WINDOW_MS) {
      if (!w && windows.size >= maxKeys) sweep(windows, t, maxKeys);
      w = { start: t, count: 0 };
      // Re-inserted, so the map's order is the order windows started: oldest first.
      windows.delete(key);
      windows.set(key, w);
    }
    w.count++;
    if (w.count > options.requestsPerMinute) {
      const retryAfter = Math.max(1, Math.ceil((w.start + WINDOW_MS - t) / 1000));
      c.header("Retry-After", String(retryAfter));
      // The portal answers with a page in the user's language (src/portal/error-pages.tsx).
      if (isPortalPath(c.req.path)) {
        c.set("retryAfter", String(retryAfter));
        throw new RateLimitError(
          "Too many requests.",
          `At most ${options.requestsPerMinute} requests a minute.`,
        );
      }
      const body: ErrorBody = {
        error: "Too many requests.",
        hint: `At most ${options.requestsPerMinute} requests a minute; try again in ${retryAfter} s.`,
        requestId: c.get("requestId"),
      };
      return c.json(body, 429);
    }
    await next();
  };
}

function callerKey(c: Context<AppEnv>, trustProxy: boolean): string {
  const actor = c.get("actor");
  return actor ? `user:${actor.name}` : `address:${clientAddress(c, trustProxy)}`;
}

function sweep(windows: Map<string, Window>, t: number, maxKeys: number): void {
  for (const [key, w] of windows) if (t - w.start >= WINDOW_MS) windows.delete(key);
  // Still full, so every tracked caller is active: drop the older half rather than grow.
  if (windows.size < maxKeys) return;
  let drop = Math.ceil(windows.size / 2);
  for (const key of windows.keys()) {
    if (drop-- <= 0) break;
    windows.delete(key);
  }
}
