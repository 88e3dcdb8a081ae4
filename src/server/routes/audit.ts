import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import {
  checkpointAudit,
  countAuditEntries,
  parseAnchor,
  tailAudit,
  verifyAudit,
} from "../../audit/log.js";
import { actorOf } from "../actor.js";
import type { AppEnv } from "../app-env.js";
import { ERRORS, json } from "../schemas.js";

const AuditEntry = z
  .object({
    seq: z.number().int(),
    time: z.string(),
    actor: z.string(),
    actorRole: z.string(),
    action: z.string(),
    target: z.string().nullable(),
    details: z.record(z.string(), z.unknown()),
    prevHash: z.string(),
    hash: z.string(),
  })
  .openapi("AuditEntry");

const Checkpoint = z
  .object({
    seq: z.number().int(),
    hash: z.string(),
    time: z.string(),
    keyId: z.string(),
    signature: z.string().openapi({ description: "Ed25519, base64" }),
  })
  .openapi("AuditCheckpoint");

/** Every outcome has `ok`, `outcome` and `entries`; the rest depends on the outcome. */
const Verdict = z
  .looseObject({
    ok: z.boolean(),
    outcome: z.enum([
      "intact",
      "broken",
      "truncated",
      "wiped",
      "rewritten",
      "checkpoint-invalid",
      "unwitnessed",
    ]),
    entries: z.number().int(),
    message: z.string().optional(),
  })
  .openapi("AuditVerdict");

/**
 * `kaivo audit tail|verify|checkpoint` and the entry count (auditors, admins). Verifying against
 * a copy of the checkpoint file elsewhere (`--checkpoints FILE`) reads a host file: CLI only.
 */
export function auditRoutes(): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>();
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/audit",
      summary: "The newest audit entries, oldest first (reading the log is audited)",
      request: { query: z.object({ n: z.coerce.number().int().min(1).max(1000).default(20) }) },
      responses: { 200: json(z.object({ entries: z.array(AuditEntry) }), "Entries"), ...ERRORS },
    }),
    async (c) => {
      const { store } = c.get("deps");
      return c.json({ entries: await tailAudit(store, actorOf(c), c.req.valid("query").n) }, 200);
    },
  );
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/audit/count",
      summary: "How many entries the audit log holds",
      responses: { 200: json(z.object({ entries: z.number().int() }), "The count"), ...ERRORS },
    }),
    async (c) => c.json({ entries: await countAuditEntries(c.get("deps").store, actorOf(c)) }, 200),
  );
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/audit/verify",
      summary:
        "Check the hash chain and hold it against the signed checkpoints (the verification is audited)",
      request: {
        query: z.object({
          anchor: z
            .string()
            .max(200)
            .optional()
            .openapi({ description: "A head recorded earlier by hand, SEQ:HASH" }),
        }),
      },
      responses: { 200: json(Verdict, "The verdict, intact or not"), ...ERRORS },
    }),
    async (c) => {
      const { anchor } = c.req.valid("query");
      const verdict = await verifyAudit(c.get("deps").store, actorOf(c), {
        ...(anchor ? { anchor: parseAnchor(anchor) } : {}),
      });
      return c.json(verdict, 200);
    },
  );
  app.openapi(
    createRoute({
      method: "post",
      path: "/api/audit/checkpoint",
      summary: "Sign a checkpoint of the audit chain now",
      responses: { 201: json(Checkpoint, "The signed checkpoint"), ...ERRORS },
    }),
    async (c) => c.json(await checkpointAudit(c.get("deps").store, actorOf(c)), 201),
  );
  return app;
}
