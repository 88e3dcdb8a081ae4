import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AppEnv } from "../server/app-env.js";
import { statusOf } from "../server/errors.js";
import { KaivoError } from "../shared/errors.js";
import { Notice, Page } from "./layout.js";
import type { MessageKey } from "./messages/en.js";
import { HOME_PATH, LOGIN_PATH } from "./paths.js";
import { render, viewOf } from "./view.js";

type Kind = "notFound" | "forbidden" | "rateLimited" | "unexpected" | "refused";

const TITLES: Record<Kind, MessageKey> = {
  notFound: "error.notFound",
  forbidden: "error.forbidden",
  rateLimited: "error.rateLimited",
  unexpected: "error.title",
  refused: "error.refused",
};
const TEXTS: Record<Kind, MessageKey> = {
  notFound: "error.notFoundText",
  forbidden: "error.forbiddenText",
  rateLimited: "error.rateLimitedText",
  unexpected: "error.unexpectedText",
  refused: "error.refusedText",
};

const kindOf = (status: number): Kind =>
  status === 404
    ? "notFound"
    : status === 403 || status === 401
      ? "forbidden"
      : status === 429
        ? "rateLimited"
        : status >= 500
          ? "unexpected"
          : "refused";

/**
 * An error as a page (or, for htmx, a fragment, since htmx swaps only successful answers) in the
 * user's language. A service's refusal shows its message, which is written for users; anything
 * unexpected shows only the request id, never its text, type or stack (the server's log has it).
 */
export function errorPage(
  c: Context<AppEnv>,
  error: unknown,
  onUnexpected?: (error: unknown, requestId: string) => void,
  fixed?: ContentfulStatusCode,
) {
  const known = error instanceof KaivoError;
  if (!known && fixed === undefined) onUnexpected?.(error, c.get("requestId"));
  const status: ContentfulStatusCode = fixed ?? (known ? statusOf(error) : 500);
  const kind = kindOf(status);
  const view = viewOf(c);
  const { t } = view;
  const retry = c.get("retryAfter");
  const notice = (
    <Notice kind="error">
      <p>{t(TEXTS[kind])}</p>
      {known && kind !== "unexpected" ? (
        <>
          <p>{error.message}</p>
          {error.hint ? <p>{error.hint}</p> : null}
        </>
      ) : null}
      {kind === "rateLimited" && retry ? <p>{t("error.retryAfter", { seconds: retry })}</p> : null}
      <p class="hint">{t("error.requestId", { id: c.get("requestId") })}</p>
    </Notice>
  );
  if (c.req.header("hx-request")) return render(c, notice, { fragment: true });
  return render(
    c,
    <Page view={view} title={t(TITLES[kind])}>
      {notice}
      <p>
        {view.actor ? (
          <a href={HOME_PATH}>{t("error.back")}</a>
        ) : (
          <a href={LOGIN_PATH}>{t("login.title")}</a>
        )}
      </p>
    </Page>,
    { status },
  );
}

/** The portal's own 404 page, for a path no portal route has. */
export const notFoundPage = (c: Context<AppEnv>) => errorPage(c, undefined, undefined, 404);
