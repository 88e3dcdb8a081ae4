import type { Command } from "commander";
import { linkIdentity } from "../../auth/oidc.js";
import { setPassword } from "../../auth/passwords.js";
import { authorize } from "../../auth/permissions.js";
import { ROLE_DESCRIPTIONS, ROLES } from "../../auth/roles.js";
import { endAllSessions } from "../../auth/sessions.js";
import { enrolTotp, totpKey } from "../../auth/totp.js";
import { addUser, listUsers } from "../../auth/users.js";
import { printable } from "../../shared/printable.js";
import { actorFor, printJson, printLine, withStore } from "../context.js";
import { either } from "../mode.js";
import { readNewPassword } from "../secret-input.js";

export function registerUser(program: Command): void {
  const user = program.command("user").description("manage user accounts and their roles (admin)");

  user
    .command("add <name>")
    .description("add a user account with one role")
    .requiredOption(
      "--role <role>",
      `one of: ${ROLES.map((r) => `${r} (${ROLE_DESCRIPTIONS[r]})`).join("; ")}`,
    )
    .action(async (name: string, options: { role: string }, command: Command) => {
      const added = await either(command, {
        direct: ({ store, actor }) => addUser(store, actor, { name, role: options.role }),
        remote: (api) =>
          api.post<Awaited<ReturnType<typeof addUser>>>("/api/users", {
            name,
            role: options.role,
          }),
      });
      process.stdout.write(`Added ${printable(added.name)} (${added.role}).\n`);
    });

  user
    .command("list")
    .description("list user accounts")
    .option("--json", "print JSON")
    .action(async (options: { json?: boolean }, command: Command) => {
      const users = await either(command, {
        direct: ({ store, actor }) => listUsers(store, actor),
        remote: async (api) =>
          (await api.get<{ users: Awaited<ReturnType<typeof listUsers>> }>("/api/users")).users,
      });
      if (options.json) return printJson(users);
      for (const u of users)
        printLine(
          `${u.name.padEnd(24)} ${u.role.padEnd(10)} added ${u.createdAt} by ${u.createdBy}`,
        );
    });

  user
    .command("password <name>")
    .description("set a user's local password, read from standard input (never an argument)")
    .action(async (name: string, _options: unknown, command: Command) => {
      await withStore(async ({ store }) => {
        // Checked before reading, so a refused caller is not asked for a password.
        const actor = await actorFor(command, store);
        await authorize(store, actor, "user.password");
        await setPassword(store, actor, name, await readNewPassword());
        process.stdout.write(`Password set for ${name}.\n`);
      });
    });

  user
    .command("totp <name>")
    .description("enrol a TOTP authenticator for a user; prints the otpauth:// URI once")
    .action(async (name: string, _options: unknown, command: Command) => {
      await withStore(async ({ home, store }) => {
        const actor = await actorFor(command, store);
        const { uri } = await enrolTotp(store, actor, name, totpKey(home), {
          issuer: home.config.auth.totp.issuer,
          now: new Date(),
        });
        process.stderr.write(
          `TOTP enrolled for ${name}. Give this URI (or a QR code of it) to ${name} only; it is not shown again.\n` +
            "It counts as a second factor once the first code from it is accepted at sign-in.\n",
        );
        process.stdout.write(`${uri}\n`);
      });
    });

  user
    .command("link <name>")
    .description("let an identity at the OpenID provider sign in as this user, in the user's role")
    .requiredOption("--issuer <url>", "the provider's issuer URL")
    .requiredOption("--subject <sub>", "the identity's `sub` claim")
    .action(
      async (name: string, options: { issuer: string; subject: string }, command: Command) => {
        await withStore(async ({ store }) => {
          await linkIdentity(
            store,
            await actorFor(command, store),
            { user: name, issuer: options.issuer, subject: options.subject },
            new Date(),
          );
          process.stdout.write(`Linked the identity to ${name}.\n`);
        });
      },
    );

  user
    .command("logout <name>")
    .description("end every session of a user at once (oneself, or an admin for anyone)")
    .action(async (name: string, _options: unknown, command: Command) => {
      const ended = await either(command, {
        direct: ({ store, actor }) => endAllSessions(store, actor, name, new Date()),
        remote: async (api) =>
          (await api.post<{ sessions: number }>(`/api/users/${encodeURIComponent(name)}/logout`))
            .sessions,
      });
      printLine(`Ended ${ended} session${ended === 1 ? "" : "s"} of ${name}.`);
    });
}
