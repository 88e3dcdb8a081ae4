import { readFileSync } from "node:fs";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { isAbsolute, join } from "node:path";
import { serve } from "@hono/node-server";
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Home } from "../home/home.js";
import { removeServerLock, writeServerLock } from "../home/server-lock.js";
import { JOB_KINDS } from "../jobs/kinds.js";
import { JobRunner } from "../jobs/runner.js";
import { LakeHost, registerHost, unregisterHost } from "../lake/host.js";
import { Lake } from "../lake/lake.js";
import { type ControlStore, openControlStore } from "../store/control-store.js";
import { type AppOptions, buildApp } from "./app.js";
import type { AppEnv } from "./app-env.js";

export interface RunningServer {
  url: string;
  app: OpenAPIHono<AppEnv>;
  store: ControlStore;
  jobs: JobRunner;
  host: LakeHost;
  /** Stops taking requests and jobs (a running job resumes at the next start), then closes. */
  close(): Promise<void>;
}

export interface ServeOptions {
  host?: string;
  port?: number;
  app: AppOptions;
  /** Runs once the server listens and its jobs run (scheduled loads); returns what stops it. */
  onStarted?: (server: RunningServer) => Promise<() => void>;
}

/**
 * `kaivo serve`: the one process that holds the lake. It opens the lake once (DuckDB, shared by
 * every request), resumes or fails the jobs a previous run left, and serves the API.
 */
export async function startServer(home: Home, options: ServeOptions): Promise<RunningServer> {
  const store = await openControlStore(home);
  let host: LakeHost | undefined;
  try {
    host = await LakeHost.start(home);
    registerHost(host);
    // The lake's own schemas and record keys, once, before anyone reads.
    (await Lake.open(home)).close();
    const jobs = new JobRunner(home, store, host, JOB_KINDS);
    const app = buildApp({ home, store, jobs }, options.app);
    const hostname = options.host ?? home.config.server.host;
    const port = options.port ?? home.config.server.port;
    const tls = home.config.server.tls;
    const inHome = (f: string) => (isAbsolute(f) ? f : join(home.dir, f));
    const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
      const s = serve(
        {
          fetch: app.fetch,
          hostname,
          port,
          ...(tls
            ? {
                createServer: createHttpsServer,
                serverOptions: {
                  cert: readFileSync(inHome(tls.certFile)),
                  key: readFileSync(inHome(tls.keyFile)),
                },
              }
            : {}),
        },
        () => resolve(s),
      );
      s.once("error", reject);
    });
    const address = server.address() as AddressInfo;
    const shown = address.family === "IPv6" ? `[${address.address}]` : address.address;
    const url = `${tls ? "https" : "http"}://${shown}:${address.port}`;
    writeServerLock(home, { pid: process.pid, url, startedAt: new Date().toISOString() });
    await jobs.start();
    const lakeHost = host;
    let closed = false;
    let stopExtras: (() => void) | undefined;
    const running: RunningServer = {
      url,
      app,
      store,
      jobs,
      host: lakeHost,
      async close() {
        if (closed) return;
        closed = true;
        stopExtras?.();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          // Open event streams and keep-alive connections would hold close() forever.
          (server as { closeAllConnections?: () => void }).closeAllConnections?.();
        });
        await jobs.stop();
        unregisterHost(lakeHost);
        lakeHost.close();
        await store.close();
        removeServerLock(home);
      },
    };
    try {
      stopExtras = await options.onStarted?.(running);
    } catch (error) {
      await running.close();
      throw error;
    }
    return running;
  } catch (error) {
    if (host) {
      unregisterHost(host);
      host.close();
    }
    await store.close();
    throw error;
  }
}
