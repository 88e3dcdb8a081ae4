import type { Logger } from "pino";
import type { Home } from "../home/home.js";
import { errorPage } from "../portal/error-pages.js";
import { portalRoutes } from "../portal/portal.js";
import type { AppOptions } from "./app.js";
import { authenticate } from "./auth/authenticate.js";
import { authRoutes } from "./auth/routes.js";
import { scrubForLog } from "./observability/scrub.js";
import { hardening } from "./observability/wiring.js";
import { startSchedules } from "./schedules.js";
import type { RunningServer } from "./serve.js";

/**
 * Everything `kaivo serve` puts around the API: logs, metrics, headers and limits, session and
 * token authentication, the portal, and the scheduled loads once it runs.
 */
export function serverAppOptions(
  home: Home,
  options: { logger?: Logger } = {},
): {
  app: AppOptions;
  onStarted: (server: RunningServer) => Promise<() => void>;
} {
  const h = hardening(home, options.logger ? { logger: options.logger } : {});
  return {
    app: {
      authenticate: authenticate(),
      before: h.before,
      after: h.after,
      routes: [authRoutes(), portalRoutes({ onUnexpected: h.onUnexpected }), ...h.routes],
      onUnexpected: h.onUnexpected,
      portalError: (c, error) => errorPage(c, error, h.onUnexpected),
    },
    async onStarted(server) {
      server.jobs.onUnexpected = (job, error) => h.onUnexpected(error, `job:${job.id}`);
      const schedules = await startSchedules(home, server.store, server.jobs, {
        onFailure: (source, failure) => {
          h.metrics.scheduledLoadFailures.inc({ source });
          h.logger.error(
            { source, job: failure.job?.id ?? null, error: scrubForLog(failure.error) },
            "scheduled load failed; the lake is as it was and the export stays in the inbox",
          );
        },
        onLoaded: (source, job) => h.logger.info({ source, job: job.id }, "scheduled load done"),
      });
      return () => schedules.stop();
    },
  };
}
