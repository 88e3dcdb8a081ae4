import { hostname, userInfo } from "node:os";
import type { Command } from "commander";
import { ConfigError, KaivoError, ValidationError } from "../../shared/errors.js";
import { actorFor, printJson, printLine, READ_ONLY_HOME, withStore } from "../context.js";
import { currentMode, remoteApi } from "../mode.js";
import { RemoteApi } from "../remote/client.js";
import {
  type Credentials,
  credentialsFile,
  readCredentials,
  removeCredentials,
  writeCredentials,
} from "../remote/credentials.js";
import { doneReading, readSecret } from "../remote/prompt.js";

interface SessionAnswer {
  user: string;
  role: string;
  csrfToken: string;
  secondFactorRequired?: boolean;
}

interface Me {
  user: string;
  role: string;
  tokenId?: string;
  expiresAt?: string;
}

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

/**
 * The server's base URL. Plain http only to this machine: over a network, the password and the
 * token would travel readable.
 */
export function serverUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ValidationError("--server is the server's URL, such as https://kaivo.example.org.");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:")
    throw new ValidationError("--server is an https:// URL.");
  if (url.username || url.password)
    throw new ValidationError(
      "--server takes no user name or password in the URL.",
      "The password is read from standard input; arguments are visible to other users.",
    );
  if (url.protocol === "http:" && !LOOPBACK.test(url.hostname))
    throw new ValidationError(
      `${url.origin} is plain http to another machine: the password and token would cross the network readable.`,
      "Use the server's https:// address.",
    );
  return `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
}

function days(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new ValidationError("--expires-days is a whole number from 1.");
  return n;
}

/** The created token in either shape the API may give: `{token: {id, ...}, secret}` or `{id, token}`. */
function createdToken(answer: unknown): { secret: string; id?: string; expiresAt?: string } {
  const a = (answer ?? {}) as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === "string" ? v : undefined);
  if (typeof a.secret === "string" && a.token && typeof a.token === "object") {
    const t = a.token as Record<string, unknown>;
    return {
      secret: a.secret,
      ...(str(t.id) ? { id: str(t.id) } : {}),
      ...(str(t.expiresAt) ? { expiresAt: str(t.expiresAt) } : {}),
    };
  }
  if (typeof a.token === "string")
    return {
      secret: a.token,
      ...(str(a.id) ? { id: str(a.id) } : {}),
      ...(str(a.expiresAt) ? { expiresAt: str(a.expiresAt) } : {}),
    };
  throw new KaivoError("The server made a token but its answer has no token in it.");
}

/**
 * Signs in with the password (and a second factor), and returns the session's answer; the
 * session's CSRF token is set on `api` for what follows.
 */
export async function passwordSession(api: RemoteApi, user: string): Promise<SessionAnswer> {
  const password = await readSecret("password", `Password for ${user} at ${api.server}: `);
  const attempt = (totp?: string) =>
    api.request<SessionAnswer & { error?: string; hint?: string }>("POST", "/api/auth/login", {
      body: { user, password, ...(totp ? { totp } : {}) },
      allow: [401, 403],
    });
  let answer = await attempt();
  // A server may also ask for the code with the password: it answers that it needs one.
  if (answer.status === 403 && answer.body?.secondFactorRequired)
    answer = await attempt(await readCode());
  if (answer.status === 401 || answer.status === 403)
    throw new KaivoError(
      `${api.server} did not sign ${user} in${answer.body?.error ? `: ${answer.body.error}` : "."}`,
      answer.body?.hint ?? "Check the user name (--user) and the password.",
    );
  let session = answer.body;
  if (session.secondFactorRequired) {
    api.csrfToken = session.csrfToken;
    session = await api.post<SessionAnswer>("/api/auth/totp", { code: await readCode() });
  }
  api.csrfToken = session.csrfToken;
  return session;
}

function readCode(): Promise<string> {
  return readSecret("TOTP code", "Code from your authenticator app: ").then((c) => c.trim());
}

/** Revokes a saved login's token on its server; says why not when it cannot. */
async function revoke(c: Credentials): Promise<string | undefined> {
  if (!c.tokenId)
    return "its id is not known (it was made on the host); revoke it there with `kaivo token revoke`, or it expires by itself";
  try {
    await new RemoteApi(c.server, c.token).delete(`/api/tokens/${encodeURIComponent(c.tokenId)}`);
    return undefined;
  } catch (error) {
    return error instanceof KaivoError ? error.message : String(error);
  }
}

export function registerLogin(program: Command): void {
  program
    .command("login")
    .description("log in to a Kaivo server; later commands run there as you (remote mode)")
    .requiredOption("--server <url>", "the server, e.g. https://kaivo.example.org")
    .option("--user <name>", "your user name (default: $KAIVO_USER, else your login name)")
    .option("--token-stdin", "use an API token read from standard input instead of a password")
    .option("--expires-days <n>", "how long the token made for this login lasts", days, 30)
    .action(
      async (o: { server: string; user?: string; tokenStdin?: boolean; expiresDays: number }) => {
        const server = serverUrl(o.server);
        const previous = (() => {
          try {
            return readCredentials();
          } catch {
            return undefined;
          }
        })();
        let saved: Credentials;
        try {
          if (o.tokenStdin) {
            const token = (await readSecret("token", "API token: ")).trim();
            if (/\s/.test(token)) throw new ValidationError("A token has no spaces in it.");
            const me = await new RemoteApi(server, token).get<Me>("/api/auth/me");
            if (o.user && o.user !== me.user)
              throw new ValidationError(`The token acts as ${me.user}, not ${o.user}.`);
            saved = {
              server,
              user: me.user,
              role: me.role,
              token,
              ...(me.tokenId ? { tokenId: me.tokenId } : {}),
              ...(me.expiresAt ? { expiresAt: me.expiresAt } : {}),
              savedAt: new Date().toISOString(),
            };
          } else {
            const user = o.user ?? process.env.KAIVO_USER ?? userInfo().username;
            const api = new RemoteApi(server);
            const session = await passwordSession(api, user);
            api.csrfToken = session.csrfToken;
            const label = `kaivo login ${hostname().replace(/[^\p{L}\p{N}._-]/gu, "")}`.slice(
              0,
              64,
            );
            const made = createdToken(
              await api.post("/api/tokens", { expiresDays: o.expiresDays, label }),
            );
            // The token is what later commands use; the session is not needed any more.
            await api.post("/api/auth/logout").catch(() => undefined);
            saved = {
              server,
              user: session.user,
              role: session.role,
              token: made.secret,
              ...(made.id ? { tokenId: made.id } : {}),
              ...(made.expiresAt ? { expiresAt: made.expiresAt } : {}),
              savedAt: new Date().toISOString(),
            };
          }
        } finally {
          doneReading();
        }
        const file = writeCredentials(saved);
        printLine(
          `Logged in to ${saved.server} as ${saved.user} (${saved.role})${saved.expiresAt ? `; the token expires at ${saved.expiresAt}` : ""}.`,
        );
        printLine(`Saved in ${file}; commands now run on the server. \`kaivo logout\` ends it.`);
        // The token this login replaces is of no use any more.
        if (previous && previous.token !== saved.token && previous.tokenId) await revoke(previous);
      },
    );

  program
    .command("logout")
    .description("revoke this login's token on the server and forget it (back to direct mode)")
    .action(async () => {
      let c: Credentials | undefined;
      try {
        c = readCredentials();
      } catch (error) {
        // An unreadable or too widely readable file is removed all the same.
        if (!(error instanceof ConfigError)) throw error;
      }
      if (!c) {
        const removed = removeCredentials();
        printLine(removed ? `Removed ${credentialsFile()}.` : "Not logged in (direct mode).");
        return;
      }
      const notRevoked = await revoke(c);
      removeCredentials();
      printLine(`Logged out of ${c.server} (${c.user}).`);
      if (notRevoked)
        process.stderr.write(
          `kaivo: the token was not revoked on the server: ${notRevoked}${c.expiresAt ? ` (it expires at ${c.expiresAt})` : ""}.\n`,
        );
    });

  program
    .command("whoami")
    .description("who commands run as: the logged-in user on the server, or the direct-mode user")
    .option("--json", "print JSON")
    .action(async (o: { json?: boolean }, command: Command) => {
      const mode = currentMode();
      if (mode.kind === "remote") {
        const c = mode.credentials;
        const me = await remoteApi(c).get<Me>("/api/auth/me");
        // The server's word on the token (it knows the id and expiry of one made on the host too).
        const tokenId = me.tokenId ?? c.tokenId;
        const expiresAt = me.expiresAt ?? c.expiresAt;
        const shown = {
          mode: "remote" as const,
          server: c.server,
          user: me.user,
          role: me.role,
          ...(tokenId ? { tokenId } : {}),
          ...(expiresAt ? { expiresAt } : {}),
        };
        if (o.json) return printJson(shown);
        printLine(`${shown.user} (${shown.role}) at ${shown.server}`);
        if (expiresAt) printLine(`token ${tokenId ?? "(id unknown)"} expires at ${expiresAt}`);
        return;
      }
      await withStore(async ({ home, store }) => {
        const actor = await actorFor(command, store);
        const shown = {
          mode: "direct" as const,
          home: home.dir,
          user: actor.name,
          role: actor.role,
        };
        if (o.json) return printJson(shown);
        printLine(`${actor.name} (${actor.role}), direct mode on ${home.dir}`);
      }, READ_ONLY_HOME);
    });
}
