import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import {
  addOptouts,
  listOptouts,
  removeOptouts,
  transparencyReport,
} from "../../permits/optout-service.js";
import { serviceCtx } from "../actor.js";
import type { AppEnv } from "../app-env.js";
import { body, ERRORS, json } from "../schemas.js";

/**
 * An identity code arrives only in a request body, is never put in a URL or query string, and is
 * never in a response or error: answers name lines (1, 2, ...) and pseudo-IDs, never codes. The
 * schema's messages name the field, not the value.
 */
const Code = z.string().min(1).max(64).openapi({ description: "A personal identity code" });

const Codes = z
  .object({
    codes: z
      .array(Code)
      .min(1)
      .max(10_000)
      .openapi({ description: "Identity codes; every one is checked before any is used" }),
  })
  .openapi("IdentityCodes");

const Changes = z
  .object({
    results: z.array(
      z.object({
        line: z.number().int().openapi({ description: "The code's place in the request, from 1" }),
        changed: z
          .boolean()
          .openapi({ description: "False: already opted out (add), or was not (remove)" }),
        matched: z.boolean().openapi({
          description:
            "False: no load has had this person; check the code (an opt-out still applies if the person is loaded later)",
        }),
      }),
    ),
  })
  .openapi("OptoutChanges");

const Transparency = z
  .object({
    optedOut: z.boolean(),
    matched: z.boolean(),
    releases: z.array(
      z.object({
        permit: z.string(),
        title: z.string(),
        purpose: z.string(),
        organisation: z.string(),
        legalBasis: z.string(),
        permitStatus: z.string(),
        release: z.string(),
        releasedAt: z.string(),
        releaseStatus: z.string(),
      }),
    ),
  })
  .openapi("TransparencyReport");

/** `kaivo optout add|remove|list` and `kaivo transparency` (stewards; audited). */
export function optoutRoutes(): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>();
  const noStore = { "Cache-Control": "no-store" };
  const changes = (verb: "add" | "remove", summary: string, run: typeof addOptouts) =>
    app.openapi(
      createRoute({
        method: "post",
        path: verb === "add" ? "/api/optouts" : "/api/optouts/remove",
        summary,
        request: body(Codes),
        responses: { 200: json(Changes, "Per code, in order: what changed"), ...ERRORS },
      }),
      async (c) => {
        const results = await run(serviceCtx(c), c.req.valid("json").codes);
        return c.json(
          {
            results: results.map((r, i) => ({
              line: i + 1,
              changed: r.changed,
              matched: r.matched,
            })),
          },
          200,
          noStore,
        );
      },
    );
  changes(
    "add",
    "Leave people out of every later release and researcher-facing count (the catalog is profiled again)",
    addOptouts,
  );
  changes("remove", "Take opt-outs back", removeOptouts);
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/optouts",
      summary: "The opt-out register: pseudo-IDs and dates, never identity codes",
      responses: {
        200: json(
          z.object({
            optouts: z.array(
              z.object({ pseudoId: z.string(), addedAt: z.string(), addedBy: z.string() }),
            ),
          }),
          "The register",
        ),
        ...ERRORS,
      },
    }),
    async (c) => c.json({ optouts: await listOptouts(serviceCtx(c)) }, 200),
  );
  app.openapi(
    createRoute({
      method: "post",
      path: "/api/transparency",
      summary:
        "Which permits and releases included a person, for a data subject's request (stewards; audited)",
      request: body(z.object({ code: Code }).openapi("IdentityCode")),
      responses: { 200: json(Transparency, "The person's report"), ...ERRORS },
    }),
    async (c) =>
      c.json(await transparencyReport(serviceCtx(c), c.req.valid("json").code), 200, noStore),
  );
  return app;
}
