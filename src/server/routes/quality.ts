import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { qualityReport } from "../../catalog/catalog-service.js";
import { serviceCtx } from "../actor.js";
import type { AppEnv } from "../app-env.js";
import { ERRORS, json } from "../schemas.js";

const QualityResult = z
  .object({
    check: z.string(),
    registry: z.string(),
    table: z.string(),
    variable: z.string().nullable(),
    failing: z.number().int(),
    total: z.number().int(),
    threshold: z.number(),
    fatal: z.boolean(),
    share: z.number(),
    status: z.enum(["pass", "warn", "fail"]),
  })
  .openapi("QualityResult");

const QualityReport = z
  .object({
    loadId: z.number().int().nullable(),
    results: z.array(QualityResult),
    failed: z.boolean().openapi({ description: "A fatal check is over its threshold" }),
  })
  .openapi("QualityReport");

/** `kaivo quality report` (stewards, auditors). */
export function qualityRoutes(): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>();
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/quality",
      summary: "Every data quality check's result for a snapshot (latest by default)",
      request: { query: z.object({ snapshot: z.coerce.number().int().min(1).optional() }) },
      responses: { 200: json(QualityReport, "The report"), ...ERRORS },
    }),
    async (c) => c.json(await qualityReport(serviceCtx(c), c.req.valid("query").snapshot), 200),
  );
  return app;
}
