import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { createToken, listTokens, revokeToken } from "../../auth/api-tokens.js";
import { AuthenticationError } from "../../auth/errors.js";
import {
  completeSecondFactor,
  type LoginResult,
  passwordLogin,
  secondFactorRequired,
} from "../../auth/login.js";
import { beginOidcLogin, completeOidcLogin, oidcConfiguration } from "../../auth/oidc.js";
import { ROLES } from "../../auth/roles.js";
import { endAllSessions, endSessionByHash } from "../../auth/sessions.js";
import { enrolFirstTotp, enrolTotp } from "../../auth/totp.js";
import { ForbiddenError, NotFoundError } from "../../shared/errors.js";
import type { AppEnv } from "../app-env.js";
import { requireActor } from "./authenticate.js";
import {
  type AuthHttpOptions,
  authErrorResponse,
  clearSessionCookie,
  clientAddress,
  endRequestSession,
  OIDC_COOKIE_PATH,
  OIDC_FLOW_COOKIE,
  secureCookie,
  sessionOf,
  setSessionCookie,
  settingsFor,
} from "./http-common.js";

const ErrorSchema = z
  .object({
    error: z.string(),
    hint: z.string().optional(),
    secondFactorRequired: z.boolean().optional(),
  })
  .openapi("Error");

const errors = (...statuses: number[]) =>
  Object.fromEntries(
    statuses.map((s) => [
      s,
      {
        description: ERROR_TEXT[s] ?? "error",
        content: { "application/json": { schema: ErrorSchema } },
      },
    ]),
  );

const ERROR_TEXT: Record<number, string> = {
  400: "invalid request",
  401: "not signed in, or wrong credentials",
  403: "not allowed, CSRF token missing, or a second factor needed",
  404: "not found",
  409: "conflict",
  429: "too many failed sign-ins; see Retry-After",
};

const RoleSchema = z.enum(ROLES);

const SessionSchema = z
  .object({
    user: z.string(),
    role: RoleSchema,
    csrfToken: z
      .string()
      .openapi({ description: "Send in X-CSRF-Token with every state-changing request" }),
    secondFactor: z.boolean(),
    secondFactorRequired: z.boolean().openapi({
      description: "True: the session may only complete the second factor (POST /api/auth/totp)",
    }),
    expiresAt: z.string(),
  })
  .openapi("Session");

/** The sign-in form's fields and their limits; the portal's login form is read with it too. */
export const LoginSchema = z
  .object({
    user: z.string().min(1).max(128),
    password: z.string().min(1).max(4096),
    totp: z
      .string()
      .regex(/^\d{6}$/)
      .optional(),
  })
  .openapi("Login");

/** A TOTP code as sign-in takes it. */
export const TotpCodeSchema = z.string().regex(/^\d{6}$/);

const TokenSchema = z
  .object({
    id: z.string(),
    user: z.string(),
    role: RoleSchema,
    scope: z
      .array(z.string())
      .nullable()
      .openapi({ description: "null: all of the role's permissions" }),
    label: z.string().nullable(),
    createdAt: z.string(),
    expiresAt: z.string(),
    revokedAt: z.string().nullable(),
    lastUsedAt: z.string().nullable(),
  })
  .openapi("ApiToken");

const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});
const body = <T extends z.ZodType>(schema: T) => ({
  body: { content: { "application/json": { schema } }, required: true },
});

