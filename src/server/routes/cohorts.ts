import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import {
  cohortSql,
  explainCohort,
  listCohorts,
  validateCohort,
} from "../../cohort/cohort-service.js";
import { actorOf, serviceCtx } from "../actor.js";
import type { AppEnv } from "../app-env.js";
import { body, ERRORS, JobSchema, json } from "../schemas.js";

const SOURCE = "the request";

const Definition = z
  .unknown()
  .openapi({ description: "A cohort definition (docs/cohort-definition.schema.json)" });
const Snapshot = z.number().int().min(1).optional();

const Issue = z.object({ path: z.string(), message: z.string() }).openapi("CohortIssue");

const ValidationReport = z
  .object({
    name: z.string(),
    hash: z.string().openapi({ description: "The version's content hash (saved when valid)" }),
    errors: z.array(Issue),
    warnings: z.array(Issue),
  })
  .openapi("CohortValidation");

const CohortList = z
  .object({
    versions: z.array(
      z.object({
        name: z.string(),
        hash: z.string(),
        title: z.string().nullable(),
        created_at: z.string(),
        created_by: z.string(),
      }),
    ),
    runs: z.array(
      z.object({
        runId: z.number().int(),
        name: z.string(),
        hash: z.string(),
        snapshot: z.number().int(),
        persons: z.number().int(),
        createdBy: z.string(),
        createdAt: z.string(),
      }),
    ),
  })
  .openapi("CohortList");

/**
 * `kaivo cohort validate|explain|sql|list`; `kaivo cohort run` writes the lake, so it queues a
 * `cohort.run` job. A valid definition is saved as a version when it is validated.
 */
export function cohortRoutes(): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>();
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/cohorts",
      summary: "Saved definition versions and (for stewards) materialised runs",
      responses: { 200: json(CohortList, "Versions and runs"), ...ERRORS },
    }),
    async (c) => c.json(await listCohorts(serviceCtx(c)), 200),
  );
  app.openapi(
    createRoute({
      method: "post",
      path: "/api/cohorts/validate",
      summary: "Check a definition against the catalog; a valid one is saved as a version",
      request: body(z.object({ definition: Definition }).openapi("CohortRequest")),
      responses: { 200: json(ValidationReport, "Errors and warnings"), ...ERRORS },
    }),
    async (c) =>
      c.json(await validateCohort(serviceCtx(c), c.req.valid("json").definition, SOURCE), 200),
  );
  app.openapi(
    createRoute({
      method: "post",
      path: "/api/cohorts/explain",
      summary: "The definition in plain language, for reviewers",
      request: body(z.object({ definition: Definition })),
      responses: { 200: json(z.object({ text: z.string() }), "The explanation"), ...ERRORS },
    }),
    async (c) => {
      const text = await explainCohort(serviceCtx(c), c.req.valid("json").definition, SOURCE);
      return c.json({ text }, 200);
    },
  );
  app.openapi(
    createRoute({
      method: "post",
      path: "/api/cohorts/sql",
      summary: "The readable SQL the cohort runs as, with the values it binds",
      request: body(z.object({ definition: Definition, snapshot: Snapshot })),
      responses: {
        200: json(
          z.object({
            sql: z.string(),
            params: z.array(z.unknown()).openapi({ description: "$1, $2, ... in order" }),
            steps: z.array(z.object({ name: z.string(), column: z.string() })),
          }),
          "The statement",
        ),
        ...ERRORS,
      },
    }),
    async (c) => {
      const r = c.req.valid("json");
      const { text, params, steps } = await cohortSql(
        serviceCtx(c),
        r.definition,
        r.snapshot,
        SOURCE,
      );
      // Lists as JSON arrays; the cohort compiler binds no bytes, but a blob would be shown by size.
      const shown = params.map((p): string | number | boolean | null | Array<string | number> =>
        p instanceof Uint8Array
          ? `(${p.length} bytes)`
          : typeof p === "object" && p !== null
            ? [...p]
            : p,
      );
      return c.json({ sql: text, params: shown, steps }, 200);
    },
  );
  app.openapi(
    createRoute({
      method: "post",
      path: "/api/cohorts/runs",
      summary: "Store a cohort's members for a snapshot, for releases: queues a cohort.run job",
      request: body(
        z.object({
          definition: Definition,
          snapshot: Snapshot,
          reason: z.string().min(1).max(500),
        }),
      ),
      responses: { 202: json(JobSchema, "Queued"), ...ERRORS },
    }),
    async (c) => {
      const r = c.req.valid("json");
      const job = await c
        .get("deps")
        .jobs.submit(
          actorOf(c),
          "cohort.run",
          { definition: r.definition, ...(r.snapshot ? { snapshot: r.snapshot } : {}) },
          r.reason,
        );
      return c.json(job, 202);
    },
  );
  return app;
}
