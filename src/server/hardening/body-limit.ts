import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { KaivoConfig } from "../../home/config.js";
import type { AppEnv } from "../app-env.js";
import type { ErrorBody } from "../errors.js";

/**
 * Refuses a request body over `server.bodyLimitBytes` with 413, by its Content-Length before
 * reading, or while reading a chunked body, so a large upload is never held in memory whole.
 */
export function requestBodyLimit(server: KaivoConfig["server"]): MiddlewareHandler<AppEnv> {
  const limit = server.bodyLimitBytes;
  return bodyLimit({
    maxSize: limit,
    onError: (c) => {
      const body: ErrorBody = {
        error: `The request body is larger than the server takes (${limit} bytes).`,
        hint: "Send less at a time; large files go into the inbox and are loaded by a job.",
        requestId: c.get("requestId"),
      };
      return c.json(body, 413);
    },
  });
}
