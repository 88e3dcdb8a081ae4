import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { streamSSE } from "hono/streaming";
import { actorOf } from "../actor.js";
import type { AppEnv } from "../app-env.js";
import { body, ERRORS, JobSchema, json, NumericIdParam } from "../schemas.js";

const IdParam = NumericIdParam;
const Submit = z
  .object({
    kind: z.string().openapi({ example: "ingest" }),
    params: z.unknown().openapi({ example: { path: "ehr/2026-12-01" } }),
    reason: z.string().min(1).max(500).openapi({ example: "daily load" }),
  })
  .openapi("JobRequest");

export function jobRoutes(): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>();
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/jobs",
      summary: "Jobs: the requester's own; stewards, auditors and admins see all",
      request: {
        query: z.object({
          status: z.enum(["queued", "running", "done", "failed", "cancelled"]).optional(),
          limit: z.coerce.number().int().min(1).max(500).optional(),
        }),
      },
      responses: {
        200: json(z.object({ jobs: z.array(JobSchema) }), "Jobs, newest first"),
        ...ERRORS,
      },
    }),
    async (c) => {
      const q = c.req.valid("query");
      const jobs = await c.get("deps").jobs.list(actorOf(c), q);
      return c.json({ jobs }, 200);
    },
  );
  app.openapi(
    createRoute({
      method: "post",
      path: "/api/jobs",
      summary:
        "Ask for a job (ingest, release, cohort.run, optout.refresh, quarantine.retry, vocab.load); it is checked, then queued",
      request: body(Submit),
      responses: { 202: json(JobSchema, "Queued"), ...ERRORS },
    }),
    async (c) => {
      const r = c.req.valid("json");
      const job = await c.get("deps").jobs.submit(actorOf(c), r.kind, r.params, r.reason);
      return c.json(job, 202);
    },
  );
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/jobs/{id}",
      summary: "One job: status, progress, result or error",
      request: { params: IdParam },
      responses: { 200: json(JobSchema, "The job"), ...ERRORS },
    }),
    async (c) => c.json(await c.get("deps").jobs.get(actorOf(c), c.req.valid("param").id), 200),
  );
  app.openapi(
    createRoute({
      method: "post",
      path: "/api/jobs/{id}/cancel",
      summary: "Cancel a queued job, or interrupt a running one (nothing of it lands)",
      request: { params: IdParam },
      responses: { 200: json(JobSchema, "The job after cancelling"), ...ERRORS },
    }),
    async (c) => c.json(await c.get("deps").jobs.cancel(actorOf(c), c.req.valid("param").id), 200),
  );
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/jobs/{id}/events",
      summary: "Server-Sent Events of a job's status and progress until it finishes",
      request: { params: IdParam },
      responses: {
        200: {
          description: "An event stream",
          content: { "text/event-stream": { schema: z.string() } },
        },
        ...ERRORS,
      },
    }),
    async (c) => {
      const actor = actorOf(c);
      const jobs = c.get("deps").jobs;
      const { id } = c.req.valid("param");
      // Refused (403, 404) before any stream starts.
      await jobs.get(actor, id);
      return streamSSE(c, async (stream) => {
        const finished = (s: string) => s === "done" || s === "failed" || s === "cancelled";
        let end!: () => void;
        const ended = new Promise<void>((resolve) => {
          end = resolve;
        });
        // Subscribed before the job is read, so a job ending between the two is not missed.
        const stop = jobs.subscribe(id, (e) => {
          void stream.writeSSE({
            event: e.progress === undefined ? "status" : "progress",
            data: JSON.stringify(e),
          });
          if (finished(e.status)) end();
        });
        stream.onAbort(end);
        try {
          const now = await jobs.get(actor, id);
          await stream.writeSSE({ event: "status", data: JSON.stringify(now) });
          if (finished(now.status)) return;
          await ended;
        } finally {
          stop();
        }
        const last = await jobs.get(actor, id);
        await stream.writeSSE({ event: "status", data: JSON.stringify(last) });
      });
    },
  );
  return app;
}
