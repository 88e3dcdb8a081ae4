import { writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import Provider from "oidc-provider";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type AuthTestApp, authTestApp, setCookieValue } from "../../../test/support/auth-app.js";
import { DIALECTS } from "../../../test/support/stores.js";
import { linkIdentity } from "../../auth/oidc.js";

const CLIENT_SECRET = "kaivo-test-client-secret-4f7d2a9c1e";
const REDIRECT_URI = "http://kaivo.test/api/auth/oidc/callback";

/** Who the provider signs in next, and how (amr). */
let nextLogin: { accountId: string; amr: string[] } = { accountId: "", amr: [] };
const ACCOUNTS: Record<string, Record<string, unknown>> = {
  "sub-stina": { preferred_username: "stina", groups: ["kaivo-stewards", "staff"] },
  "sub-rasmus": { preferred_username: "rasmus", groups: ["staff"] },
  "sub-nogroup": { preferred_username: "rita", groups: ["kaivo-researchers"] },
};

let provider: Provider;
let server: Server;
let issuer: string;

/**
 * A real oidc-provider on loopback with a minimal interactions implementation: the login prompt
 * is finished for `nextLogin` (with its amr), the consent prompt by granting what was asked.
 */
beforeAll(async () => {
  server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  provider = new Provider(issuer, {
    clients: [
      {
        client_id: "kaivo",
        client_secret: CLIENT_SECRET,
        redirect_uris: [REDIRECT_URI],
        grant_types: ["authorization_code"],
        response_types: ["code"],
        token_endpoint_auth_method: "client_secret_post",
      },
    ],
    // amr must belong to a granted scope for the provider to put it in the ID token.
    claims: { openid: ["sub", "amr"], profile: ["preferred_username", "groups"] },
    conformIdTokenClaims: false,
    features: { devInteractions: { enabled: false } },
    interactions: {
      url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}`,
    },
    cookies: { keys: ["test-cookie-key-0123456789"] },
    findAccount: async (_ctx: unknown, sub: string) =>
      ACCOUNTS[sub]
        ? { accountId: sub, claims: async () => ({ sub, ...ACCOUNTS[sub] }) }
        : undefined,
  });
  const callback = provider.callback();
  server.on("request", async (req: IncomingMessage, res: ServerResponse) => {
    if (!req.url?.startsWith("/interaction/")) return callback(req, res);
    try {
      const details = await provider.interactionDetails(req, res);
      if (details.prompt.name === "login") {
        await provider.interactionFinished(req, res, {
          login: { accountId: nextLogin.accountId, amr: nextLogin.amr },
        });
        return;
      }
      const grant = new provider.Grant({
        accountId: String(details.session?.accountId),
        clientId: "kaivo",
      });
      const missing = details.prompt.details as {
        missingOIDCScope?: string[];
        missingOIDCClaims?: string[];
      };
      if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(" "));
      if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
      const grantId = await grant.save();
      await provider.interactionFinished(
        req,
        res,
        { consent: { grantId } },
        { mergeWithLastSubmission: true },
      );
    } catch (error) {
      res.statusCode = 500;
      res.end(String(error));
    }
  });
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

/** Follows the provider's redirects with its cookies until it sends the browser back to Kaivo. */
async function throughProvider(start: string): Promise<string> {
  const jar = new Map<string, string>();
  let url = start;
  for (let hop = 0; hop < 10; hop++) {
    const response = await fetch(url, {
      redirect: "manual",
      headers: { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join("; ") },
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const at = pair?.indexOf("=") ?? -1;
      if (pair && at > 0) jar.set(pair.slice(0, at), pair.slice(at + 1));
    }
    const location = response.headers.get("location");
    if (!location)
      throw new Error(`provider answered ${response.status}: ${await response.text()}`);
    url = new URL(location, url).href;
    if (url.startsWith(REDIRECT_URI)) return url;
  }
  throw new Error("too many redirects");
}

describe.each(DIALECTS)("OpenID Connect sign-in on %s", (dialect) => {
  let a: AuthTestApp;
  beforeEach(async () => {
    a = await authTestApp(dialect, (auth) => ({
      ...auth,
      oidc: {
        issuer,
        clientId: "kaivo",
        clientSecretFile: "oidc-client-secret",
        redirectUri: REDIRECT_URI,
        scopes: ["openid", "profile"],
        roleClaim: "groups",
        roleMap: { "kaivo-stewards": "steward", "kaivo-researchers": "researcher" },
        usernameClaim: "preferred_username",
        secondFactorAmr: ["otp", "mfa"],
        secondFactorAcr: [],
      },
    }));
    writeFileSync(join(a.home.dir, "oidc-client-secret"), `${CLIENT_SECRET}\n`, { mode: 0o600 });
  });
  afterEach(async () => {
    await a.cleanup();
  });

  /** Kaivo's login redirect, the provider, and Kaivo's callback: returns the callback's response. */
  async function signInWithProvider(): Promise<{
    callback: Response;
    callbackUrl: string;
    flowCookie: string;
  }> {
    const start = await a.request("/api/auth/oidc/login");
    expect(start.status).toBe(302);
    const location = start.headers.get("location") ?? "";
    expect(location.startsWith(issuer)).toBe(true);
    const authUrl = new URL(location);
    expect(authUrl.searchParams.get("code_challenge_method")).toBe("S256");
    expect(authUrl.searchParams.get("state")).toBeTruthy();
    expect(authUrl.searchParams.get("nonce")).toBeTruthy();
    const flowCookie = `kaivo_oidc=${setCookieValue(start, "kaivo_oidc")}`;
    const callbackUrl = await throughProvider(location);
    expect(new URL(callbackUrl).searchParams.get("code")).toBeTruthy();
    const path = callbackUrl.slice("http://kaivo.test".length);
    const callback = await a.request(path, { cookie: flowCookie });
    return { callback, callbackUrl: path, flowCookie };
  }

  it("signs a steward in with the role from the groups claim, with a full session when amr has otp", async () => {
    nextLogin = { accountId: "sub-stina", amr: ["pwd", "otp"] };
    const { callback, callbackUrl, flowCookie } = await signInWithProvider();
    expect(callback.status).toBe(303);
    const cookie = `kaivo_session=${setCookieValue(callback, "kaivo_session")}`;
    const me = await a.request("/api/auth/me", { cookie });
    expect(await me.json()).toMatchObject({
      user: "stina",
      role: "steward",
      secondFactor: true,
      secondFactorRequired: false,
    });
    expect(await (await a.request("/api/test/whoami", { cookie })).json()).toEqual({
      actor: { name: "stina", role: "steward" },
    });
    const identity = await a.t.store.db
      .selectFrom("user_identities")
      .selectAll()
      .executeTakeFirst();
    expect(identity).toMatchObject({ issuer, subject: "sub-stina", user_name: "stina" });

    // The callback cannot be replayed: the state was single use.
    const replay = await a.request(callbackUrl, { cookie: flowCookie });
    expect(replay.status).toBe(401);
    expect(setCookieValue(replay, "kaivo_session")).toBeUndefined();
  });

  it("follows the role claim at later sign-ins for a user made from it", async () => {
    nextLogin = { accountId: "sub-stina", amr: ["otp"] };
    await signInWithProvider();
    const groups = ACCOUNTS["sub-stina"]?.groups;
    try {
      if (ACCOUNTS["sub-stina"]) ACCOUNTS["sub-stina"].groups = ["kaivo-researchers"];
      const { callback } = await signInWithProvider();
      const cookie = `kaivo_session=${setCookieValue(callback, "kaivo_session")}`;
      expect(await (await a.request("/api/test/whoami", { cookie })).json()).toEqual({
        actor: { name: "stina", role: "researcher" },
      });
      const audit = JSON.stringify(
        await a.t.store.db.selectFrom("audit_log").selectAll().execute(),
      );
      expect(audit).toContain("user.role");
    } finally {
      if (ACCOUNTS["sub-stina"]) ACCOUNTS["sub-stina"].groups = groups;
    }
  });

  it("gives a steward whose provider reported no second factor a session that reaches nothing", async () => {
    nextLogin = { accountId: "sub-stina", amr: ["pwd"] };
    const { callback } = await signInWithProvider();
    expect(callback.status).toBe(303);
    const cookie = `kaivo_session=${setCookieValue(callback, "kaivo_session")}`;
    const me = await a.request("/api/auth/me", { cookie });
    expect(await me.json()).toMatchObject({
      user: "stina",
      role: "steward",
      secondFactor: false,
      secondFactorRequired: true,
    });
    const blocked = await a.request("/api/test/whoami", { cookie });
    expect(blocked.status).toBe(403);
    expect(await blocked.json()).toMatchObject({ secondFactorRequired: true });
  });

  it("uses the role an admin linked, ignoring the claims, and refuses an identity with neither", async () => {
    nextLogin = { accountId: "sub-rasmus", amr: ["pwd"] };
    const none = await signInWithProvider();
    expect(none.callback.status).toBe(401);
    expect(await none.callback.json()).toMatchObject({ error: "OpenID sign-in failed." });

    await linkIdentity(
      a.t.store,
      { name: "ada", role: "admin" },
      { user: "otto", issuer, subject: "sub-rasmus" },
      new Date(),
    );
    const linked = await signInWithProvider();
    const cookie = `kaivo_session=${setCookieValue(linked.callback, "kaivo_session")}`;
    expect(await (await a.request("/api/test/whoami", { cookie })).json()).toEqual({
      actor: { name: "otto", role: "researcher" },
    });
  });

  it("never adopts an existing local account by the name the provider gives", async () => {
    nextLogin = { accountId: "sub-nogroup", amr: ["pwd"] }; // preferred_username "rita" exists locally
    const { callback } = await signInWithProvider();
    expect(callback.status).toBe(401);
    expect(setCookieValue(callback, "kaivo_session")).toBeUndefined();
  });

  it("refuses a callback without the browser's flow cookie (login CSRF)", async () => {
    nextLogin = { accountId: "sub-stina", amr: ["otp"] };
    const start = await a.request("/api/auth/oidc/login");
    const callbackUrl = await throughProvider(start.headers.get("location") ?? "");
    const stolen = await a.request(callbackUrl.slice("http://kaivo.test".length));
    expect(stolen.status).toBe(401);
    const audit = JSON.stringify(await a.t.store.db.selectFrom("audit_log").selectAll().execute());
    expect(audit).toContain("flow cookie");
    expect(audit).not.toContain(CLIENT_SECRET);
    expect(audit).not.toContain(new URL(callbackUrl).searchParams.get("code"));
  });
});
