import type { MiddlewareHandler } from "hono";
import { hostOf } from "../lake/host.js";
import type { AppEnv } from "./app-env.js";
import { HttpError } from "./errors.js";

/**
 * Interrupts the request's lake statements once they have run longer than
 * `server.queryTimeoutSeconds` (DuckDB's interrupt), and answers 503 saying so. The memory a
 * query may use is capped by the lake's own limit (`lake.memoryLimit`), beyond which DuckDB spills
 * or fails the query, never the server.
 */
export function queryTimeout(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const { home } = c.get("deps");
    const host = hostOf(home);
    if (!host) return next();
    const seconds = home.config.server.queryTimeoutSeconds;
    const scope = `request:${c.get("requestId")}`;
    let timedOut = false;
    let repeat: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      timedOut = true;
      host.interrupt(scope);
      // A service may start another statement after the first is interrupted.
      repeat = setInterval(() => host.interrupt(scope), 50);
    }, seconds * 1000);
    try {
      await host.inScope(scope, async () => {
        await next();
      });
    } catch (error) {
      throw timedOut ? tooLong(seconds) : error;
    } finally {
      clearTimeout(timer);
      clearInterval(repeat);
    }
    // Hono catches route errors itself: the interrupted statement shows up as the error here.
    if (timedOut && c.error) throw tooLong(seconds);
  };
}

function tooLong(seconds: number): HttpError {
  return new HttpError(
    503,
    `The query ran longer than ${seconds} s and was stopped.`,
    "Narrow it (fewer criteria, a shorter period), or ask a steward to run it.",
  );
}
