import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { totpCode } from "../../test/support/auth-app.js";
import { type TestServer, testServer } from "../../test/support/server.js";
import { entryFromRow } from "../audit/entry.js";
import { setPassword } from "../auth/passwords.js";
import { SYSTEM_ACTOR } from "../auth/roles.js";
import { PORTAL_CONTENT_SECURITY_POLICY } from "../server/hardening/headers.js";
import { en } from "./messages/en.js";
import { fi } from "./messages/fi.js";
import { sv } from "./messages/sv.js";
import { isPortalPath } from "./paths.js";

/**
 * The portal in the server's own app, as `kaivo serve` assembles it, over a small ingested lake:
 * sign-in through the auth services, redirects, CSRF, the CSP, escaping of user text, the live
 * count against the API's, and the language switch.
 */
const PASSWORDS = {
  riku: "researcher pass 4417",
  rasmus: "other researcher 9921",
  stina: "steward pass 5531!",
};
let s: TestServer;
const t2d = readFileSync(
  join(import.meta.dirname, "../../examples/cohorts/t2d-hba1c.json"),
  "utf8",
);

beforeAll(async () => {
  s = await testServer({
    users: { riku: "researcher", rasmus: "researcher", stina: "steward" },
    patients: 400,
  });
  for (const [name, password] of Object.entries(PASSWORDS))
    await setPassword(s.store, SYSTEM_ACTOR, name, password);
}, 240_000);
afterAll(async () => s?.close());

const form = (fields: Record<string, string>) => ({
  method: "POST",
  headers: { "content-type": "application/x-www-form-urlencoded" },
  body: new URLSearchParams(fields).toString(),
});

function sessionCookie(res: Response): string | undefined {
  const set = res.headers.getSetCookie().find((c) => c.startsWith("kaivo_session="));
  const pair = set?.split(";")[0];
  return pair && pair !== "kaivo_session=" ? pair : undefined;
}

async function login(user: keyof typeof PASSWORDS, next = "/portal/catalog") {
  const res = await s.app.request("/portal/login", form({ user, password: PASSWORDS[user], next }));
  return { res, cookie: sessionCookie(res) ?? "" };
}

const get = (path: string, cookie?: string, headers: Record<string, string> = {}) =>
  s.app.request(path, { headers: { ...(cookie ? { cookie } : {}), ...headers } });

/** The CSRF token a page's forms carry. */
const csrfOf = (page: string) => /name="_csrf" value="([^"]+)"/.exec(page)?.[1] ?? "";

