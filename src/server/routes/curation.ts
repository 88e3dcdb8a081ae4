import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { annotateCatalog, exportCatalog, lookupCodes } from "../../catalog/catalog-service.js";
import { serviceCtx } from "../actor.js";
import type { AppEnv } from "../app-env.js";
import { body, ERRORS, json } from "../schemas.js";

const text = (max: number) => z.string().min(1).max(max);

/** The fields a steward may correct; which of them a registry, table or variable has, the service says. */
const Annotation = z
  .strictObject({
    title: text(300).optional(),
    titleFi: text(300).optional(),
    description: text(5000).optional(),
    descriptionFi: text(5000).optional(),
    unit: text(50).optional(),
    codeSystem: text(50).optional(),
    owner: text(300).optional(),
    sourceSystem: text(300).optional(),
    updateFrequency: z
      .enum(["daily", "weekly", "monthly", "quarterly", "annual", "irregular"])
      .optional(),
    keywords: text(1000)
      .optional()
      .openapi({ description: "Comma-separated", example: "diabetes, HbA1c" }),
  })
  .openapi("Annotation");

const CodeTitle = z
  .object({
    system: z.string(),
    code: z.string(),
    titleFi: z.string().nullable(),
    titleEn: z.string().nullable(),
  })
  .openapi("CodeTitle");

/**
 * Curating the catalog: `kaivo catalog annotate`, `kaivo catalog export`, `kaivo vocab lookup`.
 * `kaivo vocab load` writes the lake, so it is a job (`vocab.load`, src/catalog/vocab-load-job.ts)
 * asked for with POST /api/jobs; it reads its CSV file from the server's inbox.
 */
export function curationRoutes(): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>();
  app.openapi(
    createRoute({
      method: "post",
      path: "/api/catalog/{name}/annotations",
      summary:
        "Correct or add to the description of a registry, table or variable (stewards; audited)",
      request: {
        params: z.object({
          name: z
            .string()
            .max(200)
            .openapi({ param: { name: "name", in: "path" }, example: "clinical.lab.value" }),
        }),
        ...body(Annotation),
      },
      responses: {
        200: json(
          z.object({ target: z.string(), fields: z.record(z.string(), z.string()) }),
          "What was annotated",
        ),
        ...ERRORS,
      },
    }),
    async (c) => {
      const fields = Object.fromEntries(
        Object.entries(c.req.valid("json")).filter(
          (e): e is [string, string] => typeof e[1] === "string",
        ),
      );
      return c.json(await annotateCatalog(serviceCtx(c), c.req.valid("param").name, fields), 200);
    },
  );
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/exports/catalog",
      summary:
        "The catalog as HealthDCAT-AP JSON-LD or Markdown, figures disclosure-controlled (stewards)",
      request: { query: z.object({ format: z.enum(["healthdcat", "markdown"]) }) },
      responses: {
        200: {
          description: "The export",
          content: {
            "application/ld+json": { schema: z.record(z.string(), z.unknown()) },
            "text/markdown": { schema: z.string() },
          },
        },
        ...ERRORS,
      },
    }),
    async (c) => {
      const { format } = c.req.valid("query");
      const output = await exportCatalog(serviceCtx(c), format);
      return c.body(output, 200, {
        "Content-Type":
          format === "markdown" ? "text/markdown; charset=utf-8" : "application/ld+json",
      });
    },
  );
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/vocab/{system}",
      summary: "Codes and their titles in a code system; M05* is a prefix",
      request: {
        params: z.object({
          system: z
            .string()
            .max(50)
            .openapi({ param: { name: "system", in: "path" }, example: "icd10" }),
        }),
        query: z.object({
          codes: z
            .string()
            .min(1)
            .max(2000)
            .openapi({ description: "Codes or prefixes, comma-separated", example: "M05*,E11.9" }),
        }),
      },
      responses: {
        200: json(
          z.object({
            found: z.array(z.object({ pattern: z.string(), codes: z.array(CodeTitle) })),
          }),
          "Per pattern, the codes it matches (none: no such code)",
        ),
        ...ERRORS,
      },
    }),
    async (c) => {
      const patterns = c.req
        .valid("query")
        .codes.split(",")
        .map((s) => s.trim())
        .filter(Boolean);
      const found = await lookupCodes(serviceCtx(c), c.req.valid("param").system, patterns);
      return c.json({ found }, 200);
    },
  );
  return app;
}
