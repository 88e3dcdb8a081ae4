/**
 * TEST HARNESS ONLY. A Kaivo server in a temp home for route tests, with a stand-in for
 * authentication: `testAuthenticate` trusts a request header to name the caller. It exists
 * until the real authentication (src/server/auth: sessions, API tokens) lands; then tests switch
 * to API tokens. Nothing outside test/ may import this file.
 */
import { join } from "node:path";
import type { MiddlewareHandler } from "hono";
import { type Actor, isRole, type Role } from "../../src/auth/roles.js";
import { addUser } from "../../src/auth/users.js";
import { type Home, initHome } from "../../src/home/home.js";
import { ingest } from "../../src/ingest/ingest-service.js";
import { JOB_KINDS } from "../../src/jobs/kinds.js";
import { JobRunner } from "../../src/jobs/runner.js";
import { inboxDir, LakeHost, registerHost, unregisterHost } from "../../src/lake/host.js";
import { Lake } from "../../src/lake/lake.js";
import { buildApp } from "../../src/server/app.js";
import type { AppEnv } from "../../src/server/app-env.js";
import { type ControlStore, openControlStore } from "../../src/store/control-store.js";
import { DEFAULT_SYNTH_OPTIONS, runSynth } from "../../src/synth/synth.js";
import { tempDir } from "./stores.js";

/** TEST HARNESS ONLY: the header the stand-in authentication reads the user's name from. */
export const TEST_USER_HEADER = "x-kaivo-test-user";

/**
 * TEST HARNESS ONLY: sets the actor from `x-kaivo-test-user` when it names an account in the
 * control store; without it (or for an unknown name) the request stays unauthenticated (401).
 */
export function testAuthenticate(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const name = c.req.header(TEST_USER_HEADER);
    if (name) {
      const row = await c
        .get("deps")
        .store.db.selectFrom("users")
        .select(["name", "role"])
        .where("name", "=", name)
        .executeTakeFirst();
      if (row && isRole(row.role)) c.set("actor", { name: row.name, role: row.role });
    }
    await next();
  };
}

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
    const app = buildApp({ home, store, jobs: runner }, { authenticate: testAuthenticate() });
    const lakeHost = host;
    return {
      home,
      store,
      host,
      jobs: runner,
      app,
      inboxPath,
      async call(user, method, path, body) {
        const headers: Record<string, string> = {};
        if (user) headers[TEST_USER_HEADER] = user;
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
