import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { OpenAPIHono } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type TestDeployment, testDeployment } from "../../../test/support/stores.js";
import { entryFromRow } from "../../audit/entry.js";
import { JobRunner } from "../../jobs/runner.js";
import { LakeHost, registerHost, unregisterHost } from "../../lake/host.js";
import type { ControlStore } from "../../store/control-store.js";
import { buildApp } from "../app.js";
import type { AppEnv } from "../app-env.js";
import { createLogger } from "./logger.js";
import { scrubForLog } from "./scrub.js";
import { hardening } from "./wiring.js";

const HETU = "010203A123X";
const TOKEN = "kaivo_secret_0123456789abcdef0123";
const PASSWORD = "hunter2-correct-horse";
const METRICS_TOKEN = "metrics-token-0123456789";

const from = (remoteAddress: string) => ({
  incoming: { socket: { remoteAddress, remotePort: 40000, remoteFamily: "IPv4" } },
});
const LOCAL = from("127.0.0.1");

// A stand-in for src/server/auth: one API token for alice, a test header for anyone else.
const authenticate: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (c.req.header("authorization") === `Bearer ${TOKEN}`) {
    c.set("actor", { name: "alice", role: "researcher" });
    c.set("credential", { kind: "token", tokenId: "t1", expiresAt: "2030-01-01T00:00:00.000Z" });
  } else if (c.req.header("x-test-user")) {
    c.set("actor", { name: c.req.header("x-test-user") ?? "", role: "steward" });
  }
  await next();
};

// A route whose bug puts a password and an identity code into its error message.
function buggyRoutes(): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>();
  app.get("/api/test/answer", (c) => c.json({ count: 42 }));
  app.post("/api/test/login", async (c) => {
    const body = (await c.req.json()) as { password: string; person: string };
    throw new Error(`lookup failed for ${body.person} with password=${body.password}`);
  });
  return app;
}

