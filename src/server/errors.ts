import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { AuthenticationError, SecondFactorRequiredError } from "../auth/errors.js";
import {
  ConfigError,
  ConflictError,
  ForbiddenError,
  KaivoError,
  NotFoundError,
  RateLimitError,
  ValidationError,
} from "../shared/errors.js";
import type { AppEnv } from "./app-env.js";

/** The body of every error response: what went wrong, and what to do about it. */
export interface ErrorBody {
  error: string;
  hint?: string;
  requestId?: string;
}

/** A refusal the HTTP layer itself makes (no session, too large a body, too many requests). */
export class HttpError extends KaivoError {
  constructor(
    readonly status: ContentfulStatusCode,
    message: string,
    hint?: string,
  ) {
    super(message, hint);
  }
}

export function statusOf(error: KaivoError): ContentfulStatusCode {
  if (error instanceof HttpError) return error.status;
  if (error instanceof AuthenticationError) return 401;
  if (error instanceof SecondFactorRequiredError) return 403;
  if (error instanceof ValidationError) return 400;
  if (error instanceof ForbiddenError) return 403;
  if (error instanceof NotFoundError) return 404;
  if (error instanceof ConflictError) return 409;
  if (error instanceof RateLimitError) return 429;
  if (error instanceof ConfigError) return 503;
  return 422;
}

/**
 * Kaivo's own errors carry messages written for the user and safe to show (the audit guard and
 * the services keep identifiers out of them); anything else is a bug, answered with only the
 * request id, and logged.
 */
export function errorResponse(c: Context<AppEnv>, error: unknown, log: (e: unknown) => void) {
  const requestId = c.get("requestId");
  if (error instanceof KaivoError) {
    const body: ErrorBody = {
      error: error.message,
      ...(error.hint ? { hint: error.hint } : {}),
      requestId,
    };
    return c.json(body, statusOf(error));
  }
  if (error instanceof HTTPException && error.status < 500) {
    // Hono's own refusals: a body that is not JSON, or not sent as JSON.
    const body: ErrorBody = {
      error: error.message
        ? `The request is not valid: ${error.message}.`
        : "The request is not valid.",
      hint: "Send JSON with Content-Type: application/json; the schemas are at /api/openapi.json.",
      requestId,
    };
    return c.json(body, error.status as ContentfulStatusCode);
  }
  log(error);
  const body: ErrorBody = {
    error: "Unexpected error (a bug). It is in the server's log under this request id.",
    requestId,
  };
  return c.json(body, 500);
}
