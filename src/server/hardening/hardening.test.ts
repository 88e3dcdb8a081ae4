import { OpenAPIHono } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import { describe, expect, it } from "vitest";
import { DEFAULT_CONFIG, type KaivoConfig } from "../../home/config.js";
import type { AppEnv } from "../app-env.js";
import { requestBodyLimit } from "./body-limit.js";
import { clientAddress, isLoopback } from "./client-address.js";
import { CONTENT_SECURITY_POLICY, securityHeaders } from "./headers.js";
import { type RateLimitOptions, rateLimit } from "./rate-limit.js";

type Server = KaivoConfig["server"];
const plain: Server = DEFAULT_CONFIG.server;

// What @hono/node-server puts into the env: the socket's peer, read by getConnInfo.
const from = (remoteAddress: string) => ({
  incoming: { socket: { remoteAddress, remotePort: 40000, remoteFamily: "IPv4" } },
});

/** A small app in buildApp's order: request id, the middleware under test, a stand-in login. */
function testApp(before: MiddlewareHandler<AppEnv>[], after: MiddlewareHandler<AppEnv>[] = []) {
  const app = new OpenAPIHono<AppEnv>();
  app.use("*", async (c, next) => {
    c.set("requestId", "req-1");
    await next();
  });
  for (const m of before) app.use("*", m);
  app.use("*", async (c, next) => {
    const user = c.req.header("x-test-user");
    if (user) c.set("actor", { name: user, role: "researcher" });
    await next();
  });
  for (const m of after) app.use("*", m);
  app.get("/healthz", (c) => c.json({ ok: true }));
  app.get("/api/things/:id", (c) => c.json({ id: c.req.param("id") }));
  app.post("/api/things", async (c) => c.json({ size: (await c.req.text()).length }));
  return app;
}

describe("security headers", () => {
  it("sends CSP, nosniff, no-referrer and DENY, and no HSTS over plain http", async () => {
    const res = await testApp([securityHeaders(plain)]).request("/healthz");
    expect(res.headers.get("content-security-policy")).toBe(CONTENT_SECURITY_POLICY);
    expect(CONTENT_SECURITY_POLICY).toBe(
      "default-src 'self'; frame-ancestors 'none'; object-src 'none'; base-uri 'self'; form-action 'self'",
    );
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    expect(res.headers.get("permissions-policy")).toBe(
      "camera=(), microphone=(), geolocation=(), payment=()",
    );
    expect(res.headers.get("strict-transport-security")).toBeNull();
    // The portal's own form posts must carry their Origin (a browser sends `null` under
    // no-referrer); nothing leaves the site with a referrer either way.
    const portal = await testApp([securityHeaders(plain)]).request("/portal/login");
    expect(portal.headers.get("referrer-policy")).toBe("same-origin");
  });

  it("sends HSTS when served over TLS, built in or behind an https address", async () => {
    const tls = { ...plain, tls: { certFile: "tls/cert.pem", keyFile: "tls/key.pem" } };
    const proxied = { ...plain, publicUrl: "https://kaivo.example.org" };
    for (const server of [tls, proxied]) {
      const res = await testApp([securityHeaders(server)]).request("/healthz");
      expect(res.headers.get("strict-transport-security")).toMatch(/^max-age=31536000/);
    }
    const http = { ...plain, publicUrl: "http://kaivo.internal" };
    const res = await testApp([securityHeaders(http)]).request("/healthz");
    expect(res.headers.get("strict-transport-security")).toBeNull();
  });

  it("marks API answers no-store, and never answers CORS", async () => {
    const app = testApp([securityHeaders(plain)]);
    const api = await app.request("/api/things/1", { headers: { Origin: "https://evil.example" } });
    expect(api.headers.get("cache-control")).toBe("no-store");
    expect(api.headers.get("access-control-allow-origin")).toBeNull();
    const preflight = await app.request("/api/things", {
      method: "OPTIONS",
      headers: { Origin: "https://evil.example", "Access-Control-Request-Method": "POST" },
    });
    expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
    expect((await app.request("/healthz")).headers.get("cache-control")).toBeNull();
  });

  it("adds the headers to refusals made by middleware after it", async () => {
    const app = testApp([securityHeaders(plain), requestBodyLimit(plain)]);
    const res = await app.request("/api/things", { method: "POST", body: "x".repeat(2_000_000) });
    expect(res.status).toBe(413);
    expect(res.headers.get("content-security-policy")).toBe(CONTENT_SECURITY_POLICY);
  });
});

describe("body limit", () => {
  const small = { ...plain, bodyLimitBytes: 1024 };

  it("refuses a body over the limit with 413 and the error shape", async () => {
    const app = testApp([requestBodyLimit(small)]);
    const res = await app.request("/api/things", { method: "POST", body: "x".repeat(1025) });
    expect(res.status).toBe(413);
    const body = (await res.json()) as { hint?: unknown };
    expect(body).toMatchObject({ error: expect.stringMatching(/1024 bytes/), requestId: "req-1" });
    expect(body.hint).toEqual(expect.any(String));
    const ok = await app.request("/api/things", { method: "POST", body: "x".repeat(1024) });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ size: 1024 });
  });

  it("counts a streamed body without Content-Length as it arrives", async () => {
    const app = testApp([requestBodyLimit(small)]);
    const chunk = new TextEncoder().encode("y".repeat(600));
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(chunk);
        controller.enqueue(chunk);
        controller.close();
      },
    });
    const res = await app.request("/api/things", {
      method: "POST",
      body: stream,
      headers: { "Transfer-Encoding": "chunked" },
      duplex: "half",
    } as RequestInit);
    expect(res.status).toBe(413);
  });
});