describe("observability of the API", () => {
  let t: TestDeployment;
  let lines: string[];
  let logged: () => Record<string, unknown>[];
  let app: ReturnType<typeof buildApp>;

  function build(metricsToken?: string, store: ControlStore = t.store) {
    const logger = createLogger({ destination: { write: (s: string) => lines.push(s) } });
    const h = hardening(t.home, { logger, ...(metricsToken ? { metricsToken } : {}) });
    const jobs = new JobRunner(t.home, t.store, undefined, []);
    return buildApp(
      { home: t.home, store, jobs },
      { authenticate, ...h, routes: [...h.routes, buggyRoutes()] },
    );
  }

  beforeEach(async () => {
    t = await testDeployment("sqlite");
    lines = [];
    logged = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    app = build();
  });
  afterEach(async () => {
    await t.cleanup();
  });

  async function apiRequests(): Promise<number[]> {
    const auth = { Authorization: `Bearer ${TOKEN}` };
    const statuses: number[] = [];
    for (const [path, init] of [
      [`/api/jobs/7?q=${HETU}`, { headers: auth }],
      [`/api/jobs/${HETU}`, { headers: auth }],
      [
        "/api/jobs",
        {
          method: "POST",
          headers: { ...auth, "Content-Type": "application/json" },
          body: JSON.stringify({ kind: "nothing", params: { password: PASSWORD }, reason: HETU }),
        },
      ],
      [
        "/api/test/login",
        {
          method: "POST",
          headers: { ...auth, "Content-Type": "application/json" },
          body: JSON.stringify({ password: PASSWORD, person: `Matti Virtanen ${HETU}` }),
        },
      ],
      [`/api/jobs?q=${HETU}`, {}],
      [`/nowhere/${HETU}?token=${TOKEN}`, {}],
    ] as const) {
      const res = await app.request(path, init as RequestInit, LOCAL);
      statuses.push(res.status);
      await res.text();
    }
    return statuses;
  }

  it("logs one line per request by route pattern, and never a query, token, password or identifier", async () => {
    const statuses = await apiRequests();
    // An anonymous request is told to log in, even for a path with no route.
    expect(statuses).toEqual([404, 400, 400, 500, 401, 401]);
    const access = logged().filter((l) => l.msg === "request");
    expect(access.map((l) => [l.method, l.route, l.status])).toEqual([
      ["GET", "/api/jobs/:id", 404],
      ["GET", "/api/jobs/:id", 400],
      ["POST", "/api/jobs", 400],
      ["POST", "/api/test/login", 500],
      ["GET", "/api/jobs", 401],
      ["GET", "(unmatched)", 401],
    ]);
    expect(access[0]).toMatchObject({ actor: "alice", role: "researcher", auth: "token" });
    expect(access[0]?.requestId).toEqual(expect.any(String));
    expect(access[0]?.ms).toEqual(expect.any(Number));
    expect(access[4]).not.toHaveProperty("actor");
    expect(access[4]?.level).toBe("warn");
    for (const line of lines) {
      for (const secret of [HETU, TOKEN, "kaivo_secret", PASSWORD, "Virtanen", "q=", "Bearer"])
        expect(line).not.toContain(secret);
    }
  });

  it("logs an unexpected error's stack under its request id, masked", async () => {
    const res = await app.request(
      "/api/test/login",
      {
        method: "POST",
        headers: { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/json" },
        body: JSON.stringify({ password: PASSWORD, person: `Matti Virtanen ${HETU}` }),
      },
      LOCAL,
    );
    expect(res.status).toBe(500);
    const { requestId } = (await res.json()) as { requestId: string };
    const error = logged().find((l) => l.msg === "unexpected error") as {
      requestId: string;
      level: string;
      error: { type: string; message: string; stack: string };
    };
    expect(error).toMatchObject({ requestId, level: "error", error: { type: "Error" } });
    expect(error.error.message).toMatch(/^lookup failed for .* with password=\[SECRET\]$/);
    expect(error.error.stack).toMatch(/\n\s+at /);
    expect(JSON.stringify(error)).not.toMatch(new RegExp(`${HETU}|${PASSWORD}|Virtanen`));
  });

  it("audits each authenticated API request with route pattern and status, never the path", async () => {
    await apiRequests();
    await app.request("/api/openapi.json", { headers: { "x-test-user": "sam" } }, LOCAL);
    const rows = await t.store.db
      .selectFrom("audit_log")
      .selectAll()
      .where("action", "=", "api.request")
      .orderBy("seq")
      .execute();
    const entries = rows.map(entryFromRow);
    expect(entries.map((e) => [e.actor, e.actorRole, e.target, e.details])).toEqual([
      ["alice", "researcher", null, req("GET", "/api/jobs/:id", 404, "refused")],
      ["alice", "researcher", null, req("GET", "/api/jobs/:id", 400, "refused")],
      ["alice", "researcher", null, req("POST", "/api/jobs", 400, "refused")],
      ["alice", "researcher", null, req("POST", "/api/test/login", 500, "failed")],
    ]);
    // The anonymous request (401) and the unmatched one are in the access log only.
    expect(JSON.stringify(rows)).not.toContain(HETU);
  });

  it("withholds the answer when its audit entry cannot be written", async () => {
    const down = () => {
      throw new Error("the control store is down");
    };
    app = build(undefined, { ...t.store, db: { connection: down } } as unknown as ControlStore);
    const res = await app.request("/api/test/answer", { headers: { "x-test-user": "sam" } }, LOCAL);
    expect(res.status).toBe(500);
    // Not the answer's body (its request id, a random UUID, may hold the digits 42 by chance).
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).not.toHaveProperty("count");
    expect(Object.keys(body).sort()).toEqual(["error", "requestId"]);
    expect(logged().find((l) => l.msg === "unexpected error")).toBeDefined();
  });

  it("serves metrics to loopback: the histogram by route pattern, jobs, lake age, process", async () => {
    await apiRequests();
    const res = await app.request("/metrics", {}, LOCAL);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(text).toMatch(
      /http_request_duration_seconds_bucket\{le="0\.005",method="GET",route="\/api\/jobs\/:id",status="404"\} \d/,
    );
    expect(text).toContain('route="(unmatched)"');
    expect(text).toMatch(/^kaivo_jobs_queued 0$/m);
    expect(text).toMatch(/^kaivo_jobs_running 0$/m);
    // No lake host in this process: unknown, not "fresh".
    expect(text).toMatch(/^kaivo_lake_load_age_seconds NaN$/im);
    expect(text).toMatch(/^process_resident_memory_bytes \d+/m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds /m);
    expect(text).not.toContain(HETU);
  });

  it("counts queued jobs from the control store", async () => {
    const now = new Date().toISOString();
    for (const status of ["queued", "queued", "running", "done"] as const)
      await t.store.db
        .insertInto("jobs")
        .values({
          kind: "ingest",
          params: "{}",
          reason: "test",
          status,
          requested_by: "sam",
          requested_role: "steward",
          created_at: now,
          attempts: 0,
        } as never)
        .execute();
    const text = await (await app.request("/metrics", {}, LOCAL)).text();
    expect(text).toMatch(/^kaivo_jobs_queued 2$/m);
    expect(text).toMatch(/^kaivo_jobs_running 1$/m);
  });

  it("tells the age of the latest load through the lake host", async () => {
    const host = await LakeHost.start(t.home);
    registerHost(host);
    try {
      const c = await host.connect();
      try {
        await c.run(`create table main._loads (load_id integer primary key, source varchar,
          fingerprint varchar, started_at varchar, finished_at varchar, report json)`);
        const hourAgo = new Date(Date.now() - 3_600_000).toISOString();
        await c.run(`insert into main._loads values (1, 'ehr', 'f', '${hourAgo}', '${hourAgo}', '{}'),
          (2, 'ehr', 'g', '2020-01-01T00:00:00Z', '2020-01-01T00:00:00Z', '{}')`);
      } finally {
        host.release(c);
      }
      const text = await (await app.request("/metrics", {}, LOCAL)).text();
      const age = Number(/^kaivo_lake_load_age_seconds (\S+)$/m.exec(text)?.[1]);
      expect(age).toBeGreaterThan(3590);
      expect(age).toBeLessThan(3700);
    } finally {
      unregisterHost(host);
      host.close();
    }
  });

  it("refuses metrics to other addresses and to requests a proxy forwarded", async () => {
    expect((await app.request("/metrics", {}, from("10.0.0.5"))).status).toBe(403);
    const proxied = { headers: { "X-Forwarded-For": "203.0.113.7" } };
    const res = await app.request("/metrics", proxied, LOCAL);
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ error: expect.any(String), hint: expect.any(String) });
  });

  it("reads the socket's peer through the Node server", async () => {
    const server = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 });
    await new Promise<void>((resolve) => server.once("listening", () => resolve()));
    try {
      const { port } = server.address() as AddressInfo;
      const direct = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(direct.status).toBe(200);
      expect(await direct.text()).toContain("http_request_duration_seconds");
      const proxied = await fetch(`http://127.0.0.1:${port}/metrics`, {
        headers: { "X-Forwarded-For": "203.0.113.7" },
      });
      expect(proxied.status).toBe(403);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("serves metrics anywhere with the metrics token, and only with it", async () => {
    app = build(METRICS_TOKEN);
    const bearer = (v: string) => ({ headers: { Authorization: `Bearer ${v}` } });
    expect((await app.request("/metrics", bearer(METRICS_TOKEN), from("10.0.0.5"))).status).toBe(
      200,
    );
    expect((await app.request("/metrics", bearer(`${METRICS_TOKEN}x`), LOCAL)).status).toBe(403);
    expect((await app.request("/metrics", {}, LOCAL)).status).toBe(403);
    expect(() => hardening(t.home, { metricsToken: "short" })).toThrow(/too short/);
  });

  it("adds the security headers and the request id to every answer", async () => {
    const res = await app.request("/api/jobs", {}, LOCAL);
    expect(res.status).toBe(401);
    expect(res.headers.get("x-request-id")).toEqual(expect.any(String));
    expect(res.headers.get("content-security-policy")).toContain("default-src 'self'");
    expect(res.headers.get("cache-control")).toBe("no-store");
  });
});