const loginRoute = createRoute({
  method: "post",
  path: "/api/auth/login",
  summary: "Sign in with a local password (and TOTP code)",
  request: body(LoginSchema),
  responses: {
    200: json(SessionSchema, "signed in; the session cookie is set"),
    ...errors(400, 401, 403, 429),
  },
});
const totpRoute = createRoute({
  method: "post",
  path: "/api/auth/totp",
  summary: "Complete the second factor with a TOTP code; the session is replaced",
  request: body(z.object({ code: TotpCodeSchema }).openapi("TotpCode")),
  responses: {
    200: json(SessionSchema, "second factor verified; a new session cookie is set"),
    ...errors(400, 401, 403, 429),
  },
});
const enrolRoute = createRoute({
  method: "post",
  path: "/api/auth/totp/enrol",
  summary: "Enrol a TOTP authenticator; the otpauth:// URI is returned this once",
  responses: {
    200: json(
      z.object({ uri: z.string() }).openapi("TotpEnrolment"),
      "scan the URI, then send a code to /api/auth/totp",
    ),
    ...errors(401, 403, 409),
  },
});
const logoutRoute = createRoute({
  method: "post",
  path: "/api/auth/logout",
  summary: "Sign this session out",
  responses: { 200: json(z.object({ ok: z.boolean() }), "signed out"), ...errors(403) },
});
const logoutEverywhereRoute = createRoute({
  method: "post",
  path: "/api/auth/logout-everywhere",
  summary: "Sign out every session of the current user",
  middleware: [requireActor()] as const,
  responses: {
    200: json(z.object({ sessions: z.number() }), "sessions ended"),
    ...errors(401, 403),
  },
});
const meRoute = createRoute({
  method: "get",
  path: "/api/auth/me",
  summary: "Who the request is authenticated as",
  responses: {
    200: json(
      z
        .object({
          user: z.string(),
          role: RoleSchema,
          authenticatedBy: z.enum(["session", "token"]),
          secondFactor: z.boolean(),
          secondFactorRequired: z.boolean(),
          csrfToken: z.string().optional(),
          expiresAt: z.string().optional().openapi({
            description: "When the session or the API token the request came with expires",
          }),
          tokenId: z
            .string()
            .optional()
            .openapi({ description: "The API token's id, when the request came with one" }),
          scope: z.array(z.string()).optional(),
        })
        .openapi("Me"),
      "the current user",
    ),
    ...errors(401),
  },
});
const oidcLoginRoute = createRoute({
  method: "get",
  path: "/api/auth/oidc/login",
  summary: "Start OpenID Connect sign-in (redirects to the provider)",
  responses: { 302: { description: "to the provider" }, ...errors(404) },
});
const oidcCallbackRoute = createRoute({
  method: "get",
  path: "/api/auth/oidc/callback",
  summary: "The provider's redirect back; sets the session cookie",
  responses: { 303: { description: "signed in; to /" }, ...errors(401, 404) },
});
const listTokensRoute = createRoute({
  method: "get",
  path: "/api/tokens",
  summary:
    "API tokens (never their secrets): one's own, or with all=true (admin, auditor) everyone's",
  middleware: [requireActor()] as const,
  request: {
    query: z.object({ user: z.string().optional(), all: z.enum(["true", "false"]).optional() }),
  },
  responses: {
    200: json(z.object({ tokens: z.array(TokenSchema) }), "tokens"),
    ...errors(401, 403),
  },
});
const createTokenRoute = createRoute({
  method: "post",
  path: "/api/tokens",
  summary: "Create an API token for oneself; the secret is returned this once",
  middleware: [requireActor()] as const,
  request: body(
    z
      .object({
        expiresDays: z.number().int().min(1).optional(),
        scope: z.array(z.string()).optional().openapi({
          description:
            'Permissions (a subset of the role\'s), or ["read"]; omitted: the whole role',
        }),
        label: z.string().max(64).optional(),
      })
      .openapi("NewApiToken"),
  ),
  responses: {
    201: json(
      z.object({ token: TokenSchema, secret: z.string() }).openapi("CreatedApiToken"),
      "created",
    ),
    ...errors(400, 401, 403),
  },
});
const revokeTokenRoute = createRoute({
  method: "delete",
  path: "/api/tokens/{id}",
  summary: "Revoke an API token",
  middleware: [requireActor()] as const,
  request: { params: z.object({ id: z.string() }) },
  responses: { 200: json(TokenSchema, "revoked"), ...errors(401, 403, 404) },
});

function sessionBody(result: LoginResult) {
  return {
    user: result.user,
    role: result.role,
    csrfToken: result.session.csrfToken,
    secondFactor: result.secondFactor,
    secondFactorRequired: result.secondFactorRequired,
    expiresAt: result.session.expiresAt.toISOString(),
  };
}

