import type { Command } from "commander";
import {
  createToken,
  listTokens,
  READ_ONLY_SCOPE,
  revokeToken,
  tokenPolicy,
} from "../../auth/api-tokens.js";
import { ValidationError } from "../../shared/errors.js";
import { actorFor, printJson, printLine, withStore } from "../context.js";

function days(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new ValidationError("--expires takes a whole number of days from 1.");
  return n;
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
        await withStore(async ({ home, store }) => {
          const actor = await actorFor(command, store);
          const scope = options.scope
            ?.split(",")
            .map((s) => s.trim())
            .filter(Boolean);
          const { token: info, secret } = await createToken(
            store,
            actor,
            {
              ...(options.user ? { user: options.user } : {}),
              ...(options.expires ? { expiresDays: options.expires } : {}),
              ...(scope ? { scope } : {}),
              ...(options.label ? { label: options.label } : {}),
            },
            tokenPolicy(home.config.auth),
            new Date(),
          );
          // The secret alone on stdout, so it can be piped into a secret store; the rest on stderr.
          process.stderr.write(
            `Token ${info.id} for ${info.user} (${info.scope ? info.scope.join(", ") : `all of ${info.role}`}), expires ${info.expiresAt}.\n` +
              "The secret below is shown only now; send it as `Authorization: Bearer <secret>`.\n",
          );
          process.stdout.write(`${secret}\n`);
        });
      },
    );

  token
    .command("list")
    .description("list API tokens, without their secrets")
    .option("--user <name>", "whose tokens (others' need admin or auditor)")
    .option("--all", "every user's tokens (admin, auditor)")
    .option("--json", "print JSON")
    .action(async (options: { user?: string; all?: boolean; json?: boolean }, command: Command) => {
      await withStore(async ({ store }) => {
        const tokens = await listTokens(store, await actorFor(command, store), {
          ...(options.user ? { user: options.user } : {}),
          ...(options.all ? { all: true } : {}),
        });
        if (options.json) return printJson(tokens);
        for (const t of tokens) {
          const state = t.revokedAt ? `revoked ${t.revokedAt}` : `expires ${t.expiresAt}`;
          printLine(
            `${t.id}  ${t.user.padEnd(16)} ${(t.scope ? t.scope.join(",") : t.role).padEnd(24)} ${state}${t.label ? `  ${t.label}` : ""}`,
          );
        }
      });
    });

  token
    .command("revoke <id>")
    .description("revoke an API token at once (one's own; an admin's for anyone)")
    .action(async (id: string, _options: unknown, command: Command) => {
      await withStore(async ({ store }) => {
        const revoked = await revokeToken(store, await actorFor(command, store), id, new Date());
        process.stdout.write(`Revoked ${revoked.id} (${revoked.user}).\n`);
      });
    });
}
