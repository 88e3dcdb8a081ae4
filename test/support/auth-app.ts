import { OpenAPIHono } from "@hono/zod-openapi";
import { type TOTP, URI } from "otpauth";
import { setPassword } from "../../src/auth/passwords.js";
import { authorize } from "../../src/auth/permissions.js";
import type { Role } from "../../src/auth/roles.js";
import { SYSTEM_ACTOR } from "../../src/auth/roles.js";
import { addUser, bootstrapAdmin } from "../../src/auth/users.js";
import type { AuthConfig } from "../../src/home/config.js";
import type { Home } from "../../src/home/home.js";
import { JobRunner } from "../../src/jobs/runner.js";
import type { AppEnv } from "../../src/server/app-env.js";
import { authenticate, requireActor } from "../../src/server/auth/authenticate.js";
import { authErrorResponse } from "../../src/server/auth/http-common.js";
import { authRoutes } from "../../src/server/auth/routes.js";
import type { Dialect } from "../../src/store/dialect.js";
import { type TestDeployment, testDeployment } from "./stores.js";

export const PASSWORDS: Record<string, string> = {
  ada: "correct horse battery staple",
  rita: "researcher passphrase 42",
  sten: "steward passphrase 77!",
  aude: "auditor passphrase 13?",
  otto: "other researcher 9876",
};

export interface AuthTestApp {
  t: TestDeployment;
  home: Home;
  app: OpenAPIHono<AppEnv>;
  /** Moves the app's clock. */
  advance(ms: number): void;
  now(): Date;
  /** One request; `address` is the client address the throttle sees. */
  request(
    path: string,
    init?: {
      method?: string;
      json?: unknown;
      form?: Record<string, string>;
      cookie?: string;
      headers?: Record<string, string>;
      address?: string;
      base?: string;
    },
  ): Promise<Response>;
  /** Every response body and audit row seen, for the secret scans. */
  seen: string[];
  cleanup(): Promise<void>;
}

/** The cookie a response sets, as `name=value`, or undefined. */
export function setCookieValue(response: Response, name: string): string | undefined {
  for (const line of response.headers.getSetCookie()) {
    const [pair] = line.split(";");
    if (pair?.startsWith(`${name}=`)) return pair.slice(name.length + 1);
  }
  return undefined;
}

export function setCookieLine(response: Response, name: string): string | undefined {
  return response.headers.getSetCookie().find((line) => line.startsWith(`${name}=`));
}

/** The current code of an otpauth:// URI, at `at`. */
export function totpCode(uri: string, at: Date): string {
  const totp = URI.parse(uri) as TOTP;
  return totp.generate({ timestamp: at.getTime() });
}

/**
 * A small OpenAPIHono app with the auth middleware and routes over a fresh deployment: users
 * ada (admin), rita and otto (researchers), sten (steward), aude (auditor), all with passwords.
 * /api/test/whoami needs an actor; POST /api/test/annotate needs catalog.annotate.
 */
export async function authTestApp(
  dialect: Dialect,
  configure: (auth: AuthConfig) => AuthConfig = (a) => a,
): Promise<AuthTestApp> {
  const t = await testDeployment(dialect);
  const home: Home = {
    ...t.home,
    config: { ...t.home.config, auth: configure(t.home.config.auth) },
  };
  await bootstrapAdmin(t.store, "ada");
  const admin = { name: "ada", role: "admin" } as const;
  const roles: Record<string, Role> = {
    rita: "researcher",
    sten: "steward",
    aude: "auditor",
    otto: "researcher",
  };
  for (const [name, role] of Object.entries(roles)) await addUser(t.store, admin, { name, role });
  for (const [name, password] of Object.entries(PASSWORDS))
    await setPassword(t.store, SYSTEM_ACTOR, name, password);

  let offset = 0;
  const now = () => new Date(Date.now() + offset);
  const options = {
    clock: now,
    clientAddress: (c: { req: { header(name: string): string | undefined } }) =>
      c.req.header("x-test-address") ?? "192.0.2.1",
  };
  const app = new OpenAPIHono<AppEnv>();
  const jobs = new JobRunner(home, t.store, undefined, []);
  app.use("*", async (c, next) => {
    c.set("deps", { home, store: t.store, jobs });
    c.set("requestId", "test");
    await next();
  });
  app.use("*", authenticate(options));
  app.route("/", authRoutes(options));
  app.get("/api/test/whoami", requireActor(), (c) => c.json({ actor: c.get("actor") }));
  app.post("/api/test/annotate", requireActor(), async (c) => {
    const actor = c.get("actor");
    if (!actor) throw new Error("no actor");
    await authorize(t.store, actor, "catalog.annotate");
    return c.json({ ok: true });
  });
  app.onError((error, c) => authErrorResponse(c, error));

  const seen: string[] = [];
  return {
    t,
    home,
    app,
    advance: (ms) => {
      offset += ms;
    },
    now,
    seen,
    async request(path, init = {}) {
      const headers: Record<string, string> = { ...(init.headers ?? {}) };
      if (init.cookie) headers.cookie = init.cookie;
      headers["x-test-address"] = init.address ?? "192.0.2.1";
      let body: string | undefined;
      if (init.json !== undefined) {
        headers["content-type"] = "application/json";
        body = JSON.stringify(init.json);
      } else if (init.form) {
        headers["content-type"] = "application/x-www-form-urlencoded";
        body = new URLSearchParams(init.form).toString();
      }
      const response = await app.request(`${init.base ?? "http://kaivo.test"}${path}`, {
        method: init.method ?? (body ? "POST" : "GET"),
        headers,
        ...(body ? { body } : {}),
      });
      seen.push(await response.clone().text());
      return response;
    },
    cleanup: () => t.cleanup(),
  };
}

/** Signs in and returns the cookie header and CSRF token. */
export async function signIn(
  a: AuthTestApp,
  user: string,
  extra: { totp?: string; address?: string } = {},
): Promise<{ cookie: string; csrf: string; body: Record<string, unknown>; response: Response }> {
  const response = await a.request("/api/auth/login", {
    json: { user, password: PASSWORDS[user], ...(extra.totp ? { totp: extra.totp } : {}) },
    ...(extra.address ? { address: extra.address } : {}),
  });
  const body = (await response.json()) as Record<string, unknown>;
  const id = setCookieValue(response, "kaivo_session");
  return { cookie: `kaivo_session=${id}`, csrf: String(body.csrfToken), body, response };
}
