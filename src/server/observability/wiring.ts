import type { Logger } from "pino";
import type { Home } from "../../home/home.js";
import type { AppOptions } from "../app.js";
import { requestBodyLimit } from "../hardening/body-limit.js";
import { securityHeaders } from "../hardening/headers.js";
import { rateLimit } from "../hardening/rate-limit.js";
import { accessLog, createLogger, logUnexpected } from "./logger.js";
import { createMetrics, type KaivoMetrics, metricsMiddleware, metricsRoute } from "./metrics.js";
import { requestAudit } from "./request-audit.js";

export type Hardening = Required<
  Pick<AppOptions, "before" | "after" | "routes" | "onUnexpected">
> & {
  logger: Logger;
  metrics: KaivoMetrics;
};

/**
 * The logging, metrics and hardening middleware for `buildApp`, in their order. Outermost the
 * access log and the timer, so they see every answer, refusals by the layers below included;
 * then headers (added to those refusals too) and the body limit, before anything reads a body.
 * After authentication the per-user rate limit, then the request audit, so that a flood refused
 * with 429 does not fill the audit log (its lines are in the access log).
 */
export function hardening(
  home: Home,
  options: { logger?: Logger; metricsToken?: string } = {},
): Hardening {
  const server = home.config.server;
  const logger = options.logger ?? createLogger({ env: home.env });
  const metrics = createMetrics();
  const token = options.metricsToken ?? home.env.KAIVO_METRICS_TOKEN;
  return {
    logger,
    metrics,
    before: [
      accessLog(logger),
      metricsMiddleware(metrics),
      securityHeaders(server),
      requestBodyLimit(server),
    ],
    after: [
      rateLimit({ requestsPerMinute: server.requestsPerMinute, trustProxy: server.trustProxy }),
      requestAudit(),
    ],
    routes: [metricsRoute(metrics, token ? { token } : {})],
    onUnexpected: logUnexpected(logger),
  };
}
