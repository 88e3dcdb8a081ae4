import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { listReleases } from "../../release/release-service.js";
import { actorOf, serviceCtx } from "../actor.js";
import type { AppEnv } from "../app-env.js";
import { body, ERRORS, JobSchema, json } from "../schemas.js";
import { ReleaseRowSchema } from "./permits.js";

const PermitId = z.string().min(1).max(64).openapi({ example: "KAIVO-2026-0001" });

/** `kaivo release list`; `kaivo release create` is the `release` job. */
export function releaseRoutes(): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>();
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/releases",
      summary: "Releases, of one permit or all (stewards, auditors)",
      request: { query: z.object({ permit: PermitId.optional() }) },
      responses: {
        200: json(z.object({ releases: z.array(ReleaseRowSchema) }), "Releases"),
        ...ERRORS,
      },
    }),
    async (c) =>
      c.json({ releases: await listReleases(serviceCtx(c), c.req.valid("query").permit) }, 200),
  );
  app.openapi(
    createRoute({
      method: "post",
      path: "/api/releases",
      summary:
        "Extract, pseudonymize for the permit, package and check a release: queues a release job (stewards)",
      request: body(
        z
          .object({
            permit: PermitId,
            snapshot: z.number().int().min(1).optional(),
            tables: z
              .record(z.string(), z.array(z.string()).min(1))
              .optional()
              .openapi({
                description: "A part of the scope: registry.table -> variables",
                example: { "clinical.lab": ["event_date", "value"] },
              }),
            period: z
              .object({ from: z.iso.date(), to: z.iso.date() })
              .optional()
              .openapi({ description: "A part of the scope's period" }),
            reason: z.string().min(1).max(500),
          })
          .openapi("ReleaseRequest"),
      ),
      responses: { 202: json(JobSchema, "Queued"), ...ERRORS },
    }),
    async (c) => {
      const r = c.req.valid("json");
      const job = await c.get("deps").jobs.submit(
        actorOf(c),
        "release",
        {
          permit: r.permit,
          ...(r.snapshot ? { snapshot: r.snapshot } : {}),
          ...(r.tables ? { tables: r.tables } : {}),
          ...(r.period ? { period: r.period } : {}),
        },
        r.reason,
      );
      return c.json(job, 202);
    },
  );
  return app;
}
