import type { MiddlewareHandler } from "hono";
import { type DestinationStream, type Level, type Logger, pino } from "pino";
import type { AppEnv } from "../app-env.js";
import { methodLabel, routePattern } from "./route-pattern.js";
import { scrubForLog } from "./scrub.js";

const LEVELS: readonly string[] = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];

/**
 * Field paths pino masks wherever they appear. Kaivo's own lines never carry such fields (they
 * log fixed fields only); this catches a future line that passes a request or a body by mistake.
 */
export const REDACT_PATHS = [
  ...["authorization", "cookie", '["set-cookie"]', '["x-csrf-token"]'].flatMap((h) => [
    `headers.${h}`,
    `*.headers.${h}`,
  ]),
  ...["password", "token", "totp", "secret", "csrfToken", "key"].flatMap((f) => [f, `*.${f}`]),
];

export interface LoggerOptions {
  /** Where lines go; standard output when not given. */
  destination?: DestinationStream;
  /** A pino level; `KAIVO_LOG_LEVEL` when not given, else info. */
  level?: string;
  env?: NodeJS.ProcessEnv;
}

/** The server's logger: one JSON object a line, for the journal or a log shipper. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const wanted = (options.level ?? (options.env ?? process.env).KAIVO_LOG_LEVEL ?? "info")
    .trim()
    .toLowerCase();
  // An unknown level would make pino throw at start; the server should start and say so instead.
  const level = LEVELS.includes(wanted) ? wanted : "info";
  const logger = pino(
    {
      level,
      base: { service: "kaivo" },
      redact: { paths: REDACT_PATHS, censor: "[redacted]" },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination,
  );
  if (level !== wanted) logger.warn({ level }, "KAIVO_LOG_LEVEL is not a log level; using info");
  return logger;
}

/**
 * One line per request: its id, method, route pattern, status, duration and who asked. Never the
 * URL (its query string and path may carry search text), a header value, a body or a credential.
 * Refusals (401, 403, 429) are warnings, server errors errors: unauthenticated refusals cannot go
 * on the audit log (its actors are users or the system), so this line is their record.
 */
export function accessLog(logger: Logger): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = performance.now();
    let status = 500;
    try {
      await next();
      status = c.res.status;
    } finally {
      const actor = c.get("actor");
      const line = {
        requestId: c.get("requestId"),
        method: methodLabel(c),
        route: routePattern(c),
        status,
        ms: Math.round((performance.now() - started) * 10) / 10,
        ...(actor ? { actor: actor.name, role: actor.role } : {}),
        ...(c.get("credential") ? { auth: c.get("credential")?.kind } : {}),
      };
      logger[levelOf(status)](line, "request");
    }
  };
}

function levelOf(status: number): Level {
  if (status >= 500) return "error";
  if (status === 401 || status === 403 || status === 429) return "warn";
  return "info";
}

/**
 * For `AppOptions.onUnexpected`: logs a bug's type, message and stack under the request id, with
 * identifiers and secrets masked (messages of libraries and drivers may quote values). Only these
 * fields are logged, never the error object, whose own properties could hold a query or a row.
 */
export function logUnexpected(logger: Logger): (error: unknown, requestId: string) => void {
  return (error, requestId) => {
    // Not under `err`: pino would run its own serializer over it.
    logger.error({ requestId, error: describeError(error) }, "unexpected error");
  };
}

interface ErrorLine {
  type: string;
  message: string;
  stack?: string;
  cause?: ErrorLine;
}

function describeError(error: unknown, depth = 0): ErrorLine {
  if (!(error instanceof Error))
    return {
      type: typeof error,
      message: typeof error === "string" ? scrubForLog(error) : "(not an Error)",
    };
  const line: ErrorLine = {
    type: error.constructor?.name || "Error",
    message: scrubForLog(error.message),
  };
  // The stack repeats the message on its first line; scrub it as a whole as well.
  if (error.stack) line.stack = scrubForLog(error.stack);
  if (error.cause !== undefined && depth < 3) line.cause = describeError(error.cause, depth + 1);
  return line;
}
