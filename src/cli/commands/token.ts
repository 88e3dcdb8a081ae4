import type { Command } from "commander";
import {
  createToken,
  listTokens,
  READ_ONLY_SCOPE,
  revokeToken,
  type TokenInfo,
  tokenPolicy,
} from "../../auth/api-tokens.js";
import { ValidationError } from "../../shared/errors.js";
import { printable } from "../../shared/printable.js";
import { actorFor, printJson, printLine, withStore } from "../context.js";
import { currentMode, either, remoteApi } from "../mode.js";
import { RemoteApi } from "../remote/client.js";
import type { Credentials } from "../remote/credentials.js";
import { doneReading } from "../remote/prompt.js";
import { passwordSession } from "./login.js";

function days(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new ValidationError("--expires takes a whole number of days from 1.");
  return n;
}

/**
 * Through the server a token is made from a signed-in session, never with another token (it
 * would outlive its maker's expiry and revocation): the password (and second factor) are asked
 * for, as at `kaivo login`, and the session is signed out again.
 */
async function createRemotely(
  credentials: Credentials,
  user: string | undefined,
  wanted: { expiresDays?: number; scope?: string[]; label?: string },
): Promise<{ token: TokenInfo; secret: string }> {
  if (user && user !== credentials.user)
    throw new ValidationError(
      `Through the server a token is made for oneself (${credentials.user}), not for ${user}.`,
      "An admin makes another user's token on the host, in direct mode: `kaivo token create --user NAME`.",
    );
  remoteApi(credentials); // refuses a login known to have expired before asking for a password
  const api = new RemoteApi(credentials.server);
  try {
    await passwordSession(api, credentials.user);
    const created = await api.post<{ token: TokenInfo; secret: string }>("/api/tokens", wanted);
    await api.post("/api/auth/logout").catch(() => undefined);
    return created;
  } finally {
    doneReading();
  }
}

export function registerToken(program: Command): void {
  const token = program
    .command("token")
    .description("API tokens for the HTTP API (each user their own)");

  token
    .command("create")
    .description("create an API token for the acting user; prints the secret once")
    .option(
      "--user <name>",
      "whose token (default: the acting user; an admin on the host may name another user)",
    )
    .option(
      "--expires <days>",
      "days until it expires (default and maximum: auth.tokens in kaivo.json)",
      days,
    )
    .option(
      "--scope <permissions>",
      `comma-separated permissions of the user's role, or "${READ_ONLY_SCOPE}" (default: the whole role)`,
    )
    .option("--label <text>", "a note to tell tokens apart")
    .action(
      async (
        options: { user?: string; expires?: number; scope?: string; label?: string },
        command: Command,
      ) => {
        const scope = options.scope
          ?.split(",")
          .map((s) => s.trim())
          .filter(Boolean);
        const wanted = {
          ...(options.expires ? { expiresDays: options.expires } : {}),
          ...(scope ? { scope } : {}),
          ...(options.label ? { label: options.label } : {}),
        };
        const mode = currentMode();
        const { token: info, secret } =
          mode.kind === "remote"
            ? await createRemotely(mode.credentials, options.user, wanted)
            : await withStore(async ({ home, store }) =>
                createToken(
                  store,
                  await actorFor(command, store),
                  { ...(options.user ? { user: options.user } : {}), ...wanted },
                  tokenPolicy(home.config.auth),
                  new Date(),
                ),
              );
        // The secret alone on stdout, so it can be piped into a secret store; the rest on stderr.
        process.stderr.write(
          `${printable(`Token ${info.id} for ${info.user} (${info.scope ? info.scope.join(", ") : `all of ${info.role}`}), expires ${info.expiresAt}.`)}\n` +
            "The secret below is shown only now; send it as `Authorization: Bearer <secret>`.\n",
        );
        process.stdout.write(`${secret}\n`);
      },
    );

  token
    .command("list")
    .description("list API tokens, without their secrets")
    .option("--user <name>", "whose tokens (others' need admin or auditor)")
    .option("--all", "every user's tokens (admin, auditor)")
    .option("--json", "print JSON")
    .action(async (options: { user?: string; all?: boolean; json?: boolean }, command: Command) => {
      const filter = {
        ...(options.user ? { user: options.user } : {}),
        ...(options.all ? { all: true } : {}),
      };
      const tokens = await either(command, {
        direct: ({ store, actor }) => listTokens(store, actor, filter),
        remote: async (api) =>
          (
            await api.get<{ tokens: TokenInfo[] }>("/api/tokens", {
              user: options.user,
              ...(options.all ? { all: "true" } : {}),
            })
          ).tokens,
      });
      if (options.json) return printJson(tokens);
      for (const t of tokens) {
        const state = t.revokedAt ? `revoked ${t.revokedAt}` : `expires ${t.expiresAt}`;
        printLine(
          `${t.id}  ${t.user.padEnd(16)} ${(t.scope ? t.scope.join(",") : t.role).padEnd(24)} ${state}${t.label ? `  ${t.label}` : ""}`,
        );
      }
    });

  token
    .command("revoke <id>")
    .description("revoke an API token at once (one's own; an admin's for anyone)")
    .action(async (id: string, _options: unknown, command: Command) => {
      const revoked = await either(command, {
        direct: ({ store, actor }) => revokeToken(store, actor, id, new Date()),
        remote: (api) => api.delete<TokenInfo>(`/api/tokens/${encodeURIComponent(id)}`),
      });
      printLine(`Revoked ${revoked.id} (${revoked.user}).`);
      const mode = currentMode();
      if (mode.kind === "remote" && mode.credentials.tokenId === revoked.id)
        process.stderr.write(
          "That was this login's token: commands through the server are refused until `kaivo login` again.\n",
        );
    });
}
