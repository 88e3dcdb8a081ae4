import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import {
  activatePermit,
  approvePermit,
  type Ctx,
  closePermit,
  confirmPermit,
  draftPermit,
  expirePermits,
  listPermits,
  type Permit,
  registerPermit,
  rejectPermit,
  reviewPermit,
  showPermit,
  submitPermit,
} from "../../permits/permit-service.js";
import { ApplicationSchema, ScopeSchema } from "../../permits/scope.js";
import { serviceCtx } from "../actor.js";
import type { AppEnv } from "../app-env.js";
import { body, ERRORS, json } from "../schemas.js";

// The service's own schemas (plain zod, defined before the OpenAPI extension is loaded), inline.
const Scope = ScopeSchema;
const Application = ApplicationSchema;

export const PermitSchema = z
  .object({
    id: z.string(),
    title: z.string(),
    organisation: z.string(),
    legalBasis: z.string(),
    purpose: z.string(),
    principalInvestigator: z.string(),
    team: z.array(z.string()),
    applicant: z.string(),
    external: z.boolean().openapi({ description: "Decided elsewhere (Findata) and registered" }),
    status: z.enum([
      "draft",
      "submitted",
      "in_review",
      "approved",
      "rejected",
      "registered",
      "active",
      "closing",
      "closed",
      "expiring",
      "expired",
    ]),
    requestedScope: Scope,
    scope: Scope,
    scopeHash: z.string(),
    decisionDate: z.string().nullable(),
    validUntil: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Permit");

export const ReleaseRowSchema = z
  .object({
    id: z.string(),
    permit_id: z.string(),
    number: z.number().int(),
    snapshot: z.number().int(),
    status: z.string(),
    path: z.string(),
    persons: z.number().int(),
    rows: z.number().int(),
    checksum: z.string(),
    created_at: z.string(),
    created_by: z.string(),
  })
  .openapi("Release");

const PermitEvent = z
  .object({
    permit_id: z.string(),
    at: z.string(),
    from_status: z.string().nullable(),
    to_status: z.string(),
    actor: z.string(),
    reason: z.string(),
  })
  .openapi("PermitEvent");

const IdParam = z.object({
  id: z
    .string()
    .min(1)
    .max(64)
    .openapi({
      param: { name: "id", in: "path" },
      description: "The permit's number; a / in it is sent as %2F",
      example: "KAIVO-2026-0001",
    }),
});

const reasonField = z
  .string()
  .min(1)
  .max(2000)
  .openapi({ description: "Why: it goes on the permit's record and the audit log" });
const Reason = z.object({ reason: reasonField }).openapi("PermitReason");

type Verb = (ctx: Ctx, id: string, reason: string) => Promise<Permit>;

const TRANSITIONS: Array<{ verb: string; summary: string; run: Verb }> = [
  { verb: "submit", summary: "Submit a draft for review (the applicant)", run: submitPermit },
  {
    verb: "review",
    summary: "Take a submitted application into review (reviewers)",
    run: reviewPermit,
  },
  { verb: "reject", summary: "Reject an application in review (reviewers)", run: rejectPermit },
  {
    verb: "confirm",
    summary:
      "Confirm a registered external permit (a second steward, not its registrant nor named on it)",
    run: confirmPermit,
  },
  {
    verb: "activate",
    summary: "Activate an approved permit: its key is made (stewards)",
    run: activatePermit,
  },
  {
    verb: "close",
    summary: "Close a permit: its key is destroyed for good, its release files deleted (stewards)",
    run: closePermit,
  },
];

/** `kaivo permit ...` and `kaivo permits expire`: the permit lifecycle (decide.ts holds its policy). */
export function permitRoutes(): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>();
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/permits",
      summary: "Permits (researchers: those they are named on)",
      responses: { 200: json(z.object({ permits: z.array(PermitSchema) }), "Permits"), ...ERRORS },
    }),
    async (c) => c.json({ permits: await listPermits(serviceCtx(c)) }, 200),
  );
  app.openapi(
    createRoute({
      method: "post",
      path: "/api/permits",
      summary: "Draft an application: cohort, variables, period, purpose (researchers)",
      request: body(Application),
      responses: { 201: json(PermitSchema, "The draft"), ...ERRORS },
    }),
    async (c) => c.json(await draftPermit(serviceCtx(c), c.req.valid("json"), "application"), 201),
  );
  app.openapi(
    createRoute({
      method: "post",
      path: "/api/permits/register",
      summary:
        "Register a permit decided elsewhere (Findata) under its number; a second steward confirms it (stewards)",
      request: body(
        z.object({ permit: Application, reason: reasonField }).openapi("PermitRegistration"),
      ),
      responses: { 201: json(PermitSchema, "The registered permit"), ...ERRORS },
    }),
    async (c) => {
      const r = c.req.valid("json");
      return c.json(await registerPermit(serviceCtx(c), r.permit, r.reason, "permit"), 201);
    },
  );
  app.openapi(
    createRoute({
      method: "post",
      path: "/api/permits/expire",
      summary: "Expire permits past their date: keys destroyed, release files deleted (stewards)",
      responses: {
        200: json(
          z.object({
            expired: z.array(
              z.object({
                id: z.string(),
                validUntil: z.string(),
                releasesDeleted: z.number().int(),
              }),
            ),
          }),
          "The permits expired now",
        ),
        ...ERRORS,
      },
    }),
    async (c) => c.json({ expired: await expirePermits(serviceCtx(c)) }, 200),
  );
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/permits/{id}",
      summary: "A permit, its history and releases",
      request: { params: IdParam },
      responses: {
        200: json(
          z.object({
            permit: PermitSchema,
            events: z.array(PermitEvent),
            releases: z.array(ReleaseRowSchema),
          }),
          "The permit",
        ),
        ...ERRORS,
      },
    }),
    async (c) => c.json(await showPermit(serviceCtx(c), c.req.valid("param").id), 200),
  );
  app.openapi(
    createRoute({
      method: "post",
      path: "/api/permits/{id}/approve",
      summary: "Approve, optionally with a narrowed scope (reviewers not named on it)",
      request: {
        params: IdParam,
        ...body(
          z
            .object({
              reason: reasonField,
              scope: Scope.optional().openapi({
                description: "A narrowed scope: it may only take away from the one applied for",
              }),
            })
            .openapi("PermitApproval"),
        ),
      },
      responses: { 200: json(PermitSchema, "The approved permit"), ...ERRORS },
    }),
    async (c) => {
      const r = c.req.valid("json");
      return c.json(
        await approvePermit(serviceCtx(c), c.req.valid("param").id, r.reason, r.scope),
        200,
      );
    },
  );
  for (const t of TRANSITIONS)
    app.openapi(
      createRoute({
        method: "post",
        path: `/api/permits/{id}/${t.verb}`,
        summary: t.summary,
        request: { params: IdParam, ...body(Reason) },
        responses: { 200: json(PermitSchema, "The permit after the change"), ...ERRORS },
      }),
      async (c) =>
        c.json(
          await t.run(serviceCtx(c), c.req.valid("param").id, c.req.valid("json").reason),
          200,
        ),
    );
  return app;
}
