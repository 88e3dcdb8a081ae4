/**
 * A Kaivo server in a temp home for route tests, assembled as `kaivo serve` assembles it (real
 * authentication, logs, limits, request audit): each user gets a real API token, and `call`
 * sends it. The server's log lines are kept in `logLines` for tests to scan.
 */
import { join } from "node:path";
import { Writable } from "node:stream";
import { createToken, tokenPolicy } from "../../src/auth/api-tokens.js";
import type { Actor, Role } from "../../src/auth/roles.js";
import { addUser } from "../../src/auth/users.js";
import { type Home, initHome } from "../../src/home/home.js";
import { ingest } from "../../src/ingest/ingest-service.js";
import { JOB_KINDS } from "../../src/jobs/kinds.js";
import { JobRunner } from "../../src/jobs/runner.js";
import { inboxDir, LakeHost, registerHost, unregisterHost } from "../../src/lake/host.js";
import { Lake } from "../../src/lake/lake.js";
import { buildApp } from "../../src/server/app.js";
import { createLogger } from "../../src/server/observability/logger.js";
import { serverAppOptions } from "../../src/server/server-options.js";
import { type ControlStore, openControlStore } from "../../src/store/control-store.js";
import { DEFAULT_SYNTH_OPTIONS, runSynth } from "../../src/synth/synth.js";
import { tempDir } from "./stores.js";

export interface Reply {
  status: number;
  /** The parsed JSON body, or undefined for other content. */
  // biome-ignore lint/suspicious/noExplicitAny: tests read replies loosely
  body: any;
  text: string;
  headers: Headers;
}

export interface TestServer {
  home: Home;
  store: ControlStore;
  host: LakeHost | undefined;
  jobs: JobRunner;
  app: ReturnType<typeof buildApp>;
  /** The export synthesised into the inbox and ingested, relative to the inbox. */
  inboxPath: string;
  /** Every line the server logged. */
  logLines: string[];
  /** A request as `user` (undefined: no one), with a JSON body when given. */
  call(user: string | undefined, method: string, path: string, body?: unknown): Promise<Reply>;
  close(): Promise<void>;
}

export interface TestServerOptions {
  /** Accounts to add, name -> role. */
  users: Record<string, Role>;
  /** Synthesise this many patients into the inbox and ingest them (as the first steward). */
  patients?: number;
  /** Share of synthetic records with defects (some are quarantined). */
  dirty?: number;
}

/**
 * A home with its control store, users, optionally a small ingested lake, the lake host (as the
 * server holds it), a started job runner and the app with the test authentication.
 */
export async function testServer(options: TestServerOptions): Promise<TestServer> {
  const tmp = tempDir("kaivo-routes-");
  const { home } = initHome(join(tmp.dir, "home"), {});
  const store = await openControlStore(home);
  const admin: Actor = { name: "system", role: "admin" };
  for (const [name, role] of Object.entries(options.users))
    await addUser(store, admin, { name, role });
  let host: LakeHost | undefined;
  let jobs: JobRunner | undefined;
  try {
    host = await LakeHost.start(home);
    registerHost(host);
    (await Lake.open(home)).close();
    const inboxPath = "ehr";
    if (options.patients) {
      const steward = Object.entries(options.users).find(([, r]) => r === "steward");
      if (!steward) throw new Error("testServer: ingesting needs a steward among the users");
      const dir = join(inboxDir(home), inboxPath);
      await runSynth({
        ...DEFAULT_SYNTH_OPTIONS,
        patients: options.patients,
        seed: 7,
        dirty: options.dirty ?? 0,
        out: dir,
      });
      await ingest({ home, store, actor: { name: steward[0], role: "steward" } }, dir);
    }
    const runner = new JobRunner(home, store, host, JOB_KINDS);
    jobs = runner;
    await runner.start();
    const logLines: string[] = [];
    const logger = createLogger({
      destination: new Writable({
        write(chunk, _enc, done) {
          logLines.push(String(chunk));
          done();
        },
      }),
    });
    const app = buildApp({ home, store, jobs: runner }, serverAppOptions(home, { logger }).app);
    const tokens = new Map<string, string>();
    for (const [name, role] of Object.entries(options.users)) {
      const made = await createToken(
        store,
        { name, role },
        {},
        tokenPolicy(home.config.auth),
        new Date(),
      );
      tokens.set(name, made.secret);
    }
    const lakeHost = host;
    return {
      home,
      store,
      host,
      jobs: runner,
      app,
      inboxPath,
      logLines,
      async call(user, method, path, body) {
        const headers: Record<string, string> = {};
        if (user) headers.Authorization = `Bearer ${tokens.get(user) ?? "kaivo_unknown-user"}`;
        if (body !== undefined) headers["Content-Type"] = "application/json";
        const res = await app.request(path, {
          method,
          headers,
          ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        });
        const text = await res.text();
        let parsed: unknown;
        if ((res.headers.get("Content-Type") ?? "").includes("json")) {
          try {
            parsed = JSON.parse(text);
          } catch {
            parsed = undefined;
          }
        }
        return { status: res.status, body: parsed, text, headers: res.headers };
      },
      async close() {
        await runner.stop();
        unregisterHost(lakeHost);
        lakeHost.close();
        await store.close();
        tmp.remove();
      },
    };
  } catch (error) {
    await jobs?.stop();
    if (host) {
      unregisterHost(host);
      host.close();
    }
    await store.close();
    tmp.remove();
    throw error;
  }
}
