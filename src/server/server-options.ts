import type { Home } from "../home/home.js";
import type { AppOptions } from "./app.js";
import { authenticate } from "./auth/authenticate.js";
import { authRoutes } from "./auth/routes.js";
import { startSchedules } from "./schedules.js";
import type { RunningServer } from "./serve.js";

/**
 * Everything `kaivo serve` puts around the API: authentication, logs, metrics, limits, and the
 * scheduled loads once it runs.
 */
export function serverAppOptions(home: Home): {
  app: AppOptions;
  onStarted: (server: RunningServer) => Promise<() => void>;
} {
  void home;
  return {
    app: {
      authenticate: authenticate(),
      routes: [authRoutes()],
      onUnexpected: (error, requestId) =>
        process.stderr.write(`request ${requestId}: ${(error as Error)?.stack ?? String(error)}\n`),
    },
    async onStarted(server) {
      const schedules = await startSchedules(home, server.store, server.jobs, {
        onFailure: (source, job) =>
          process.stderr.write(
            `scheduled load of ${source} failed (job ${job.id}): ${job.error}\n`,
          ),
      });
      return () => schedules.stop();
    },
  };
}
