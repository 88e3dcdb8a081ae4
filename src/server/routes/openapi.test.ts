import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TestServer, testServer } from "../../../test/support/server.js";
import { isPortalPath } from "../../portal/paths.js";

let s: TestServer;
beforeAll(async () => {
  s = await testServer({ users: { adam: "admin" } });
});
afterAll(async () => {
  await s?.close();
});

interface Operation {
  parameters?: Array<{ name: string; in: string; schema?: unknown }>;
  requestBody?: { content?: Record<string, { schema?: unknown }> };
  responses?: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}

/** POST routes that take no body: the path says everything. */
const NO_BODY = new Set([
  "POST /api/auth/logout",
  "POST /api/auth/logout-everywhere",
  "POST /api/auth/totp/enrol",
  "POST /api/jobs/{id}/cancel",
  "POST /api/permits/expire",
  "POST /api/audit/checkpoint",
  "POST /api/users/{name}/logout",
]);

describe("the OpenAPI document", () => {
  it("describes every route with its request and a success response schema", async () => {
    const res = await s.call(undefined, "GET", "/api/openapi.json");
    expect(res.status).toBe(200);
    const paths = res.body.paths as Record<string, Record<string, Operation>>;
    const routes = [
      ...new Set(
        s.app.routes
          // Middleware is registered for ALL; the document does not describe itself, nor the
          // portal's pages (HTML, src/portal) and the redirect to them.
          .filter(
            (r) =>
              r.method !== "ALL" &&
              r.path !== "/api/openapi.json" &&
              r.path !== "/" &&
              !isPortalPath(r.path),
          )
          .map((r) => `${r.method} ${r.path.replace(/:([A-Za-z_]+)/g, "{$1}")}`),
      ),
    ];
    expect(routes.length).toBeGreaterThan(40);
    const documented = new Set<string>();
    for (const [path, ops] of Object.entries(paths))
      for (const method of Object.keys(ops)) documented.add(`${method.toUpperCase()} ${path}`);
    for (const route of routes) {
      const [method, path] = route.split(" ") as [string, string];
      expect(documented, route).toContain(route);
      const op = paths[path]?.[method.toLowerCase()] as Operation;
      // Path parameters are declared with a schema.
      for (const [, name] of path.matchAll(/\{([A-Za-z_]+)\}/g)) {
        const p = op.parameters?.find((x) => x.in === "path" && x.name === name);
        expect(p?.schema, `${route}: path parameter ${name}`).toBeDefined();
      }
      for (const p of op.parameters ?? []) expect(p.schema, `${route}: ${p.name}`).toBeDefined();
      // State changes take a JSON body with a schema, unless the path says everything.
      if (method === "POST" && !NO_BODY.has(route) && path !== "/api/auth/login") {
        const schema = op.requestBody?.content?.["application/json"]?.schema;
        expect(schema, `${route}: request body`).toBeDefined();
      }
      const success = ["200", "201", "202"].filter((code) => op.responses?.[code]);
      // A browser step of a sign-in (OIDC) succeeds by redirecting.
      const redirects = ["302", "303"].filter((code) => op.responses?.[code]);
      expect(success.length + redirects.length, `${route}: a success response`).toBeGreaterThan(0);
      for (const code of success) {
        const content = Object.values(op.responses?.[code]?.content ?? {});
        expect(content.length, `${route} ${code}: content`).toBeGreaterThan(0);
        for (const c of content) expect(c.schema, `${route} ${code}: schema`).toBeDefined();
      }
    }
    // And nothing is documented that the app does not route.
    for (const d of documented) expect(routes, d).toContain(d);
  });
  it("never puts an identity code in a URL: opt-outs and transparency take bodies", async () => {
    const paths = (await s.call(undefined, "GET", "/api/openapi.json")).body.paths as Record<
      string,
      Record<string, Operation>
    >;
    for (const path of ["/api/optouts", "/api/optouts/remove", "/api/transparency"]) {
      const post = paths[path]?.post as Operation;
      expect(post.parameters ?? []).toEqual([]);
      expect(post.requestBody?.content?.["application/json"]?.schema).toBeDefined();
    }
    expect(Object.keys(paths).some((p) => /optout|transparency/.test(p) && /\{/.test(p))).toBe(
      false,
    );
  });
});
