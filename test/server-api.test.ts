import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createToken, tokenPolicy } from "../src/auth/api-tokens.js";
import type { Actor } from "../src/auth/roles.js";
import { addUser } from "../src/auth/users.js";
import { JOB_KINDS } from "../src/jobs/kinds.js";
import { JobRunner } from "../src/jobs/runner.js";
import { isPortalPath } from "../src/portal/paths.js";
import { buildApp, PUBLIC_ROUTES } from "../src/server/app.js";
import { createLogger } from "../src/server/observability/logger.js";
import { serverAppOptions } from "../src/server/server-options.js";
import { DIALECTS, type TestDeployment, testDeployment } from "./support/stores.js";

/**
 * The assembled API as `kaivo serve` builds it (real authentication, logs, limits), on each
 * control-store dialect: every route refuses anonymous requests before it reads their input.
 */
describe.each(DIALECTS)("the API on %s", (dialect) => {
  let t: TestDeployment;
  let app: ReturnType<typeof buildApp>;
  const lines: string[] = [];
  let researcherToken = "";

  beforeAll(async () => {
    t = await testDeployment(dialect);
    const logger = createLogger({
      destination: new Writable({
        write(chunk, _enc, done) {
          lines.push(String(chunk));
          done();
        },
      }),
    });
    const jobs = new JobRunner(t.home, t.store, undefined, JOB_KINDS);
    app = buildApp(
      { home: t.home, store: t.store, jobs },
      serverAppOptions(t.home, { logger }).app,
    );
    const riku: Actor = { name: "riku", role: "researcher" };
    await addUser(t.store, { name: "system", role: "admin" }, riku);
    researcherToken = (
      await createToken(t.store, riku, {}, tokenPolicy(t.home.config.auth), new Date())
    ).secret;
  });
  afterAll(async () => t?.cleanup());

  const routes = () =>
    app.routes
      .filter((r) => r.method !== "ALL")
      .map((r) => ({ method: r.method, path: r.path }))
      .filter(
        (r, i, all) => all.findIndex((o) => o.method === r.method && o.path === r.path) === i,
      );
  const concrete = (path: string) => path.replace(/:[A-Za-z_]+(\{[^}]*\})?/g, "1");

  it("answers 401 on every route but the public ones when there is no session or token", async () => {
    // The portal's pages answer a browser with a redirect to sign in (src/portal/portal.test.ts).
    const closed = routes().filter(
      (r) => !PUBLIC_ROUTES.has(`${r.method} ${r.path}`) && !isPortalPath(r.path),
    );
    expect(closed.length).toBeGreaterThan(10);
    for (const r of closed) {
      const res = await app.request(concrete(r.path), {
        method: r.method,
        headers: { "content-type": "application/json" },
        // Not even a malformed body is looked at before the user is known.
        ...(r.method === "GET" ? {} : { body: "{not json" }),
      });
      expect(res.status, `${r.method} ${r.path}`).toBe(401);
      const body = (await res.json()) as { error: string };
      expect(body.error).toMatch(/log in|sign in/i);
    }
  });

  it("lists every public route in the route table, and serves them without a session", async () => {
    const table = new Set(routes().map((r) => `${r.method} ${r.path}`));
    for (const p of PUBLIC_ROUTES) expect(table, p).toContain(p);
    for (const p of ["/healthz", "/api/openapi.json"]) {
      const res = await app.request(p);
      expect(res.status, p).toBe(200);
    }
  });

  it("refuses an unknown, a malformed and a revoked-looking token with 401", async () => {
    for (const auth of ["Bearer kaivo_nonsense", "Bearer", "Basic abc"]) {
      const res = await app.request("/api/jobs", { headers: { authorization: auth } });
      expect(res.status, auth).toBe(401);
    }
  });

  it("serves a researcher with a token, and logs the route, never the token", async () => {
    const res = await app.request("/api/jobs?limit=5", {
      headers: { authorization: `Bearer ${researcherToken}` },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ jobs: [] });
    const log = lines.join("");
    expect(log).toContain('"route":"/api/jobs"');
    expect(log).not.toContain(researcherToken);
    expect(log).not.toContain("limit=5");
  });
});
