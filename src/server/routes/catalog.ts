import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { listCatalog, searchCatalogService, showCatalog } from "../../catalog/catalog-service.js";
import { serviceCtx } from "../actor.js";
import type { AppEnv } from "../app-env.js";
import { ERRORS, json } from "../schemas.js";

const AsOf = z.object({ snapshot: z.coerce.number().int().min(1).optional() });
/** Catalog entries are rich and role-dependent; the document names their top-level shape. */
const Entry = z.record(z.string(), z.unknown()).openapi("CatalogEntry");

export function catalogRoutes(): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>();
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/catalog",
      summary: "Registries and tables with their descriptions and figures (as the role sees them)",
      request: { query: AsOf },
      responses: { 200: json(Entry, "The catalog listing"), ...ERRORS },
    }),
    async (c) =>
      c.json((await listCatalog(serviceCtx(c), c.req.valid("query").snapshot)) as never, 200),
  );
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/catalog/search",
      summary: "Ranked hits over registries, tables, variables, codes and listed values",
      request: { query: z.object({ q: z.string().min(1).max(200) }) },
      responses: { 200: json(z.object({ hits: z.array(Entry) }), "Hits, best first"), ...ERRORS },
    }),
    async (c) => {
      const hits = await searchCatalogService(serviceCtx(c), c.req.valid("query").q);
      return c.json({ hits: hits as never[] }, 200);
    },
  );
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/catalog/{name}",
      summary: "A registry, table or variable (`registry.table.variable`) with its profile",
      request: {
        params: z.object({
          name: z
            .string()
            .max(200)
            .openapi({ param: { name: "name", in: "path" } }),
        }),
        query: AsOf,
      },
      responses: { 200: json(Entry, "The entry"), ...ERRORS },
    }),
    async (c) => {
      const entry = await showCatalog(
        serviceCtx(c),
        c.req.valid("param").name,
        c.req.valid("query").snapshot,
      );
      return c.json(entry as never, 200);
    },
  );
  return app;
}
