import { timingSafeEqual } from "node:crypto";
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import { queueDepth } from "../../jobs/job-store.js";
import { hostOf } from "../../lake/host.js";
import { ConfigError } from "../../shared/errors.js";
import type { AppEnv, ServerDeps } from "../app-env.js";
import type { ErrorBody } from "../errors.js";
import { isForwarded, isLoopback, socketAddress } from "../hardening/client-address.js";
import { ErrorSchema } from "../schemas.js";
import { methodLabel, routePattern } from "./route-pattern.js";

/** The server's metrics: one registry per app, so two apps in one process (tests) never collide. */
export interface KaivoMetrics {
  registry: Registry;
  requestDuration: Histogram<"method" | "route" | "status">;
  jobsQueued: Gauge;
  jobsRunning: Gauge;
  lakeLoadAge: Gauge;
  scheduledLoadFailures: Counter<"source">;
}

export function createMetrics(): KaivoMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    requestDuration: new Histogram({
      name: "http_request_duration_seconds",
      help: "Time to answer a request (to the start of the body for streams), by route pattern",
      labelNames: ["method", "route", "status"],
      // Up to 30 s: a feasibility query may run that long before it is interrupted.
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    jobsQueued: new Gauge({
      name: "kaivo_jobs_queued",
      help: "Jobs waiting to run",
      registers: [registry],
    }),
    jobsRunning: new Gauge({
      name: "kaivo_jobs_running",
      help: "Jobs running now",
      registers: [registry],
    }),
    lakeLoadAge: new Gauge({
      name: "kaivo_lake_load_age_seconds",
      help: "Seconds since the latest load into the lake finished; NaN before the first load or when the lake does not answer",
      registers: [registry],
    }),
    scheduledLoadFailures: new Counter({
      name: "kaivo_scheduled_load_failures_total",
      help: "Scheduled loads that failed (the lake was left as it was), by source",
      labelNames: ["source"],
      registers: [registry],
    }),
  };
}

/** Times every request into the histogram, labelled by route pattern, never by URL. */
export function metricsMiddleware(metrics: KaivoMetrics): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const end = metrics.requestDuration.startTimer();
    let status = 500;
    try {
      await next();
      status = c.res.status;
    } finally {
      end({ method: methodLabel(c), route: routePattern(c), status: String(status) });
    }
  };
}

/** Reads the gauges from the control store and the lake; what cannot be read becomes NaN. */
export async function refreshGauges(metrics: KaivoMetrics, deps: ServerDeps): Promise<void> {
  await Promise.all([
    settle(metrics.jobsQueued, () => queueDepth(deps.store)),
    settle(metrics.jobsRunning, () => runningCount(deps)),
    settle(metrics.lakeLoadAge, () => lakeLoadAgeSeconds(deps)),
  ]);
}

async function settle(gauge: Gauge, read: () => Promise<number>): Promise<void> {
  try {
    gauge.set(await read());
  } catch {
    gauge.set(Number.NaN);
  }
}

async function runningCount(deps: ServerDeps): Promise<number> {
  const r = await deps.store.db
    .selectFrom("jobs")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("status", "=", "running")
    .executeTakeFirst();
  return Number(r?.n ?? 0);
}

async function lakeLoadAgeSeconds(deps: ServerDeps): Promise<number> {
  const host = hostOf(deps.home);
  if (!host) return Number.NaN;
  const conn = await host.connect();
  try {
    const reader = await conn.runAndReadAll("select max(finished_at) as at from main._loads");
    const at = reader.getRowObjectsJson()[0]?.at;
    const t = typeof at === "string" ? Date.parse(at) : Number.NaN;
    return Number.isNaN(t) ? Number.NaN : Math.max(0, (Date.now() - t) / 1000);
  } finally {
    host.release(conn);
  }
}

export interface MetricsRouteOptions {
  /**
   * A bearer token the scraper sends (at least 16 characters): then /metrics answers from any
   * address that has it. Without one, only direct requests from loopback are answered.
   */
  token?: string;
}

/**
 * `GET /metrics` in Prometheus' text format. It is public to the session layer (PUBLIC_ROUTES)
 * but guarded here: the metrics hold no data of people, yet tell load, activity and the lake's
 * freshness, which is not for the internet. A request a proxy forwarded counts as remote even
 * though its socket is loopback, so a reverse proxy cannot expose it by accident.
 */
export function metricsRoute(
  metrics: KaivoMetrics,
  options: MetricsRouteOptions = {},
): OpenAPIHono<AppEnv> {
  const token = options.token === undefined ? undefined : Buffer.from(options.token);
  if (token && token.length < 16)
    throw new ConfigError(
      "The metrics token is too short.",
      "Use a random token of at least 16 characters, e.g. `openssl rand -hex 24`.",
    );
  const app = new OpenAPIHono<AppEnv>();
  const route = createRoute({
    method: "get",
    path: "/metrics",
    summary: "Prometheus metrics: to loopback, or anywhere with the metrics token",
    security: [],
    responses: {
      200: {
        description: "Prometheus text format",
        content: { "text/plain": { schema: z.string() } },
      },
      403: {
        description: "Not served to this client",
        content: { "application/json": { schema: ErrorSchema } },
      },
    },
  });
  app.openapi(route, async (c) => {
    const allowed = token
      ? bearerMatches(c.req.header("authorization"), token)
      : isLoopback(socketAddress(c)) && !isForwarded(c);
    if (!allowed) {
      const body: ErrorBody = {
        error: "Metrics are not served to this client.",
        hint: token
          ? "Send the metrics token as Authorization: Bearer <token>."
          : "Scrape /metrics from the server's own host, or configure a metrics token.",
        requestId: c.get("requestId"),
      };
      return c.json(body, 403);
    }
    await refreshGauges(metrics, c.get("deps"));
    const text = await metrics.registry.metrics();
    // The registry's own content type (text/plain with the exposition format's version).
    return c.body(text, 200, {
      "Content-Type": metrics.registry.contentType,
      "Cache-Control": "no-store",
    }) as never;
  });
  return app;
}

function bearerMatches(header: string | undefined, token: Buffer): boolean {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  const given = Buffer.from(m?.[1] ?? "");
  // Equal lengths first: timingSafeEqual needs them; the length alone tells an attacker little.
  return given.length === token.length && timingSafeEqual(given, token);
}
