import type { Context, Hono } from "hono";
import { AuthenticationError } from "../auth/errors.js";
import { completeSecondFactor, passwordLogin } from "../auth/login.js";
import { endSessionByHash, type Session } from "../auth/sessions.js";
import { enrolFirstTotp, hasConfirmedTotp } from "../auth/totp.js";
import type { AppEnv } from "../server/app-env.js";
import {
  clientAddress,
  endRequestSession,
  sessionOf,
  setSessionCookie,
  settingsFor,
} from "../server/auth/http-common.js";
import { LoginSchema, TotpCodeSchema } from "../server/auth/routes.js";
import { ConfigError, ConflictError, RateLimitError } from "../shared/errors.js";
import { CsrfField, Notice, Page } from "./layout.js";
import type { MessageKey } from "./messages/en.js";
import { LOGIN_PATH, PORTAL, safeReturnPath } from "./paths.js";
import { render, viewOf } from "./view.js";

export const TOTP_PATH = `${LOGIN_PATH}/totp`;
const ENROL_PATH = `${TOTP_PATH}/enrol`;
export const LOGOUT_PATH = `${PORTAL}/logout`;

const text = (value: unknown) => (typeof value === "string" ? value : "");

/** A refusal of sign-in as a message and a status; anything else is not the user's to see. */
function refusal(error: unknown): { message: MessageKey; status: 401 | 429 | 500 } | undefined {
  if (error instanceof AuthenticationError) return { message: "login.wrong", status: 401 };
  if (error instanceof RateLimitError) return { message: "login.throttled", status: 429 };
  if (error instanceof ConfigError) return { message: "login.unavailable", status: 500 };
  return undefined;
}

function loginPage(
  c: Context<AppEnv>,
  state: { next: string; user?: string; message?: MessageKey; status?: 400 | 401 | 429 | 500 },
) {
  const view = viewOf(c);
  const { t } = view;
  const info = c.req.query("loggedOut") !== undefined && !state.message;
  return render(
    c,
    <Page view={view} title={t("login.title")}>
      {state.message ? <Notice kind="error">{t(state.message)}</Notice> : null}
      {info ? <Notice kind="info">{t("login.loggedOut")}</Notice> : null}
      <p>{t("login.intro")}</p>
      <form method="post" action={LOGIN_PATH} class="stacked">
        <input type="hidden" name="next" value={state.next} />
        <label for="user">{t("login.user")}</label>
        <input
          id="user"
          name="user"
          autocomplete="username"
          required
          maxlength={128}
          value={state.user ?? ""}
        />
        <label for="password">{t("login.password")}</label>
        <input
          id="password"
          name="password"
          type="password"
          autocomplete="current-password"
          required
          maxlength={4096}
        />
        <button type="submit">{t("login.submit")}</button>
      </form>
    </Page>,
    { status: state.status ?? 200 },
  );
}

/**
 * How the second-factor step offers enrolment: an account without a confirmed TOTP may set one
 * up here while `auth.totp.selfEnrol` allows it (as POST /api/auth/totp/enrol does).
 */
async function enrolment(
  c: Context<AppEnv>,
  session: Session,
): Promise<"enrolled" | "offer" | "off"> {
  if (await hasConfirmedTotp(c.get("deps").store, session.user)) return "enrolled";
  return settingsFor(c, {}).config.totp.selfEnrol ? "offer" : "off";
}

async function totpPage(
  c: Context<AppEnv>,
  session: Session,
  state: {
    next: string;
    message?: MessageKey;
    status?: 400 | 401 | 403 | 409 | 429 | 500;
    /** The otpauth:// URI of a TOTP just enrolled, shown this once. */
    uri?: string;
  },
) {
  const view = viewOf(c);
  const { t } = view;
  const offer = state.uri ? "enrolled" : await enrolment(c, session);
  const secret = state.uri ? new URL(state.uri).searchParams.get("secret") : null;
  return render(
    c,
    <Page view={view} title={t("totp.title")}>
      {state.message ? <Notice kind="error">{t(state.message)}</Notice> : null}
      <p>{t("totp.intro")}</p>
      {offer === "offer" ? (
        <form method="post" action={ENROL_PATH}>
          <p>{t("totp.enrolIntro")}</p>
          <CsrfField view={view} />
          <input type="hidden" name="next" value={state.next} />
          <button type="submit">{t("totp.enrolSubmit")}</button>
        </form>
      ) : null}
      {offer === "off" ? <Notice kind="info">{t("totp.enrolOff")}</Notice> : null}
      {state.uri ? (
        <Notice kind="info">
          <p>{t("totp.enrolShown")}</p>
          <p>
            {t("totp.enrolKey")}: <code class="secret">{secret ?? ""}</code>
          </p>
          <p>
            {t("totp.enrolLink")} <code class="secret">{state.uri}</code>
          </p>
        </Notice>
      ) : null}
      <form method="post" action={TOTP_PATH} class="stacked">
        <CsrfField view={view} />
        <input type="hidden" name="next" value={state.next} />
        <label for="code">{t("totp.code")}</label>
        <input
          id="code"
          name="code"
          inputmode="numeric"
          autocomplete="one-time-code"
          pattern="[0-9]{6}"
          maxlength={6}
          required
        />
        <button type="submit">{t("totp.submit")}</button>
      </form>
    </Page>,
    { status: state.status ?? 200 },
  );
}

