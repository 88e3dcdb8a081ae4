import type { Context } from "hono";
import { getCookie } from "hono/cookie";
import { html } from "hono/html";
import type { Child } from "hono/jsx";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { Actor } from "../auth/roles.js";
import type { AppEnv } from "../server/app-env.js";
import { chooseLang, LANG_COOKIE, type Lang, type Translate, translator } from "./i18n.js";

/** What every page needs to render: the language, the user and the session's CSRF token. */
export interface View {
  lang: Lang;
  t: Translate;
  /** The requested path and query, for the language switch to return to. */
  here: string;
  actor: Actor | undefined;
  /** The session's CSRF token; every form posts it, and htmx sends it as X-CSRF-Token. */
  csrfToken: string | undefined;
  number(n: number): string;
  percent(share: number): string;
}

export function viewOf(c: Context<AppEnv>): View {
  const lang = chooseLang(getCookie(c, LANG_COOKIE), c.req.header("accept-language"));
  const credential = c.get("credential");
  const url = new URL(c.req.url);
  const numbers = new Intl.NumberFormat(lang);
  const percents = new Intl.NumberFormat(lang, { style: "percent", maximumFractionDigits: 1 });
  return {
    lang,
    t: translator(lang),
    here: `${url.pathname}${url.search}`,
    actor: c.get("actor"),
    csrfToken: credential?.kind === "session" ? credential.csrfToken : undefined,
    number: (n) => numbers.format(n),
    percent: (share) => percents.format(share),
  };
}

/**
 * A whole page or a fragment as HTML. Pages hold counts and the session's CSRF token, so no
 * cache keeps them.
 */
export function render(
  c: Context<AppEnv>,
  node: Child,
  options: { status?: ContentfulStatusCode; fragment?: boolean } = {},
) {
  c.header("Cache-Control", "no-store");
  const body = options.fragment ? html`${node}` : html`<!DOCTYPE html>${node}`;
  return c.html(body, options.status ?? 200);
}
