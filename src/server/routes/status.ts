import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { getStatus } from "../../status/status.js";
import { serviceCtx } from "../actor.js";
import type { AppEnv } from "../app-env.js";
import { ERRORS, json } from "../schemas.js";

export function statusRoutes(): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>();
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/status",
      summary: "The deployment's health: stores, key sources (never keys), lake, audit chain",
      responses: {
        200: json(z.record(z.string(), z.unknown()).openapi("Status"), "Status"),
        ...ERRORS,
      },
    }),
    async (c) => {
      const { home, store, actor } = serviceCtx(c);
      return c.json((await getStatus(home, store, actor)) as never, 200);
    },
  );
  return app;
}
