import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { listQuarantine, showQuarantined } from "../../ingest/ingest-service.js";
import { actorOf, serviceCtx } from "../actor.js";
import type { AppEnv } from "../app-env.js";
import { body, ERRORS, JobSchema, json } from "../schemas.js";

const IdParam = z.object({
  id: z.coerce
    .number()
    .int()
    .min(1)
    .openapi({ param: { name: "id", in: "path" } }),
});

const QuarantineEntry = z
  .object({
    id: z.number().int(),
    loadId: z.number().int(),
    source: z.string(),
    file: z.string(),
    line: z.number().int(),
    reason: z.string(),
    status: z.enum(["open", "retried"]),
    createdAt: z.string(),
  })
  .openapi("QuarantineEntry");

const Reason = z
  .object({ reason: z.string().min(1).max(500).openapi({ example: "its patient has arrived" }) })
  .openapi("Reason");

/** `kaivo quarantine list|show|retry` (stewards); a retry writes the lake, so it is a job. */
export function quarantineRoutes(): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>();
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/quarantine",
      summary: "Records ingest could not load: file, line, reason (no contents)",
      request: {
        query: z.object({
          load: z.coerce.number().int().min(1).optional(),
          status: z.enum(["open", "retried"]).optional(),
        }),
      },
      responses: {
        200: json(z.object({ entries: z.array(QuarantineEntry) }), "Quarantined records"),
        ...ERRORS,
      },
    }),
    async (c) => {
      const q = c.req.valid("query");
      const entries = await listQuarantine(serviceCtx(c), {
        ...(q.load ? { loadId: q.load } : {}),
        ...(q.status ? { status: q.status } : {}),
      });
      return c.json({ entries }, 200);
    },
  );
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/quarantine/{id}",
      summary:
        "A quarantined record with identifying elements masked (stewards, audited); the raw line is readable only on the host",
      request: { params: IdParam },
      responses: {
        200: json(z.object({ id: z.number().int(), record: z.string() }), "The raw record"),
        ...ERRORS,
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const record = await showQuarantined(serviceCtx(c), id, { masked: true });
      c.header("Cache-Control", "no-store");
      return c.json({ id, record }, 200);
    },
  );
  app.openapi(
    createRoute({
      method: "post",
      path: "/api/quarantine/{id}/retry",
      summary:
        "Load a quarantined record again as a load of its own: queues a quarantine.retry job",
      request: { params: IdParam, ...body(Reason) },
      responses: { 202: json(JobSchema, "Queued"), ...ERRORS },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const job = await c
        .get("deps")
        .jobs.submit(actorOf(c), "quarantine.retry", { id }, c.req.valid("json").reason);
      return c.json(job, 202);
    },
  );
  return app;
}