describe("the portal", () => {
  it("sends every page to sign-in without a session, and back to a safe path only", async () => {
    const open = new Set(["/portal", "/portal/login", "/portal/login/totp", "/portal/lang/:lang"]);
    const pages = [
      ...new Set(
        s.app.routes
          .filter((r) => r.method === "GET" && isPortalPath(r.path) && !r.path.includes("*"))
          .map((r) => r.path)
          .filter((p) => !open.has(p) && !p.startsWith("/portal/static/")),
      ),
    ];
    expect(pages).toEqual(
      expect.arrayContaining(["/portal/catalog", "/portal/feasibility", "/portal/cohorts"]),
    );
    for (const page of pages) {
      const path = page.replace(/:[A-Za-z_]+/g, "clinical.lab");
      const res = await get(path);
      expect(res.status, path).toBe(303);
      expect(res.headers.get("location"), path).toBe(
        `/portal/login?next=${encodeURIComponent(path)}`,
      );
    }
    expect((await get("/")).headers.get("location")).toBe("/portal/catalog");
    // htmx is told to load the sign-in page as a whole, not into a fragment's place.
    const fragment = await get("/portal/catalog/search?q=x", undefined, { "hx-request": "true" });
    expect(fragment.status).toBe(401);
    expect(fragment.headers.get("hx-redirect")).toMatch(/^\/portal\/login\?next=/);
    const post = await s.app.request("/portal/feasibility/count", form({ definition: "{}" }));
    expect(post.status).toBe(303);
    expect(post.headers.get("location")).toBe("/portal/login");
    // A return path off the portal or off the site is replaced by the catalog.
    for (const next of ["//evil.example/x", "https://evil.example/", "/api/audit"]) {
      const { res } = await login("riku", next);
      expect(res.headers.get("location"), next).toBe("/portal/catalog");
    }
  });

  it("refuses a wrong password with a message and no session; the right one reaches the catalog", async () => {
    const wrong = await s.app.request(
      "/portal/login",
      form({ user: "riku", password: "not the password", next: "/portal/feasibility" }),
    );
    expect(wrong.status).toBe(401);
    expect(sessionCookie(wrong)).toBeUndefined();
    const page = await wrong.text();
    expect(page).toContain(fi["login.wrong"]);
    expect(page).not.toMatch(/at .*\.(ts|js):\d+/);
    const unknown = await s.app.request("/portal/login", form({ user: "nobody", password: "x" }));
    expect(await unknown.text()).toContain(fi["login.wrong"]);

    const { res, cookie } = await login("riku", "/portal/feasibility");
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/portal/feasibility");
    expect(cookie).toMatch(/^kaivo_session=./);
    const catalog = await get("/portal/catalog", cookie);
    expect(catalog.status).toBe(200);
    const html = await catalog.text();
    expect(html).toContain(`<html lang="fi">`);
    expect(html).toContain(
      fi["header.signedInAs"].replace("{user}", "riku").replace("{role}", fi["role.researcher"]),
    );
    expect(html).toContain('href="/portal/catalog/clinical.lab"');
    expect(html).toContain('<main id="main"');
    // The same session reaches the API.
    expect((await get("/api/auth/me", cookie)).status).toBe(200);
    // Each page is on the audit log by its route, never its path; static files are not.
    await get("/portal/catalog/clinical.lab", cookie);
    await get("/portal/static/portal.css", cookie);
    const rows = await s.store.db
      .selectFrom("audit_log")
      .selectAll()
      .where("action", "=", "portal.request")
      .where("actor", "=", "riku")
      .execute();
    const routes = rows.map((r) => entryFromRow(r).details?.route);
    expect(routes).toEqual(expect.arrayContaining(["/portal/catalog", "/portal/catalog/:name"]));
    expect(routes).not.toContain("/portal/static/portal.css");
    expect(JSON.stringify(rows)).not.toContain("clinical.lab");

    const logout = await s.app.request("/portal/logout", {
      ...form({ _csrf: csrfOf(html) }),
      headers: { "content-type": "application/x-www-form-urlencoded", cookie },
    });
    expect(logout.status).toBe(303);
    expect((await get("/portal/catalog", cookie)).status).toBe(303);
  });

  it("takes a steward through the second-factor step before any page", async () => {
    const { res, cookie } = await login("stina");
    expect(res.headers.get("location")).toBe(
      `/portal/login/totp?next=${encodeURIComponent("/portal/catalog")}`,
    );
    const held = await get("/portal/feasibility", cookie);
    expect(held.headers.get("location")).toBe(
      `/portal/login/totp?next=${encodeURIComponent("/portal/feasibility")}`,
    );
    const step = await (await get("/portal/login/totp", cookie)).text();
    expect(step).toContain(fi["totp.enrolIntro"]);
    const csrf = csrfOf(step);
    const enrol = (token: string) =>
      s.app.request("/portal/login/totp/enrol", {
        ...form({ _csrf: token, next: "/portal/feasibility" }),
        headers: { "content-type": "application/x-www-form-urlencoded", cookie },
      });
    expect((await enrol("forged")).status).toBe(403);
    const enrolled = await (await enrol(csrf)).text();
    const uri = /<code class="secret">(otpauth:\/\/[^<]+)<\/code>/.exec(enrolled)?.[1] ?? "";
    expect(uri).toMatch(/^otpauth:\/\/totp\//);
    const totpUri = uri.replaceAll("&amp;", "&");
    const post = (code: string, token = csrf) =>
      s.app.request("/portal/login/totp", {
        ...form({ code, _csrf: token, next: "/portal/feasibility" }),
        headers: { "content-type": "application/x-www-form-urlencoded", cookie },
      });
    expect((await post("12345")).status).toBe(400);
    expect((await post(totpCode(totpUri, new Date()), "wrong")).status).toBe(403);
    const done = await post(totpCode(totpUri, new Date()));
    expect(done.status).toBe(303);
    expect(done.headers.get("location")).toBe("/portal/feasibility");
    const full = sessionCookie(done) ?? "";
    expect(full).not.toBe(cookie);
    // Once confirmed, the TOTP cannot be replaced from a session that lacks it.
    const again = await login("stina");
    const step2 = await (await get("/portal/login/totp", again.cookie)).text();
    expect(step2).not.toContain(fi["totp.enrolIntro"]);
    const replaced = await s.app.request("/portal/login/totp/enrol", {
      ...form({ _csrf: csrfOf(step2) }),
      headers: { "content-type": "application/x-www-form-urlencoded", cookie: again.cookie },
    });
    expect(replaced.status).toBe(409);
    expect(await replaced.text()).toContain(fi["totp.already"]);
    const page = await get("/portal/feasibility", full);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(`<h1>${fi["feas.title"]}</h1>`);
  });

  it("refuses a POST without the session's CSRF token", async () => {
    const { cookie } = await login("riku");
    const page = await (await get("/portal/feasibility", cookie)).text();
    const token = csrfOf(page);
    expect(token.length).toBeGreaterThan(10);
    expect(page).toContain(`hx-headers="{&quot;X-CSRF-Token&quot;:&quot;${token}&quot;}"`);
    const post = (fields: Record<string, string>, headers: Record<string, string> = {}) =>
      s.app.request("/portal/feasibility/count", {
        ...form(fields),
        headers: { "content-type": "application/x-www-form-urlencoded", cookie, ...headers },
      });
    expect((await post({ definition: "{" })).status).toBe(403);
    expect((await post({ definition: "{", _csrf: "forged" })).status).toBe(403);
    expect((await post({ definition: "{", _csrf: token })).status).toBe(200);
    expect((await post({ definition: "{" }, { "x-csrf-token": token })).status).toBe(200);
    const logout = await s.app.request("/portal/logout", {
      method: "POST",
      headers: { cookie },
    });
    expect(logout.status).toBe(403);
    // Sign-in takes no token, but a foreign page may not post it (login CSRF).
    const foreign = await s.app.request("/portal/login", {
      ...form({ user: "riku", password: PASSWORDS.riku }),
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        origin: "https://evil.example",
      },
    });
    expect(foreign.status).toBe(403);
    expect(sessionCookie(foreign)).toBeUndefined();
  });

  it("serves pages under a CSP without inline script, and no inline script or style in them", async () => {
    const { cookie } = await login("riku");
    for (const path of [
      "/portal/login",
      "/portal/catalog",
      "/portal/catalog/clinical.lab",
      "/portal/catalog/clinical.lab.local_code",
      "/portal/feasibility",
      "/portal/cohorts",
    ]) {
      // The sign-in page is seen without a session (with one, it sends the browser on).
      const res = await get(path, path === "/portal/login" ? undefined : cookie);
      expect(res.status, path).toBe(200);
      const csp = res.headers.get("content-security-policy") ?? "";
      expect(csp).toBe(PORTAL_CONTENT_SECURITY_POLICY);
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toContain("unsafe-inline");
      expect(csp).not.toContain("unsafe-eval");
      expect(res.headers.get("cache-control")).toBe("no-store");
      const html = await res.text();
      const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)];
      expect(scripts.length, path).toBe(1);
      for (const [, attributes, body] of scripts) {
        expect(body, path).toBe("");
        expect(attributes).toContain('src="/portal/static/htmx.min.js"');
      }
      expect(html, path).not.toMatch(/\sstyle=|<style|\son[a-z]+=/i);
    }
    const htmx = await get("/portal/static/htmx.min.js");
    expect(htmx.status).toBe(200);
    expect(htmx.headers.get("content-type")).toMatch(/javascript/);
    expect((await htmx.text()).length).toBeGreaterThan(10_000);
    expect((await get("/portal/static/portal.css")).headers.get("content-type")).toMatch(/css/);
    // The API keeps its own policy.
    expect((await get("/healthz")).headers.get("content-security-policy")).not.toBe(
      PORTAL_CONTENT_SECURITY_POLICY,
    );
  });

  it("renders user text inert: a search and a cohort definition holding markup", async () => {
    const { cookie } = await login("riku");
    const token = csrfOf(await (await get("/portal/feasibility", cookie)).text());
    const payloads = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>'];
    for (const payload of payloads) {
      for (const path of ["/portal/catalog", "/portal/catalog/search"]) {
        const res = await get(`${path}?q=${encodeURIComponent(payload)}`, cookie);
        expect(res.status).toBe(200);
        const html = await res.text();
        expect(html).not.toContain(payload);
        expect(html).not.toMatch(/<img|<script>alert/i);
      }
      // In the name (refused by the validator) and in a rule's name (counted, and drawn in the
      // attrition chart).
      const named = JSON.stringify({ ...JSON.parse(t2d), name: payload, title: payload });
      const base = JSON.parse(t2d);
      base.inclusion[1].name = payload;
      const ruled = JSON.stringify(base);
      for (const [path, definition] of [
        ["/portal/feasibility", named],
        ["/portal/feasibility/count", named],
        ["/portal/feasibility/count", ruled],
      ] as const) {
        const res = await s.app.request(path, {
          ...form({ definition, _csrf: token }),
          headers: { "content-type": "application/x-www-form-urlencoded", cookie },
        });
        expect(res.status, path).toBe(200);
        const html = await res.text();
        expect(html, path).not.toContain(payload);
        expect(html, path).not.toMatch(/<img|<script>alert/i);
        if (definition === ruled) {
          expect(html).toContain('<output id="persons"');
          expect(html).toContain(
            payload.includes("<script>") ? "&lt;script&gt;" : "&quot;&gt;&lt;img",
          );
        }
      }
    }
    // The page echoes the definition, escaped, into its editor.
    const echoed = await s.app.request("/portal/feasibility", {
      ...form({ definition: payloads[0] ?? "", _csrf: token }),
      headers: { "content-type": "application/x-www-form-urlencoded", cookie },
    });
    const html = await echoed.text();
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(html).toContain(fi["feas.notJson"]);
  });

  it("shows the live count the API's feasibility route gives the same user for the same definition", async () => {
    const { cookie } = await login("riku");
    const token = csrfOf(await (await get("/portal/feasibility", cookie)).text());
    const api = await s.app.request("/api/feasibility", {
      method: "POST",
      headers: { "content-type": "application/json", cookie, "x-csrf-token": token },
      body: JSON.stringify({ definition: JSON.parse(t2d) }),
    });
    expect(api.status).toBe(200);
    const answer = (await api.json()) as { persons: number | string; exact: boolean };
    expect(answer.exact).toBe(false);
    const fragment = await s.app.request("/portal/feasibility/count", {
      ...form({ definition: t2d }),
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        cookie,
        "x-csrf-token": token,
        "hx-request": "true",
      },
    });
    expect(fragment.status).toBe(200);
    const html = await fragment.text();
    expect(html).not.toContain("<html");
    const shown = /<output id="persons"[^>]*>([^<]*)<\/output>/.exec(html)?.[1];
    const expected =
      typeof answer.persons === "number"
        ? new Intl.NumberFormat("fi").format(answer.persons)
        : answer.persons.replace("<", "&lt;");
    expect(shown).toBe(expected);
    expect(html).toContain('id="count-notice" aria-live="assertive" hx-swap-oob="true"');

    // An invalid definition is answered with its errors, and nothing is counted.
    const broken = JSON.stringify({ ...JSON.parse(t2d), entry: { events: { table: "no.such" } } });
    const invalid = await s.app.request("/portal/feasibility/count", {
      ...form({ definition: broken, _csrf: token }),
      headers: { "content-type": "application/x-www-form-urlencoded", cookie },
    });
    const text = await invalid.text();
    expect(text).toContain(fi["feas.errors"]);
    expect(text).not.toContain('<output id="persons"');

    // The saved version is listed on the user's cohort page.
    expect(await (await get("/portal/cohorts", cookie)).text()).toContain("t2d-hba1c");
  });

  it("says so when the query limit refuses, and leaves the last count in place", async () => {
    const { cookie } = await login("rasmus");
    const token = csrfOf(await (await get("/portal/feasibility", cookie)).text());
    const limit = s.home.config.feasibility.perMinute;
    let refused: Response | undefined;
    for (let i = 0; i <= limit && !refused; i++) {
      const res = await s.app.request("/portal/feasibility/count", {
        ...form({ definition: t2d, _csrf: token }),
        headers: { "content-type": "application/x-www-form-urlencoded", cookie },
      });
      if (res.headers.get("hx-retarget")) refused = res;
      else expect(await res.text()).toContain('<output id="persons"');
    }
    expect(refused, "refused within the per-minute limit").toBeDefined();
    expect(refused?.status).toBe(200);
    expect(refused?.headers.get("hx-retarget")).toBe("#count-notice");
    const html = (await refused?.text()) ?? "";
    expect(html).toContain(fi["feas.refused"]);
    expect(html).not.toContain('<output id="persons"');
  });

  it("switches language from every page: the lang attribute and the strings follow", async () => {
    const { cookie } = await login("riku");
    const sw = await get(`/portal/lang/sv?next=${encodeURIComponent("/portal/cohorts")}`, cookie);
    expect(sw.status).toBe(303);
    expect(sw.headers.get("location")).toBe("/portal/cohorts");
    const lang = sw.headers
      .getSetCookie()
      .find((c) => c.startsWith("lang="))
      ?.split(";")[0];
    expect(lang).toBe("lang=sv");
    const page = await (await get("/portal/cohorts", `${cookie}; ${lang}`)).text();
    expect(page).toContain('<html lang="sv">');
    expect(page).toContain(`<h1>${sv["cohorts.title"]}</h1>`);
    expect(page).toContain('href="/portal/lang/en?next=%2Fportal%2Fcohorts"');
    // Without the cookie, the browser's language decides; the login page switches too.
    const english = await (
      await get("/portal/login", undefined, { "accept-language": "en-GB,en;q=0.9" })
    ).text();
    expect(english).toContain('<html lang="en">');
    expect(english).toContain(en["login.intro"]);
    const finnish = await (
      await get("/portal/login", undefined, { "accept-language": "de" })
    ).text();
    expect(finnish).toContain('<html lang="fi">');
    expect((await get("/portal/lang/xx?next=/portal/login")).headers.getSetCookie()).toEqual([]);
  });
});
