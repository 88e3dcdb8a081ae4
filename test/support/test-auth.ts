import { OpenAPIHono } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import { resolveActor } from "../../src/auth/users.js";
import { actorOf } from "../../src/server/actor.js";
import type { AppEnv } from "../../src/server/app-env.js";

/**
 * TEST HARNESS ONLY, never mounted by `kaivo serve`: until real API tokens are in this branch,
 * `Authorization: Bearer test-token-<user>` authenticates as that user of the control store. Any
 * other credential leaves the request unauthenticated, so routes answer 401 as they would.
 */
export const TEST_TOKEN_PREFIX = "test-token-";

export function testBearerAuth(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const header = c.req.header("authorization") ?? "";
    const match = /^Bearer (\S+)$/.exec(header);
    const token = match?.[1];
    if (token?.startsWith(TEST_TOKEN_PREFIX)) {
      const name = token.slice(TEST_TOKEN_PREFIX.length);
      try {
        const actor = await resolveActor(c.get("deps").store, name);
        c.set("actor", actor);
        c.set("credential", { kind: "token", tokenId: `test-${name}` });
      } catch {
        // Unknown user: unauthenticated.
      }
    }
    await next();
  };
}

/** TEST HARNESS ONLY: `GET /api/auth/me` as the contract describes it, for `kaivo login --token-stdin`. */
export function testAuthRoutes(): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>();
  app.get("/api/auth/me", (c) => {
    const actor = actorOf(c);
    return c.json({ user: actor.name, role: actor.role });
  });
  return app;
}