function noStore(c: Context<AppEnv>): void {
  c.header("Cache-Control", "no-store");
}

/**
 * Sign-in, sessions, TOTP, OIDC and API tokens over HTTP. Mount after `authenticate()`. Errors
 * are answered here as JSON `{error, hint}`; request validation errors name fields, never values.
 */
export function authRoutes(options: AuthHttpOptions = {}): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result, c) => {
      if (!result.success)
        return c.json(
          {
            error: "Invalid request.",
            hint: `Check: ${[...new Set(result.error.issues.map((i) => i.path.join(".") || "(body)"))].join(", ")}.`,
          },
          400,
        );
    },
  });
  app.onError((error, c) => authErrorResponse(c, error));

  app.openapi(loginRoute, async (c) => {
    const settings = settingsFor(c, options);
    const input = c.req.valid("json");
    const result = await passwordLogin(c.get("deps").store, settings, {
      user: input.user,
      password: input.password,
      ...(input.totp ? { totp: input.totp } : {}),
      address: clientAddress(c, options),
    });
    // The browser's previous session, if any, ends: one browser, one session.
    const previous = sessionOf(c);
    if (previous) await endSessionByHash(c.get("deps").store, previous.idHash, settings.now());
    setSessionCookie(c, settings, result.session.id, result.session.expiresAt);
    noStore(c);
    return c.json(sessionBody(result), 200);
  });

  app.openapi(totpRoute, async (c) => {
    const settings = settingsFor(c, options);
    const session = sessionOf(c);
    if (!session) throw new AuthenticationError("Sign in with your password first.");
    const result = await completeSecondFactor(
      c.get("deps").store,
      settings,
      session,
      c.req.valid("json").code,
      clientAddress(c, options),
    );
    setSessionCookie(c, settings, result.session.id, result.session.expiresAt);
    noStore(c);
    return c.json(sessionBody(result), 200);
  });

  app.openapi(enrolRoute, async (c) => {
    const settings = settingsFor(c, options);
    const { store } = c.get("deps");
    const session = sessionOf(c);
    if (!session) throw new AuthenticationError("Sign in with your password first.");
    const enrolOptions = { issuer: settings.config.totp.issuer, now: settings.now() };
    const actor = c.get("actor");
    let enrolled: { uri: string };
    if (actor)
      enrolled = await enrolTotp(store, actor, actor.name, settings.totpKey(), enrolOptions);
    else if (settings.config.totp.selfEnrol)
      enrolled = await enrolFirstTotp(
        store,
        { name: session.user, role: session.role },
        settings.totpKey(),
        enrolOptions,
      );
    else
      throw new ForbiddenError(
        "Enrolling a second factor here is turned off.",
        "Ask an admin to run `kaivo user totp` for you (auth.totp.selfEnrol).",
      );
    noStore(c);
    return c.json(enrolled, 200);
  });

  app.openapi(logoutRoute, async (c) => {
    const settings = settingsFor(c, options);
    await endRequestSession(c, settings);
    return c.json({ ok: true }, 200);
  });

  app.openapi(logoutEverywhereRoute, async (c) => {
    const settings = settingsFor(c, options);
    const actor = c.get("actor");
    if (!actor) throw new AuthenticationError("Sign in first.");
    const sessions = await endAllSessions(c.get("deps").store, actor, actor.name, settings.now());
    clearSessionCookie(c, settings);
    return c.json({ sessions }, 200);
  });

  app.openapi(meRoute, async (c) => {
    const credential = c.get("credential");
    const actor = c.get("actor");
    const session = sessionOf(c);
    if (credential?.kind === "session" && session) {
      noStore(c);
      return c.json(
        {
          user: session.user,
          role: session.role,
          authenticatedBy: "session" as const,
          secondFactor: session.secondFactor,
          secondFactorRequired: await secondFactorRequired(
            c.get("deps").store,
            session.user,
            session.role,
            session.secondFactor,
          ),
          csrfToken: session.csrfToken,
          expiresAt: session.expiresAt.toISOString(),
        },
        200,
      );
    }
    if (credential?.kind === "token" && actor)
      return c.json(
        {
          user: actor.name,
          role: actor.role,
          authenticatedBy: "token" as const,
          secondFactor: false,
          secondFactorRequired: false,
          tokenId: credential.tokenId,
          expiresAt: credential.expiresAt,
          ...(actor.scope ? { scope: [...actor.scope] } : {}),
        },
        200,
      );
    throw new AuthenticationError("Not signed in.", "POST /api/auth/login, or send an API token.");
  });

  app.openapi(oidcLoginRoute, async (c) => {
    const settings = settingsFor(c, options);
    const { home, store } = c.get("deps");
    const oidc = settings.config.oidc;
    if (!oidc)
      throw new NotFoundError(
        "OpenID Connect sign-in is not configured.",
        "Set auth.oidc in kaivo.json.",
      );
    const config = await oidcConfiguration(home, oidc);
    const start = await beginOidcLogin(store, config, oidc, settings.now());
    setCookie(c, OIDC_FLOW_COOKIE, start.browserSecret, {
      httpOnly: true,
      secure: secureCookie(c, settings),
      sameSite: "Lax",
      path: OIDC_COOKIE_PATH,
      maxAge: 600,
    });
    noStore(c);
    return c.redirect(start.url.href, 302);
  });

  app.openapi(oidcCallbackRoute, async (c) => {
    const settings = settingsFor(c, options);
    const { home, store } = c.get("deps");
    const oidc = settings.config.oidc;
    if (!oidc) throw new NotFoundError("OpenID Connect sign-in is not configured.");
    const config = await oidcConfiguration(home, oidc);
    // The code is exchanged for the redirect URI the provider knows, whatever host the proxy used.
    const callbackUrl = new URL(oidc.redirectUri);
    callbackUrl.search = new URL(c.req.url).search;
    const browserSecret = getCookie(c, OIDC_FLOW_COOKIE);
    deleteCookie(c, OIDC_FLOW_COOKIE, { path: OIDC_COOKIE_PATH });
    const result = await completeOidcLogin(store, settings, config, oidc, {
      callbackUrl,
      browserSecret,
      address: clientAddress(c, options),
    });
    const previous = sessionOf(c);
    if (previous) await endSessionByHash(store, previous.idHash, settings.now());
    setSessionCookie(c, settings, result.session.id, result.session.expiresAt);
    noStore(c);
    return c.redirect("/", 303);
  });

  app.openapi(listTokensRoute, async (c) => {
    const actor = c.get("actor");
    if (!actor) throw new AuthenticationError("Sign in first.");
    const query = c.req.valid("query");
    const tokens = await listTokens(c.get("deps").store, actor, {
      ...(query.user ? { user: query.user } : {}),
      all: query.all === "true",
    });
    return c.json({ tokens }, 200);
  });

  app.openapi(createTokenRoute, async (c) => {
    const settings = settingsFor(c, options);
    const actor = c.get("actor");
    if (!actor) throw new AuthenticationError("Sign in first.");
    // A token may not mint tokens: it would outlive its own expiry and revocation.
    if (c.get("credential")?.kind !== "session")
      throw new ForbiddenError(
        "API tokens are created from a signed-in session, not with another token.",
      );
    const input = c.req.valid("json");
    const created = await createToken(
      c.get("deps").store,
      actor,
      {
        ...(input.expiresDays !== undefined ? { expiresDays: input.expiresDays } : {}),
        ...(input.scope ? { scope: input.scope } : {}),
        ...(input.label ? { label: input.label } : {}),
      },
      settings.tokens,
      settings.now(),
    );
    noStore(c);
    return c.json(created, 201);
  });

  app.openapi(revokeTokenRoute, async (c) => {
    const settings = settingsFor(c, options);
    const actor = c.get("actor");
    if (!actor) throw new AuthenticationError("Sign in first.");
    const token = await revokeToken(
      c.get("deps").store,
      actor,
      c.req.valid("param").id,
      settings.now(),
    );
    return c.json(token, 200);
  });

  return app;
}
