import type { FC, PropsWithChildren } from "hono/jsx";
import { isAllowed, type Permission } from "../auth/permissions.js";
import { LANGS } from "./i18n.js";
import type { MessageKey } from "./messages/en.js";
import { PORTAL } from "./paths.js";
import type { View } from "./view.js";

const NAV: Array<{ href: string; label: MessageKey; permission: Permission }> = [
  { href: `${PORTAL}/catalog`, label: "nav.catalog", permission: "catalog.read" },
  { href: `${PORTAL}/feasibility`, label: "nav.feasibility", permission: "feasibility.run" },
  { href: `${PORTAL}/cohorts/builder`, label: "nav.builder", permission: "cohort.define" },
  { href: `${PORTAL}/cohorts`, label: "nav.cohorts", permission: "cohort.define" },
  { href: `${PORTAL}/applications`, label: "nav.applications", permission: "permit.read" },
  { href: `${PORTAL}/review`, label: "nav.review", permission: "permit.decide" },
];

/** The navigation entry a path is under: the longest that prefixes it. */
const currentNav = (here: string) =>
  NAV.map((n) => n.href)
    .filter((href) => here === href || here.startsWith(`${href}/`) || here.startsWith(`${href}?`))
    .sort((a, b) => b.length - a.length)[0];

// htmx's own indicator styles would be an inline <style>, and eval a way around the CSP.
const HTMX_CONFIG = JSON.stringify({
  includeIndicatorStyles: false,
  allowEval: false,
  allowScriptTags: false,
});

/** The hidden field that carries the session's CSRF token in every POST form. */
export const CsrfField: FC<{ view: View }> = ({ view }) =>
  view.csrfToken ? <input type="hidden" name="_csrf" value={view.csrfToken} /> : null;

const LanguageSwitch: FC<{ view: View }> = ({ view }) => (
  <nav class="languages" aria-label={view.t("lang.label")}>
    <ul>
      {LANGS.map((lang) => (
        <li>
          <a
            href={`${PORTAL}/lang/${lang}?next=${encodeURIComponent(view.here)}`}
            hreflang={lang}
            lang={lang}
            aria-current={lang === view.lang ? "true" : undefined}
          >
            {view.t(`lang.${lang}`)}
          </a>
        </li>
      ))}
    </ul>
  </nav>
);

/**
 * Every page: a skip link, the header with the user and the language switch, the navigation the
 * role may use, and the main landmark. Scripts and styles come from the server's own files only
 * (the CSP allows nothing else); htmx sends the CSRF token from the body's hx-headers.
 */
export const Page: FC<PropsWithChildren<{ view: View; title: string }>> = ({
  view,
  title,
  children,
}) => {
  const { t, actor } = view;
  return (
    <html lang={view.lang}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="htmx-config" content={HTMX_CONFIG} />
        <title>{t("page.title", { page: title })}</title>
        <link rel="stylesheet" href={`${PORTAL}/static/portal.css`} />
        <script src={`${PORTAL}/static/htmx.min.js`} defer></script>
      </head>
      <body
        hx-headers={view.csrfToken ? JSON.stringify({ "X-CSRF-Token": view.csrfToken }) : undefined}
      >
        <a class="skip" href="#main">
          {t("skip.link")}
        </a>
        <header class="top">
          <p class="brand">
            <span class="name">{t("app.name")}</span> <span>{t("app.tagline")}</span>
          </p>
          {actor ? (
            <div class="who">
              <p>{t("header.signedInAs", { user: actor.name, role: t(`role.${actor.role}`) })}</p>
              <form method="post" action={`${PORTAL}/logout`}>
                <CsrfField view={view} />
                <button type="submit">{t("logout.submit")}</button>
              </form>
            </div>
          ) : null}
          <LanguageSwitch view={view} />
        </header>
        {actor ? (
          <nav class="main-nav" aria-label={t("nav.label")}>
            <ul>
              {NAV.filter((item) => isAllowed(actor.role, item.permission)).map((item) => (
                <li>
                  <a
                    href={item.href}
                    aria-current={currentNav(view.here) === item.href ? "page" : undefined}
                  >
                    {t(item.label)}
                  </a>
                </li>
              ))}
            </ul>
          </nav>
        ) : null}
        <main id="main" tabindex={-1}>
          <h1>{title}</h1>
          {children}
        </main>
      </body>
    </html>
  );
};

/** A message box: errors are announced to screen readers as they appear. */
export const Notice: FC<PropsWithChildren<{ kind: "error" | "info" | "warning" }>> = ({
  kind,
  children,
}) => (
  <div class={`notice ${kind}`} role={kind === "error" ? "alert" : "status"}>
    {children}
  </div>
);