describe("rate limit", () => {
  function limited(options: Partial<RateLimitOptions> = {}) {
    return testApp(
      [],
      [rateLimit({ requestsPerMinute: 3, trustProxy: false, ...options } as RateLimitOptions)],
    );
  }
  const as = (user: string) => ({ headers: { "x-test-user": user } });

  it("answers 429 with Retry-After and the error shape after the limit", async () => {
    const app = limited();
    for (let i = 0; i < 3; i++)
      expect((await app.request("/api/things/1", as("alice"))).status).toBe(200);
    const res = await app.request("/api/things/1", as("alice"));
    expect(res.status).toBe(429);
    const retry = Number(res.headers.get("retry-after"));
    expect(retry).toBeGreaterThanOrEqual(1);
    expect(retry).toBeLessThanOrEqual(60);
    expect(await res.json()).toMatchObject({
      error: "Too many requests.",
      hint: expect.stringMatching(/3 requests a minute/),
      requestId: "req-1",
    });
  });

  it("keeps a limit per user, whatever address they share", async () => {
    const app = limited();
    for (let i = 0; i < 4; i++) await app.request("/api/things/1", as("alice"), from("10.0.0.9"));
    expect((await app.request("/api/things/1", as("alice"), from("10.0.0.9"))).status).toBe(429);
    expect((await app.request("/api/things/1", as("bob"), from("10.0.0.9"))).status).toBe(200);
    // Before login, by address: alice's use does not count against the address.
    expect((await app.request("/healthz", {}, from("10.0.0.9"))).status).toBe(200);
  });

  it("keeps a limit per address before login, on every route", async () => {
    const app = limited();
    for (let i = 0; i < 3; i++) await app.request("/healthz", {}, from("10.0.0.1"));
    expect((await app.request("/api/things/2", {}, from("10.0.0.1"))).status).toBe(429);
    expect((await app.request("/healthz", {}, from("10.0.0.2"))).status).toBe(200);
  });

  it("opens a new window a minute after the first request, with Retry-After to match", async () => {
    let t = 1_000_000;
    const app = limited({ now: () => t });
    for (let i = 0; i < 3; i++) await app.request("/healthz", {}, from("10.0.0.1"));
    t += 45_000;
    const res = await app.request("/healthz", {}, from("10.0.0.1"));
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("15");
    t += 15_000;
    expect((await app.request("/healthz", {}, from("10.0.0.1"))).status).toBe(200);
  });

  it("trusts X-Forwarded-For's last hop only from a loopback proxy", async () => {
    const app = limited({ trustProxy: true });
    const via = (client: string, spoofed = "1.2.3.4") => ({
      headers: { "X-Forwarded-For": `${spoofed}, ${client}` },
    });
    for (let i = 0; i < 3; i++)
      await app.request("/healthz", via("203.0.113.7"), from("127.0.0.1"));
    // The same client, whatever it puts in front of the proxy's hop, is limited...
    const again = await app.request("/healthz", via("203.0.113.7", "9.9.9.9"), from("127.0.0.1"));
    expect(again.status).toBe(429);
    // ...and another client behind the same proxy is not.
    expect((await app.request("/healthz", via("203.0.113.8"), from("127.0.0.1"))).status).toBe(200);
    // Not from loopback: the header is the client's own word and is ignored.
    for (let i = 0; i < 3; i++)
      await app.request("/healthz", via(`198.51.100.${i}`), from("192.0.2.50"));
    expect((await app.request("/healthz", via("198.51.100.99"), from("192.0.2.50"))).status).toBe(
      429,
    );
  });

  it("keeps answering when more callers call than it tracks", async () => {
    const app = limited({ maxKeys: 10 });
    for (let i = 0; i < 50; i++) await app.request("/healthz", {}, from(`10.1.0.${i}`));
    expect((await app.request("/healthz", {}, from("10.1.0.49"))).status).toBe(200);
  });
});

describe("client address", () => {
  const app = new OpenAPIHono<AppEnv>();
  app.get("/a", (c) => c.text(`${clientAddress(c, false)}|${clientAddress(c, true)}`));

  it("is the socket peer unless a loopback proxy forwarded the request", async () => {
    const xff = { headers: { "X-Forwarded-For": "203.0.113.7" } };
    expect(await (await app.request("/a", xff, from("192.0.2.1"))).text()).toBe(
      "192.0.2.1|192.0.2.1",
    );
    expect(await (await app.request("/a", xff, from("::1"))).text()).toBe("::1|203.0.113.7");
    const junk = { headers: { "X-Forwarded-For": "<script>" } };
    expect(await (await app.request("/a", junk, from("127.0.0.1"))).text()).toBe(
      "127.0.0.1|127.0.0.1",
    );
    expect(await (await app.request("/a")).text()).toBe("unknown|unknown");
  });

  it("knows loopback in both families", () => {
    for (const a of ["127.0.0.1", "127.8.0.1", "::1", "::ffff:127.0.0.1"])
      expect(isLoopback(a)).toBe(true);
    for (const a of ["10.0.0.1", "::ffff:10.0.0.1", "fe80::1", "", undefined])
      expect(isLoopback(a)).toBe(false);
  });
});
