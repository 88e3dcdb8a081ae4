import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { sql } from "kysely";
import { hostOf } from "../../lake/host.js";
import type { AppEnv } from "../app-env.js";
import { json } from "../schemas.js";

const Health = z
  .object({ ok: z.boolean(), problems: z.array(z.string()).optional() })
  .openapi("Health");

/** Liveness and readiness for the orchestrator: no data, no login. */
export function healthRoutes(): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>();
  app.openapi(
    createRoute({
      method: "get",
      path: "/healthz",
      summary: "The process answers",
      security: [],
      responses: { 200: json(Health, "Alive") },
    }),
    (c) => c.json({ ok: true }, 200),
  );
  app.openapi(
    createRoute({
      method: "get",
      path: "/readyz",
      summary: "The control store and the lake answer",
      security: [],
      responses: { 200: json(Health, "Ready"), 503: json(Health, "Not ready") },
    }),
    async (c) => {
      const { store, home } = c.get("deps");
      const problems: string[] = [];
      try {
        await sql`select 1`.execute(store.db);
      } catch {
        problems.push("the control store does not answer");
      }
      const host = hostOf(home);
      if (!host) problems.push("the lake is not open");
      else {
        try {
          const conn = await host.connect();
          try {
            await conn.run("select 1");
          } finally {
            host.release(conn);
          }
        } catch {
          problems.push("the lake does not answer");
        }
      }
      return problems.length === 0
        ? c.json({ ok: true }, 200)
        : c.json({ ok: false, problems }, 503);
    },
  );
  return app;
}
