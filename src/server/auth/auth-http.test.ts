import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  type AuthTestApp,
  authTestApp,
  PASSWORDS,
  setCookieLine,
  setCookieValue,
  signIn,
  totpCode,
} from "../../../test/support/auth-app.js";
import { DIALECTS } from "../../../test/support/stores.js";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

async function auditText(a: AuthTestApp): Promise<string> {
  const rows = await a.t.store.db.selectFrom("audit_log").selectAll().orderBy("seq").execute();
  return rows.map((r) => JSON.stringify(r)).join("\n");
}

describe.each(DIALECTS)("HTTP authentication on %s", (dialect) => {
  let a: AuthTestApp;
  beforeEach(async () => {
    a = await authTestApp(dialect);
  });
  afterEach(async () => {
    await a.cleanup();
  });

  it("signs in with a password and sets an httpOnly, SameSite=Lax session cookie; Secure over HTTPS", async () => {
    const { response, body, cookie } = await signIn(a, "rita");
    expect(response.status).toBe(200);
    expect(body).toMatchObject({ user: "rita", role: "researcher", secondFactorRequired: false });
    const line = setCookieLine(response, "kaivo_session") ?? "";
    expect(line).toMatch(/HttpOnly/);
    expect(line).toMatch(/SameSite=Lax/);
    expect(line).toMatch(/Path=\//);
    expect(line).not.toMatch(/Secure/);
    expect(cookie.split("=")[1]).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(response.headers.get("cache-control")).toBe("no-store");

    const https = await a.request("/api/auth/login", {
      json: { user: "rita", password: PASSWORDS.rita },
      base: "https://kaivo.test",
    });
    expect(setCookieLine(https, "kaivo_session")).toMatch(/Secure/);

    const me = await a.request("/api/auth/me", { cookie });
    expect(await me.json()).toMatchObject({
      user: "rita",
      role: "researcher",
      authenticatedBy: "session",
    });
  });

  it("does not tell whether an account exists", async () => {
    const unknown = await a.request("/api/auth/login", {
      json: { user: "nobody", password: "whatever it is 1" },
    });
    const wrong = await a.request("/api/auth/login", {
      json: { user: "rita", password: "whatever it is 1" },
    });
    expect(unknown.status).toBe(401);
    expect(wrong.status).toBe(401);
    expect(await unknown.json()).toEqual(await wrong.json());
    const audit = await auditText(a);
    expect(audit).toContain("auth.login.failed");
    expect(audit).not.toContain("nobody"); // an unknown name may be a mistyped password
  });

  it("never adopts a session id the client brings, and gives a new id at every sign-in (no fixation)", async () => {
    const planted = "A".repeat(43);
    const response = await a.request("/api/auth/login", {
      json: { user: "rita", password: PASSWORDS.rita },
      cookie: `kaivo_session=${planted}`,
    });
    const issued = setCookieValue(response, "kaivo_session");
    expect(issued).toBeDefined();
    expect(issued).not.toBe(planted);
    expect((await a.request("/api/auth/me", { cookie: `kaivo_session=${planted}` })).status).toBe(
      401,
    );

    // An attacker's own live session planted in a victim's browser ends when the victim signs in.
    const attacker = await signIn(a, "otto");
    const victim = await a.request("/api/auth/login", {
      json: { user: "rita", password: PASSWORDS.rita },
      cookie: attacker.cookie,
    });
    const victimId = setCookieValue(victim, "kaivo_session");
    expect(`kaivo_session=${victimId}`).not.toBe(attacker.cookie);
    expect((await a.request("/api/auth/me", { cookie: attacker.cookie })).status).toBe(401);

    const again = await signIn(a, "rita");
    expect(again.cookie).not.toBe(`kaivo_session=${issued}`);
    expect(again.csrf).not.toBe(
      ((await response.clone().json()) as { csrfToken: string }).csrfToken,
    );
  });

  it("ends a session after the idle timeout, and after the absolute timeout however busy", async () => {
    const idle = await signIn(a, "rita");
    a.advance(29 * MINUTE);
    expect((await a.request("/api/test/whoami", { cookie: idle.cookie })).status).toBe(200);
    a.advance(29 * MINUTE); // 29 min since last use: still alive
    expect((await a.request("/api/test/whoami", { cookie: idle.cookie })).status).toBe(200);
    a.advance(31 * MINUTE);
    const expired = await a.request("/api/test/whoami", { cookie: idle.cookie });
    expect(expired.status).toBe(401);
    expect(setCookieLine(expired, "kaivo_session")).toMatch(/Max-Age=0/);

    const busy = await signIn(a, "rita");
    for (let elapsed = 0; elapsed < 12 * HOUR - 20 * MINUTE; elapsed += 20 * MINUTE) {
      a.advance(20 * MINUTE);
      expect((await a.request("/api/test/whoami", { cookie: busy.cookie })).status).toBe(200);
    }
    a.advance(25 * MINUTE);
    expect((await a.request("/api/test/whoami", { cookie: busy.cookie })).status).toBe(401);
  });

  it("signs out one session, or every session of the user", async () => {
    const first = await signIn(a, "rita");
    const second = await signIn(a, "rita");
    const other = await signIn(a, "otto");
    const out = await a.request("/api/auth/logout", {
      method: "POST",
      cookie: first.cookie,
      headers: { "x-csrf-token": first.csrf },
    });
    expect(out.status).toBe(200);
    expect(setCookieLine(out, "kaivo_session")).toMatch(/Max-Age=0/);
    expect((await a.request("/api/auth/me", { cookie: first.cookie })).status).toBe(401);
    expect((await a.request("/api/auth/me", { cookie: second.cookie })).status).toBe(200);

    const third = await signIn(a, "rita");
    const everywhere = await a.request("/api/auth/logout-everywhere", {
      method: "POST",
      cookie: third.cookie,
      headers: { "x-csrf-token": third.csrf },
    });
    expect(await everywhere.json()).toEqual({ sessions: 2 });
    expect((await a.request("/api/auth/me", { cookie: second.cookie })).status).toBe(401);
    expect((await a.request("/api/auth/me", { cookie: third.cookie })).status).toBe(401);
    expect((await a.request("/api/auth/me", { cookie: other.cookie })).status).toBe(200);
    const audit = await auditText(a);
    expect(audit).toContain("auth.logout");
    expect(audit).toContain("auth.logout-everywhere");
  });

  it("refuses a state-changing session request without the CSRF token or with a wrong one, and accepts it with it", async () => {
    const s = await signIn(a, "sten");
    // A steward needs a second factor; for CSRF use a researcher's allowed route and a steward via TOTP below.
    const r = await signIn(a, "rita");
    const post = (headers: Record<string, string>, form?: Record<string, string>) =>
      a.request("/api/auth/logout-everywhere", {
        method: "POST",
        cookie: r.cookie,
        headers,
        ...(form ? { form } : {}),
      });
    const none = await post({});
    expect(none.status).toBe(403);
    expect(await none.json()).toMatchObject({ error: expect.stringMatching(/CSRF/) });
    const wrong = await post({ "x-csrf-token": `${r.csrf.slice(0, -2)}xx` });
    expect(wrong.status).toBe(403);
    expect((await post({ "x-csrf-token": s.csrf })).status).toBe(403); // another session's token
    expect((await a.request("/api/auth/me", { cookie: r.cookie })).status).toBe(200); // still signed in
    const crossSite = await post({ "x-csrf-token": r.csrf, origin: "https://evil.example" });
    expect(crossSite.status).toBe(403);
    const fetchSite = await post({ "x-csrf-token": r.csrf, "sec-fetch-site": "cross-site" });
    expect(fetchSite.status).toBe(403);
    const form = await post({ origin: "http://kaivo.test" }, { _csrf: r.csrf });
    expect(form.status).toBe(200);

    const r2 = await signIn(a, "rita");
    const ok = await a.request("/api/auth/logout-everywhere", {
      method: "POST",
      cookie: r2.cookie,
      headers: { "x-csrf-token": r2.csrf, "sec-fetch-site": "same-origin" },
    });
    expect(ok.status).toBe(200);
  });

  it("refuses a login posted from another site (login CSRF)", async () => {
    const response = await a.request("/api/auth/login", {
      json: { user: "rita", password: PASSWORDS.rita },
      headers: { origin: "https://evil.example" },
    });
    expect(response.status).toBe(403);
    expect(setCookieValue(response, "kaivo_session")).toBeUndefined();
  });

  it("throttles sign-in per account, even with the right password, for a growing delay", async () => {
    for (let i = 0; i < 5; i++) {
      const r = await a.request("/api/auth/login", {
        json: { user: "rita", password: `wrong password ${i}` },
        address: `198.51.100.${i}`,
      });
      expect(r.status).toBe(401);
    }
    const refused = await a.request("/api/auth/login", {
      json: { user: "rita", password: PASSWORDS.rita },
    });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(setCookieValue(refused, "kaivo_session")).toBeUndefined();
    // Another account from the same address is not affected.
    expect((await signIn(a, "otto")).response.status).toBe(200);
    a.advance(61_000);
    // One more failure doubles the delay.
    await a.request("/api/auth/login", { json: { user: "rita", password: "wrong again 123" } });
    a.advance(61_000);
    expect(
      (await a.request("/api/auth/login", { json: { user: "rita", password: PASSWORDS.rita } }))
        .status,
    ).toBe(429);
    a.advance(61_000);
    expect((await signIn(a, "rita")).response.status).toBe(200);
    const audit = await auditText(a);
    expect(audit).toContain("auth.login.refused");
  });

  it("throttles sign-in per client address across accounts", async () => {
    for (let i = 0; i < 20; i++) {
      await a.request("/api/auth/login", {
        json: { user: `guess${i}`, password: "some password 1" },
        address: "203.0.113.9",
      });
    }
    const fromThere = await a.request("/api/auth/login", {
      json: { user: "rita", password: PASSWORDS.rita },
      address: "203.0.113.9",
    });
    expect(fromThere.status).toBe(429);
    expect((await signIn(a, "rita", { address: "203.0.113.10" })).response.status).toBe(200);
  });

  it("keeps a steward without a second factor out of everything but TOTP, then lets them in after it", async () => {
    const s = await signIn(a, "sten");
    expect(s.body).toMatchObject({
      user: "sten",
      role: "steward",
      secondFactorRequired: true,
      secondFactor: false,
    });
    const blocked = await a.request("/api/test/whoami", { cookie: s.cookie });
    expect(blocked.status).toBe(403);
    expect(await blocked.json()).toMatchObject({
      secondFactorRequired: true,
      hint: expect.stringMatching(/totp/),
    });
    const tokenTry = await a.request("/api/tokens", {
      json: {},
      cookie: s.cookie,
      headers: { "x-csrf-token": s.csrf },
    });
    expect(tokenTry.status).toBe(403);
    const me = await a.request("/api/auth/me", { cookie: s.cookie });
    expect(await me.json()).toMatchObject({ user: "sten", secondFactorRequired: true });

    const enrol = await a.request("/api/auth/totp/enrol", {
      method: "POST",
      cookie: s.cookie,
      headers: { "x-csrf-token": s.csrf },
    });
    expect(enrol.status).toBe(200);
    const { uri } = (await enrol.json()) as { uri: string };
    expect(uri).toMatch(/^otpauth:\/\/totp\/Kaivo:sten\?/);
    const wrongCode = await a.request("/api/auth/totp", {
      json: { code: "000000" === totpCode(uri, a.now()) ? "111111" : "000000" },
      cookie: s.cookie,
      headers: { "x-csrf-token": s.csrf },
    });
    expect(wrongCode.status).toBe(401);
    const code = totpCode(uri, a.now());
    const done = await a.request("/api/auth/totp", {
      json: { code },
      cookie: s.cookie,
      headers: { "x-csrf-token": s.csrf },
    });
    expect(done.status).toBe(200);
    const elevated = `kaivo_session=${setCookieValue(done, "kaivo_session")}`;
    expect(elevated).not.toBe(s.cookie); // a new id for the elevated session
    expect((await a.request("/api/test/whoami", { cookie: s.cookie })).status).toBe(401);
    expect(await (await a.request("/api/test/whoami", { cookie: elevated })).json()).toEqual({
      actor: { name: "sten", role: "steward" },
    });

    // The same code cannot be used again, not even for a fresh sign-in.
    const replay = await a.request("/api/auth/login", {
      json: { user: "sten", password: PASSWORDS.sten, totp: code },
    });
    expect(replay.status).toBe(401);
    // A second enrolment from a session without the factor is refused: a stolen password cannot replace it.
    const half = await signIn(a, "sten");
    const reEnrol = await a.request("/api/auth/totp/enrol", {
      method: "POST",
      cookie: half.cookie,
      headers: { "x-csrf-token": half.csrf },
    });
    expect(reEnrol.status).toBe(409);
    a.advance(31_000);
    const withCode = await signIn(a, "sten", { totp: totpCode(uri, a.now()) });
    expect(withCode.body).toMatchObject({ secondFactor: true, secondFactorRequired: false });
    a.seen.push(uri);
  });

  it("refuses expired and revoked tokens, and a narrower token cannot do what its scope excludes", async () => {
    // The steward gets a full session through TOTP enrolment.
    const s = await signIn(a, "sten");
    const enrol = await a.request("/api/auth/totp/enrol", {
      method: "POST",
      cookie: s.cookie,
      headers: { "x-csrf-token": s.csrf },
    });
    const { uri } = (await enrol.json()) as { uri: string };
    const done = await a.request("/api/auth/totp", {
      json: { code: totpCode(uri, a.now()) },
      cookie: s.cookie,
      headers: { "x-csrf-token": s.csrf },
    });
    const cookie = `kaivo_session=${setCookieValue(done, "kaivo_session")}`;
    const csrf = ((await done.json()) as { csrfToken: string }).csrfToken;
    const create = (json: unknown) =>
      a.request("/api/tokens", { json, cookie, headers: { "x-csrf-token": csrf } });

    const full = await create({ expiresDays: 2, label: "full" });
    expect(full.status).toBe(201);
    const fullBody = (await full.json()) as {
      secret: string;
      token: { id: string; scope: unknown };
    };
    expect(fullBody.secret).toMatch(/^kaivo_[A-Za-z0-9_-]{43}$/);
    expect(fullBody.token.scope).toBeNull();
    const narrow = await create({ scope: ["catalog.read"] });
    const narrowBody = (await narrow.json()) as { secret: string; token: { id: string } };
    const bearer = (secret: string) => ({ authorization: `Bearer ${secret}` });

    // Bearer requests need no CSRF token: there is no ambient credential.
    expect(
      (await a.request("/api/test/annotate", { method: "POST", headers: bearer(fullBody.secret) }))
        .status,
    ).toBe(200);
    const excluded = await a.request("/api/test/annotate", {
      method: "POST",
      headers: bearer(narrowBody.secret),
    });
    expect(excluded.status).toBe(403);
    expect(await excluded.json()).toMatchObject({
      error: expect.stringMatching(/does not cover catalog.annotate/),
    });
    expect(
      (await a.request("/api/test/whoami", { headers: bearer(narrowBody.secret) })).status,
    ).toBe(200);
    // A token cannot mint tokens, and a scope beyond the role is refused.
    expect(
      (await a.request("/api/tokens", { json: {}, headers: bearer(fullBody.secret) })).status,
    ).toBe(403);
    expect((await create({ scope: ["permit.decide"] })).status).toBe(400);
    expect((await create({ expiresDays: 366 })).status).toBe(400);

    const list = await a.request("/api/tokens", { cookie });
    const listed = JSON.stringify(await list.json());
    expect(listed).toContain(fullBody.token.id);
    expect(listed).not.toContain(fullBody.secret);

    const revoke = await a.request(`/api/tokens/${narrowBody.token.id}`, {
      method: "DELETE",
      cookie,
      headers: { "x-csrf-token": csrf },
    });
    expect(revoke.status).toBe(200);
    const revoked = await a.request("/api/test/whoami", { headers: bearer(narrowBody.secret) });
    expect(revoked.status).toBe(401);

    // Another user cannot revoke it.
    const r = await signIn(a, "rita");
    const foreign = await a.request(`/api/tokens/${fullBody.token.id}`, {
      method: "DELETE",
      cookie: r.cookie,
      headers: { "x-csrf-token": r.csrf },
    });
    expect(foreign.status).toBe(403);

    a.advance(2 * 24 * HOUR + 1000);
    expect((await a.request("/api/test/whoami", { headers: bearer(fullBody.secret) })).status).toBe(
      401,
    );
    expect(
      (await a.request("/api/test/whoami", { headers: bearer("kaivo_nonsense") })).status,
    ).toBe(401);
    const audit = await auditText(a);
    expect(audit).toContain("token.create");
    expect(audit).toContain("token.revoke");
    a.seen.push(uri);
    a.seen.push(fullBody.secret, narrowBody.secret);
  });

  it("puts no password, token, session id or TOTP secret in the audit log or any error message", async () => {
    const secrets: string[] = Object.values(PASSWORDS);
    // Failures of every kind, each answered with an error.
    await a.request("/api/auth/login", {
      json: { user: "rita", password: "rita's wrong password" },
    });
    secrets.push("rita's wrong password");
    await a.request("/api/auth/login", {
      json: { user: PASSWORDS.rita, password: PASSWORDS.otto },
    });
    await a.request("/api/auth/login", { json: { user: "rita", password: 42 } });
    const s = await signIn(a, "sten");
    secrets.push(s.cookie.split("=")[1] ?? "", s.csrf);
    const enrol = await a.request("/api/auth/totp/enrol", {
      method: "POST",
      cookie: s.cookie,
      headers: { "x-csrf-token": s.csrf },
    });
    const { uri } = (await enrol.json()) as { uri: string };
    const base32 = new URL(uri).searchParams.get("secret") ?? "";
    expect(base32.length).toBeGreaterThan(16);
    await a.request("/api/auth/totp", {
      json: { code: "12345" },
      cookie: s.cookie,
      headers: { "x-csrf-token": s.csrf },
    });
    const done = await a.request("/api/auth/totp", {
      json: { code: totpCode(uri, a.now()) },
      cookie: s.cookie,
      headers: { "x-csrf-token": s.csrf },
    });
    const cookie = `kaivo_session=${setCookieValue(done, "kaivo_session")}`;
    const csrf = ((await done.json()) as { csrfToken: string }).csrfToken;
    secrets.push(cookie.split("=")[1] ?? "", csrf);
    const created = await a.request("/api/tokens", {
      json: {},
      cookie,
      headers: { "x-csrf-token": csrf },
    });
    const { secret } = (await created.json()) as { secret: string };
    secrets.push(secret);
    await a.request("/api/test/whoami", { headers: { authorization: `Bearer ${secret}x` } });
    await a.request("/api/tokens", {
      json: { scope: [secret] },
      cookie,
      headers: { "x-csrf-token": csrf },
    });
    await a.request("/api/auth/logout", {
      method: "POST",
      cookie,
      headers: { "x-csrf-token": secret },
    });

    const audit = await auditText(a);
    // Responses other than those that hand the secret over (sign-in, enrolment, token creation).
    const errorsSeen = a.seen.filter((text) => text.includes('"error"')).join("\n");
    expect(errorsSeen.length).toBeGreaterThan(0);
    const stored = JSON.stringify(await a.t.store.db.selectFrom("auth_totp").selectAll().execute());
    for (const value of [...secrets, base32]) {
      expect(value.length).toBeGreaterThan(8);
      for (const piece of [value, value.slice(0, 12), value.slice(-12)]) {
        expect(audit).not.toContain(piece);
        expect(errorsSeen).not.toContain(piece);
      }
    }
    expect(stored).not.toContain(base32);
    const sessions = JSON.stringify(
      await a.t.store.db.selectFrom("auth_sessions").selectAll().execute(),
    );
    expect(sessions).not.toContain(cookie.split("=")[1]);
    const tokens = JSON.stringify(
      await a.t.store.db.selectFrom("auth_tokens").selectAll().execute(),
    );
    expect(tokens).not.toContain(secret);
  });

  it("answers 401 with a hint for a route that needs a user when there is none", async () => {
    const response = await a.request("/api/test/whoami");
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({
      error: expect.any(String),
      hint: expect.any(String),
    });
  });
});
