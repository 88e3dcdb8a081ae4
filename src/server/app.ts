import { randomUUID } from "node:crypto";
import { OpenAPIHono } from "@hono/zod-openapi";
import type { Context, Hono, MiddlewareHandler } from "hono";
import { isPortalPath } from "../portal/paths.js";
import { actorOf } from "./actor.js";
import type { AppEnv, ServerDeps } from "./app-env.js";
import { errorResponse } from "./errors.js";
import { queryTimeout } from "./query-timeout.js";
import { auditRoutes } from "./routes/audit.js";
import { catalogRoutes } from "./routes/catalog.js";
import { cohortRoutes } from "./routes/cohorts.js";
import { curationRoutes } from "./routes/curation.js";
import { feasibilityRoutes } from "./routes/feasibility.js";
import { healthRoutes } from "./routes/health.js";
import { jobRoutes } from "./routes/jobs.js";
import { lakeRoutes } from "./routes/lake.js";
import { optoutRoutes } from "./routes/optouts.js";
import { permitRoutes } from "./routes/permits.js";
import { qualityRoutes } from "./routes/quality.js";
import { quarantineRoutes } from "./routes/quarantine.js";
import { releaseRoutes } from "./routes/releases.js";
import { statusRoutes } from "./routes/status.js";
import { userRoutes } from "./routes/users.js";

export interface AppOptions {
  /** Resolves the request's session or token to an actor (src/server/auth). */
  authenticate: MiddlewareHandler<AppEnv>;
  /** Middleware that runs first on every request: logging, metrics, headers, limits. */
  before?: MiddlewareHandler<AppEnv>[];
  /** Middleware after authentication: per-user rate limits, the audit of each request. */
  after?: MiddlewareHandler<AppEnv>[];
  /** More routes (authentication, metrics, the portal) mounted beside the API's own. */
  routes?: Hono<AppEnv>[];
  /** The answer to an error on a portal path (a page); the API's JSON otherwise. */
  portalError?: (c: Context<AppEnv>, error: unknown) => Response | Promise<Response>;
  /** Where unexpected errors go. */
  onUnexpected?: (error: unknown, requestId: string) => void;
}

/**
 * The HTTP API. Routes only parse, call a service with the authenticated actor and shape the
 * answer; every rule lives in the services. The OpenAPI 3.1 document is generated from the same
 * zod schemas the routes validate with.
 */
export function buildApp(deps: ServerDeps, options: AppOptions): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result, c) => {
      if (result.success) return;
      const issues = result.error.issues
        .slice(0, 5)
        .map((i) => `${i.path.join(".") || "(body)"}: ${i.message}`)
        .join("; ");
      return c.json(
        {
          error: `The request is not valid: ${issues}.`,
          hint: "The API's schemas are at /api/openapi.json.",
          requestId: c.get("requestId"),
        },
        400,
      );
    },
  });
  app.use("*", async (c, next) => {
    c.set("requestId", randomUUID());
    c.set("deps", deps);
    await next();
    c.header("X-Request-Id", c.get("requestId"));
  });
  for (const m of options.before ?? []) app.use("*", m);
  app.use("*", options.authenticate);
  // Before any route parses its input: an anonymous request learns nothing but "log in". The
  // portal sends such a visitor to its sign-in page itself.
  app.use("*", async (c, next) => {
    if (
      c.get("actor") ||
      c.get("credential") ||
      PUBLIC_ROUTES.has(`${c.req.method} ${c.req.path}`) ||
      isPortalPath(c.req.path)
    )
      return next();
    actorOf(c);
  });
  for (const m of options.after ?? []) app.use("*", m);
  app.use("/api/*", queryTimeout());
  app.onError((error, c) =>
    options.portalError && isPortalPath(c.req.path)
      ? options.portalError(c, error)
      : errorResponse(c, error, (e) => options.onUnexpected?.(e, c.get("requestId"))),
  );
  app.notFound((c) =>
    c.json(
      {
        error: "There is no such route.",
        hint: "The API is described at /api/openapi.json.",
        requestId: c.get("requestId"),
      },
      404,
    ),
  );
  for (const routes of [
    healthRoutes(),
    statusRoutes(),
    jobRoutes(),
    catalogRoutes(),
    feasibilityRoutes(),
    lakeRoutes(),
    quarantineRoutes(),
    qualityRoutes(),
    curationRoutes(),
    cohortRoutes(),
    permitRoutes(),
    releaseRoutes(),
    optoutRoutes(),
    auditRoutes(),
    userRoutes(),
    ...(options.routes ?? []),
  ])
    app.route("/", routes);
  app.openAPIRegistry.registerComponent("securitySchemes", "session", {
    type: "apiKey",
    in: "cookie",
    name: "kaivo_session",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "token", {
    type: "http",
    scheme: "bearer",
  });
  app.doc31("/api/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "Kaivo API",
      version: "1",
      description:
        "The research data service's API. Every count a researcher sees has passed disclosure control; every request is on the audit log.",
    },
    security: [{ session: [] }, { token: [] }],
  });
  return app;
}

/** Routes anyone may call without logging in; every other route answers 401 without a session. */
export const PUBLIC_ROUTES = new Set([
  // Redirects to the portal, which asks for a session itself.
  "GET /",
  "GET /healthz",
  "GET /readyz",
  "GET /metrics",
  "GET /api/openapi.json",
  "POST /api/auth/login",
  "GET /api/auth/oidc/login",
  "GET /api/auth/oidc/callback",
]);
