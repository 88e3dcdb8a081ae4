import type { Command } from "commander";
import { ROLE_DESCRIPTIONS, ROLES } from "../../auth/roles.js";
import { addUser, listUsers } from "../../auth/users.js";
import { actorFor, printJson, withStore } from "../context.js";

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
      await withStore(async ({ store }) => {
        const added = await addUser(store, await actorFor(command, store), {
          name,
          role: options.role,
        });
        process.stdout.write(`Added ${added.name} (${added.role}).\n`);
      });
    });

  user
    .command("list")
    .description("list user accounts")
    .option("--json", "print JSON")
    .action(async (options: { json?: boolean }, command: Command) => {
      await withStore(async ({ store }) => {
        const users = await listUsers(store, await actorFor(command, store));
        if (options.json) return printJson(users);
        for (const u of users) {
          process.stdout.write(
            `${u.name.padEnd(24)} ${u.role.padEnd(10)} added ${u.createdAt} by ${u.createdBy}\n`,
          );
        }
      });
    });
}
