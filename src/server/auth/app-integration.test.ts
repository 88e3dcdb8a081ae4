import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PASSWORDS } from "../../../test/support/auth-app.js";
import { type TestDeployment, testDeployment } from "../../../test/support/stores.js";
import { setPassword } from "../../auth/passwords.js";
import { SYSTEM_ACTOR } from "../../auth/roles.js";
import { addUser, bootstrapAdmin } from "../../auth/users.js";
import { JobRunner } from "../../jobs/runner.js";
import { buildApp } from "../app.js";
import { serverAppOptions } from "../server-options.js";

// The auth layer inside the server's own app, as `kaivo serve` assembles it.
describe("authentication in the server's app", () => {
  let t: TestDeployment;
  let app: ReturnType<typeof buildApp>;
  beforeEach(async () => {
    t = await testDeployment("sqlite");
    await bootstrapAdmin(t.store, "ada");
    await addUser(t.store, { name: "ada", role: "admin" }, { name: "rita", role: "researcher" });
    await addUser(t.store, { name: "ada", role: "admin" }, { name: "sten", role: "steward" });
    for (const name of ["rita", "sten"])
      await setPassword(t.store, SYSTEM_ACTOR, name, PASSWORDS[name] ?? "");
    const jobs = new JobRunner(t.home, t.store, undefined, []);
    app = buildApp({ home: t.home, store: t.store, jobs }, serverAppOptions(t.home).app);
  });
  afterEach(async () => {
    await t.cleanup();
  });

  const login = async (user: string) => {
    const response = await app.request("/api/auth/login", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ user, password: PASSWORDS[user] }),
    });
    const cookie = (response.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
    return { response, cookie, body: (await response.json()) as Record<string, unknown> };
  };

  it("lets a signed-in researcher reach the API, and nobody without a credential", async () => {
    expect((await app.request("/api/status")).status).toBe(401);
    const { response, cookie } = await login("rita");
    expect(response.status).toBe(200);
    expect((await app.request("/api/status", { headers: { cookie } })).status).toBe(200);
  });

  it("keeps a steward without a second factor out of the API", async () => {
    const { body, cookie } = await login("sten");
    expect(body.secondFactorRequired).toBe(true);
    const status = await app.request("/api/status", { headers: { cookie } });
    expect(status.status).toBe(403);
    expect(await status.json()).toMatchObject({ secondFactorRequired: true });
  });

  it("describes the auth and token routes in the OpenAPI document", async () => {
    const doc = (await (await app.request("/api/openapi.json")).json()) as {
      paths: Record<string, unknown>;
    };
    for (const path of [
      "/api/auth/login",
      "/api/auth/totp",
      "/api/auth/totp/enrol",
      "/api/auth/logout",
      "/api/auth/logout-everywhere",
      "/api/auth/me",
      "/api/auth/oidc/login",
      "/api/auth/oidc/callback",
      "/api/tokens",
      "/api/tokens/{id}",
    ])
      expect(doc.paths, path).toHaveProperty([path]);
  });
});