function req(method: string, route: string, status: number, outcome: string) {
  return { method, route, status, outcome, requestId: expect.any(String) };
}

describe("the logger", () => {
  function capture(options: { level?: string; env?: NodeJS.ProcessEnv }) {
    const lines: string[] = [];
    const logger = createLogger({ ...options, destination: { write: (s) => lines.push(s) } });
    return { logger, lines };
  }

  it("takes its level from KAIVO_LOG_LEVEL, and says when that is not a level", () => {
    const quiet = capture({ env: { KAIVO_LOG_LEVEL: "warn" } });
    quiet.logger.info("hidden");
    quiet.logger.warn("shown");
    expect(quiet.lines.map((l) => JSON.parse(l).msg)).toEqual(["shown"]);
    const wrong = capture({ env: { KAIVO_LOG_LEVEL: "loud" } });
    expect(wrong.logger.level).toBe("info");
    expect(wrong.lines[0]).toContain("KAIVO_LOG_LEVEL");
  });

  it("redacts credential fields and headers a careless line might pass", () => {
    const { logger, lines } = capture({});
    logger.info(
      {
        password: PASSWORD,
        user: { token: TOKEN, totp: "123456", secret: "s3cr3t-value" },
        req: { headers: { authorization: `Bearer ${TOKEN}`, cookie: "kaivo_session=abc" } },
        headers: { "set-cookie": "kaivo_session=abc" },
      },
      "careless",
    );
    const line = lines.join("");
    for (const v of [PASSWORD, TOKEN, "123456", "s3cr3t-value", "kaivo_session=abc"])
      expect(line).not.toContain(v);
    expect(line).toContain("[redacted]");
  });
});

describe("scrubForLog", () => {
  const b64 = randomBytes(32).toString("base64");
  const hex = randomBytes(32).toString("hex");
  // Every 8-character piece of a key: none may survive.
  const pieces = (key: string) =>
    Array.from({ length: key.length - 7 }, (_, i) => key.slice(i, i + 8));

  it("masks identifiers and secrets and keeps the rest", () => {
    const out = scrubForLog(
      `no row for ${HETU} (Matti Virtanen, matti.virtanen@example.com, +358 40 1234567); ` +
        `token=${TOKEN} Authorization: Bearer abc.def key ${b64} or ${hex} password: "pw1"`,
    );
    for (const v of [HETU, "Virtanen", "example.com", "1234567", TOKEN, "abc.def", "pw1"])
      expect(out).not.toContain(v);
    for (const key of [b64, hex]) for (const piece of pieces(key)) expect(out).not.toContain(piece);
    expect(out).toMatch(/^no row for /);
    expect(out).toContain("[SECRET]");
  });

  it("keeps an ordinary stack readable", () => {
    const stack = new Error("Conflict on job 12").stack ?? "";
    const out = scrubForLog(stack);
    expect(out).toContain("Conflict on job 12");
    expect(out).toMatch(/observability\.test\.ts:\d+:\d+/);
  });
});
