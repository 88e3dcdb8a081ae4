import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import type { AppEnv } from "../server/app-env.js";
import { rateLimit } from "../server/hardening/rate-limit.js";
import { ForbiddenError, NotFoundError } from "../shared/errors.js";
import { errorPage, notFoundPage } from "./error-pages.js";
import { LANGS } from "./i18n.js";
import { en } from "./messages/en.js";
import { fi } from "./messages/fi.js";
import { sv } from "./messages/sv.js";

const CATALOG = { fi, sv, en };

/** The error pages in a small app: the portal's handlers, the server's rate limit before them. */
function app(unexpected: unknown[]) {
  const a = new Hono<AppEnv>();
  a.use("*", async (c, next) => {
    c.set("requestId", "req-1234");
    await next();
  });
  a.use("*", rateLimit({ requestsPerMinute: 5, trustProxy: false }));
  a.get("/portal/boom", () => {
    throw new Error(
      "SQLITE_CORRUPT at /srv/kaivo/src/store/control-store.ts:42 select * from users",
    );
  });
  a.get("/portal/forbidden", () => {
    throw new ForbiddenError(
      "riku (researcher) may not permit.decide.",
      "Allowed roles: reviewer.",
    );
  });
  a.get("/portal/missing", () => {
    throw new NotFoundError("No permit KAIVO-2026-0009.");
  });
  a.get("/api/limited", (c) => c.json({ ok: true }));
  a.all("/portal/*", (c) => notFoundPage(c));
  a.onError((error, c) => errorPage(c, error, (e) => unexpected.push(e)));
  return a;
}

const decoded = async (res: Response) =>
  (await res.text())
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, "&");

const inLang = (
  a: Hono<AppEnv>,
  path: string,
  lang: string,
  headers: Record<string, string> = {},
) => a.request(path, { headers: { cookie: `lang=${lang}`, ...headers } });

describe("the portal's error pages", () => {
  it("answer 404, 403 and 500 with a page in each language, never the internals", async () => {
    for (const lang of LANGS) {
      const unexpected: unknown[] = [];
      const a = app(unexpected);
      const t = CATALOG[lang];
      const missing = await inLang(a, "/portal/no/such/page", lang);
      expect(missing.status).toBe(404);
      const html404 = await decoded(missing);
      expect(html404).toContain(`<html lang="${lang}">`);
      expect(html404).toContain(`<h1>${t["error.notFound"]}</h1>`);
      expect(html404).toContain(t["error.notFoundText"]);
      const gone = await inLang(a, "/portal/missing", lang);
      expect(gone.status).toBe(404);
      expect(await gone.text()).toContain("No permit KAIVO-2026-0009.");

      const forbidden = await inLang(a, "/portal/forbidden", lang);
      expect(forbidden.status).toBe(403);
      const html403 = await decoded(forbidden);
      expect(html403).toContain(`<h1>${t["error.forbidden"]}</h1>`);
      expect(html403).toContain(t["error.forbiddenText"]);

      const boom = await inLang(a, "/portal/boom", lang);
      expect(boom.status).toBe(500);
      const html500 = await decoded(boom);
      expect(html500).toContain(`<h1>${t["error.title"]}</h1>`);
      expect(html500).toContain(t["error.unexpectedText"]);
      expect(html500).toContain("req-1234");
      expect(html500).not.toMatch(/SQLITE|control-store|\.ts:\d+|select \*|Error:/);
      expect(unexpected).toHaveLength(1);
      // htmx gets the same notice as a fragment, since it swaps only successful answers.
      const fragment = await inLang(a, "/portal/boom", lang, { "hx-request": "true" });
      const frag = await decoded(fragment);
      expect(frag).not.toContain("<html");
      expect(frag).toContain(t["error.unexpectedText"]);
    }
  });

  it("answers the rate limit on the portal with a page saying when to try again", async () => {
    for (const lang of LANGS) {
      const a = app([]);
      const t = CATALOG[lang];
      let last: Response | undefined;
      for (let i = 0; i < 6; i++) last = await inLang(a, "/portal/no/such/page", lang);
      expect(last?.status).toBe(429);
      expect(last?.headers.get("retry-after")).toMatch(/^\d+$/);
      const html = last ? await decoded(last) : "";
      expect(html).toContain(`<h1>${t["error.rateLimited"]}</h1>`);
      expect(html).toContain(t["error.rateLimitedText"]);
      expect(html).toMatch(/\d+/);
      expect(html).toContain(
        t["error.retryAfter"].replace("{seconds}", last?.headers.get("retry-after") ?? ""),
      );
    }
    // The API keeps its JSON answer.
    const a = app([]);
    let api: Response | undefined;
    for (let i = 0; i < 6; i++) api = await a.request("/api/limited");
    expect(api?.status).toBe(429);
    expect(api?.headers.get("content-type")).toMatch(/json/);
  });
});
