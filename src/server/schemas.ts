import { z } from "@hono/zod-openapi";

export const ErrorSchema = z
  .object({
    error: z.string(),
    hint: z.string().optional(),
    requestId: z.string().optional(),
  })
  .openapi("Error");

/** The error responses every authenticated route can give, for the OpenAPI document. */
export const ERRORS = {
  400: {
    description: "The request is not valid",
    content: { "application/json": { schema: ErrorSchema } },
  },
  401: { description: "Not logged in", content: { "application/json": { schema: ErrorSchema } } },
  403: {
    description: "The role may not do this",
    content: { "application/json": { schema: ErrorSchema } },
  },
  404: {
    description: "No such thing (or not visible to this user)",
    content: { "application/json": { schema: ErrorSchema } },
  },
  409: {
    description: "In conflict with the current state",
    content: { "application/json": { schema: ErrorSchema } },
  },
  429: {
    description: "Too many requests; try again later",
    content: { "application/json": { schema: ErrorSchema } },
  },
} as const;

export function json<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: { "application/json": { schema } } };
}

/** A JSON request body of the given schema. */
export function body<T extends z.ZodType>(schema: T) {
  return { body: { required: true, content: { "application/json": { schema } } } };
}

export const JobSchema = z
  .object({
    id: z.number().int(),
    kind: z.string(),
    params: z.unknown(),
    reason: z.string(),
    status: z.enum(["queued", "running", "done", "failed", "cancelled"]),
    requestedBy: z.string(),
    requestedRole: z.string(),
    createdAt: z.string(),
    startedAt: z.string().nullable(),
    finishedAt: z.string().nullable(),
    attempts: z.number().int(),
    progress: z.unknown(),
    result: z.unknown(),
    error: z.string().nullable(),
  })
  .openapi("Job");

/** A count as a researcher sees it: a number, or a label such as "<5". Stewards get numbers. */
export const ShownSchema = z.union([z.number(), z.string()]).openapi("Count");

/** A numeric id in the path (`/api/jobs/{id}`, `/api/quarantine/{id}`). */
export const NumericIdParam = z.object({
  id: z.coerce
    .number()
    .int()
    .min(1)
    .openapi({ param: { name: "id", in: "path" } }),
});
