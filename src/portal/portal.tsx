import { Hono } from "hono";
import { setCookie } from "hono/cookie";
import type { AppEnv } from "../server/app-env.js";
import { queryTimeout } from "../server/query-timeout.js";
import { applicationPages } from "./application-pages.js";
import { authPages, TOTP_PATH } from "./auth-pages.js";
import { catalogPages } from "./catalog-pages.js";
import { cohortPages } from "./cohort-pages.js";
import { errorPage, notFoundPage } from "./error-pages.js";
import { feasibilityPages } from "./feasibility-pages.js";
import { isLang, LANG_COOKIE } from "./i18n.js";
import { HOME_PATH, LOGIN_PATH, PORTAL, safeReturnPath } from "./paths.js";
import { staticFiles } from "./static.js";

const YEAR_SECONDS = 365 * 86_400;

export interface PortalOptions {
  /** Where unexpected errors go (the server's log); the page shows only the request id. */
  onUnexpected?: (error: unknown, requestId: string) => void;
}

/**
 * The web portal: server-rendered pages over the same services as the API (decision 012). Mount
 * after authentication; the sign-in pages, the language switch and the static files are open,
 * every other page sends a visitor without a session to sign in (and back afterwards).
 */
export function portalRoutes(options: PortalOptions = {}): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get("/", (c) => c.redirect(HOME_PATH, 303));
  app.get(PORTAL, (c) => c.redirect(HOME_PATH, 303));
  staticFiles(app);
  app.get(`${PORTAL}/lang/:lang`, (c) => {
    const lang = c.req.param("lang");
    if (isLang(lang))
      setCookie(c, LANG_COOKIE, lang, {
        path: PORTAL,
        maxAge: YEAR_SECONDS,
        sameSite: "Lax",
        httpOnly: true,
      });
    return c.redirect(safeReturnPath(c.req.query("next")), 303);
  });
  authPages(app);

  // Everything registered below needs a user.
  app.use(`${PORTAL}/*`, async (c, next) => {
    if (c.get("actor")) return next();
    const url = new URL(c.req.url);
    const back =
      c.req.method === "GET" ? `?next=${encodeURIComponent(url.pathname + url.search)}` : "";
    // A session still lacking its second factor goes to that step; anyone else signs in.
    const to = `${c.get("credential")?.kind === "session" ? TOTP_PATH : LOGIN_PATH}${back}`;
    if (c.req.header("hx-request")) {
      // htmx would put the login page into the fragment's place; this sends the whole page.
      c.header("HX-Redirect", to);
      return c.body(null, 401);
    }
    return c.redirect(to, 303);
  });
  // Inside the portal, so that a query stopped for taking too long is answered as a page.
  app.use(`${PORTAL}/*`, queryTimeout());
  catalogPages(app);
  feasibilityPages(app);
  cohortPages(app);
  applicationPages(app);
  app.all(`${PORTAL}/*`, (c) => notFoundPage(c));
  app.onError((error, c) => errorPage(c, error, options.onUnexpected));
  return app;
}
