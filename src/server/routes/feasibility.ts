import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { feasibility } from "../../feasibility/feasibility-service.js";
import { serviceCtx } from "../actor.js";
import type { AppEnv } from "../app-env.js";
import { body, ERRORS, json, ShownSchema } from "../schemas.js";

const Labelled = z.array(z.object({ label: z.string(), persons: ShownSchema }));

export const AssessmentSchema = z
  .object({
    exact: z.boolean(),
    minCount: z.number().int().optional(),
    policy: z.string().optional().openapi({ description: "The disclosure policy of every count" }),
    name: z.string(),
    hash: z.string(),
    snapshot: z.number().int(),
    persons: ShownSchema,
    attrition: z.object({
      entered: ShownSchema,
      steps: z.array(
        z.object({ step: z.string(), remaining: ShownSchema, excludedByItAlone: ShownSchema }),
      ),
    }),
    bySex: Labelled,
    byAgeBand: Labelled,
    byIndexYear: Labelled,
    sexByAgeBand: z.object({
      rows: z.array(z.string()),
      columns: z.array(z.string()),
      cells: z.array(z.array(ShownSchema)),
    }),
    data: z.array(
      z.object({
        name: z.string(),
        persons: ShownSchema,
        firstYear: z.number().int().nullable(),
        lastYear: z.number().int().nullable(),
        byYear: Labelled,
      }),
    ),
  })
  .openapi("Assessment");

const Request = z
  .object({
    definition: z
      .unknown()
      .openapi({ description: "A cohort definition (docs/cohort-definition.schema.json)" }),
    data: z
      .array(z.string())
      .max(50)
      .optional()
      .openapi({ example: ["clinical.lab.value"] }),
    snapshot: z.number().int().min(1).optional(),
    application: z.string().max(64).optional(),
  })
  .openapi("FeasibilityRequest");

export function feasibilityRoutes(): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>();
  app.openapi(
    createRoute({
      method: "post",
      path: "/api/feasibility",
      summary:
        "A data availability assessment: counts through the disclosure engine (exact for stewards)",
      request: body(Request),
      responses: { 200: json(AssessmentSchema, "The assessment"), ...ERRORS },
    }),
    async (c) => {
      const r = c.req.valid("json");
      const result = await feasibility(serviceCtx(c), r.definition, {
        ...(r.snapshot ? { snapshot: r.snapshot } : {}),
        ...(r.data ? { data: r.data } : {}),
        ...(r.application ? { application: r.application } : {}),
        source: "the request",
      });
      return c.json(result, 200);
    },
  );
  return app;
}
