import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { lakeSnapshots, lakeTables } from "../../ingest/ingest-service.js";
import { actorOf, serviceCtx } from "../actor.js";
import type { AppEnv } from "../app-env.js";
import { body, ERRORS, JobSchema, json } from "../schemas.js";

const Snapshot = z
  .object({
    loadId: z.number().int(),
    source: z.string(),
    fingerprint: z.string(),
    startedAt: z.string(),
    finishedAt: z.string(),
    report: z
      .unknown()
      .openapi({ description: "The load's report: counts per table, no identifiers" }),
  })
  .openapi("Snapshot");

const LakeTable = z
  .object({
    registry: z.string(),
    table: z.string(),
    rows: z.number().int(),
    people: z.number().int(),
  })
  .openapi("LakeTable");

const LoadRequest = z
  .object({
    path: z.string().min(1).max(500).openapi({
      description: "The export's folder, relative to the server's inbox",
      example: "ehr/2026-12-01",
    }),
    source: z.string().max(40).optional().openapi({ example: "ehr" }),
    reason: z.string().min(1).max(500).openapi({ example: "daily load" }),
  })
  .openapi("LoadRequest");

/** `kaivo lake snapshots` and `kaivo lake tables` (stewards, auditors); `kaivo ingest` as a job. */
export function lakeRoutes(): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>();
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/lake/snapshots",
      summary: "Every load, numbered: the snapshots a query or release can be pinned to",
      responses: {
        200: json(z.object({ snapshots: z.array(Snapshot) }), "Loads, oldest first"),
        ...ERRORS,
      },
    }),
    async (c) => c.json({ snapshots: await lakeSnapshots(serviceCtx(c)) }, 200),
  );
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/lake/tables",
      summary: "Lake tables with their rows and people, latest or as of a snapshot",
      request: { query: z.object({ snapshot: z.coerce.number().int().min(1).optional() }) },
      responses: {
        200: json(z.object({ tables: z.array(LakeTable) }), "The lake's tables"),
        ...ERRORS,
      },
    }),
    async (c) =>
      c.json({ tables: await lakeTables(serviceCtx(c), c.req.valid("query").snapshot) }, 200),
  );
  app.openapi(
    createRoute({
      method: "post",
      path: "/api/lake/loads",
      summary:
        "Load an export from the server's inbox into the lake: queues an ingest job (stewards)",
      request: body(LoadRequest),
      responses: { 202: json(JobSchema, "Queued"), ...ERRORS },
    }),
    async (c) => {
      const r = c.req.valid("json");
      const job = await c
        .get("deps")
        .jobs.submit(
          actorOf(c),
          "ingest",
          { path: r.path, ...(r.source ? { source: r.source } : {}) },
          r.reason,
        );
      return c.json(job, 202);
    },
  );
  return app;
}