/**
 * Sign-in and sign-out in the browser, over the same services as /api/auth/login and
 * /api/auth/totp (throttling, audit, one message whether or not the account exists) and with the
 * same session cookie. The second factor is a step of its own, as in the API.
 */
export function authPages(app: Hono<AppEnv>): void {
  app.get(LOGIN_PATH, (c) => {
    const next = safeReturnPath(c.req.query("next"));
    if (c.get("actor")) return c.redirect(next, 303);
    return loginPage(c, { next });
  });

  app.post(LOGIN_PATH, async (c) => {
    const form = await c.req.parseBody();
    const next = safeReturnPath(text(form.next));
    const input = LoginSchema.safeParse({ user: text(form.user), password: text(form.password) });
    // Both given but beyond the API's limits: as wrong as a wrong password.
    if (!input.success)
      return loginPage(c, {
        next,
        user: text(form.user).slice(0, 128),
        message: text(form.user) && text(form.password) ? "login.wrong" : "login.missing",
        status: 400,
      });
    const settings = settingsFor(c, {});
    const { store } = c.get("deps");
    let result: Awaited<ReturnType<typeof passwordLogin>>;
    try {
      result = await passwordLogin(store, settings, {
        ...input.data,
        address: clientAddress(c, {}),
      });
    } catch (error) {
      const refused = refusal(error);
      if (!refused) throw error;
      return loginPage(c, { next, user: input.data.user, ...refused });
    }
    // One browser, one session: the one it had ends, as with the API's sign-in.
    const previous = sessionOf(c);
    if (previous) await endSessionByHash(store, previous.idHash, settings.now());
    setSessionCookie(c, settings, result.session.id, result.session.expiresAt);
    return c.redirect(
      result.secondFactorRequired ? `${TOTP_PATH}?next=${encodeURIComponent(next)}` : next,
      303,
    );
  });

  app.get(TOTP_PATH, (c) => {
    const next = safeReturnPath(c.req.query("next"));
    if (c.get("actor")) return c.redirect(next, 303);
    const session = sessionOf(c);
    if (!session) return c.redirect(LOGIN_PATH, 303);
    return totpPage(c, session, { next });
  });

  app.post(ENROL_PATH, async (c) => {
    const form = await c.req.parseBody();
    const next = safeReturnPath(text(form.next));
    if (c.get("actor")) return c.redirect(next, 303);
    const session = sessionOf(c);
    if (!session) return c.redirect(LOGIN_PATH, 303);
    const settings = settingsFor(c, {});
    if (!settings.config.totp.selfEnrol) return totpPage(c, session, { next, status: 403 });
    try {
      const { uri } = await enrolFirstTotp(
        c.get("deps").store,
        { name: session.user, role: session.role },
        settings.totpKey(),
        { issuer: settings.config.totp.issuer, now: settings.now() },
      );
      return totpPage(c, session, { next, uri });
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
      return totpPage(c, session, { next, message: "totp.already", status: 409 });
    }
  });

  app.post(TOTP_PATH, async (c) => {
    const form = await c.req.parseBody();
    const next = safeReturnPath(text(form.next));
    const session = sessionOf(c);
    if (!session) return c.redirect(LOGIN_PATH, 303);
    const code = TotpCodeSchema.safeParse(text(form.code).trim());
    if (!code.success) return totpPage(c, session, { next, message: "totp.invalid", status: 400 });
    const settings = settingsFor(c, {});
    let result: Awaited<ReturnType<typeof completeSecondFactor>>;
    try {
      result = await completeSecondFactor(
        c.get("deps").store,
        settings,
        session,
        code.data,
        clientAddress(c, {}),
      );
    } catch (error) {
      const refused = refusal(error);
      if (!refused) throw error;
      return totpPage(c, session, { next, ...refused });
    }
    setSessionCookie(c, settings, result.session.id, result.session.expiresAt);
    return c.redirect(next, 303);
  });

  app.post(LOGOUT_PATH, async (c) => {
    const settings = settingsFor(c, {});
    await endRequestSession(c, settings);
    return c.redirect(`${LOGIN_PATH}?loggedOut`, 303);
  });
}
