import type { Command } from "commander";
import type { Actor } from "../auth/roles.js";
import { resolveActor } from "../auth/users.js";
import { type Home, openHome, resolveHomeDir } from "../home/home.js";
import { isReadOnlyWrite, readOnlyHomeError, readOnlyReason } from "../home/read-only.js";
import { ValidationError } from "../shared/errors.js";
import { printable } from "../shared/printable.js";
import { type ControlStore, openControlStore } from "../store/control-store.js";

export interface CliContext {
  home: Home;
  store: ControlStore;
}

/**
 * Opens the home and its control store for one command, and closes the store afterwards. On a
 * read-only home only commands that say `readOnlyHome` run (status, audit verify); the rest stop
 * before doing anything, and a write refused midway says why.
 */
export async function withStore<T>(
  work: (ctx: CliContext) => Promise<T>,
  options: { readOnlyHome?: boolean } = {},
): Promise<T> {
  const home = openHome(resolveHomeDir());
  const readOnly = readOnlyReason(home);
  if (readOnly && !options.readOnlyHome) throw readOnlyHomeError(home, readOnly);
  const store = await openControlStore(home, { readOnly: readOnly !== undefined });
  try {
    return await work({ home, store });
  } catch (error) {
    if (isReadOnlyWrite(error))
      throw readOnlyHomeError(home, readOnly ?? "the database refused a write");
    throw error;
  } finally {
    await store.close();
  }
}

/** For withStore: the command only reads, so it runs on a read-only home too. */
export const READ_ONLY_HOME = { readOnlyHome: true } as const;

/** The acting user: the global `--as` option, else KAIVO_USER. */
export async function actorFor(command: Command, store: ControlStore): Promise<Actor> {
  const name = (command.optsWithGlobals() as { as?: string }).as ?? process.env.KAIVO_USER;
  return { ...(await resolveActor(store, name)), via: "direct" };
}

/** Prints one line; the user's text in it (names, titles, reasons) has its control characters escaped. */
export function printLine(line = ""): void {
  process.stdout.write(`${printable(line)}\n`);
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Runs `work` as the command's acting user, with the home and control store open. */
export async function withActor<T>(
  command: Command,
  work: (ctx: CliContext & { actor: Actor }) => Promise<T>,
): Promise<T> {
  return withStore(async ({ home, store }) =>
    work({ home, store, actor: await actorFor(command, store) }),
  );
}

/** Parses a load (snapshot) number option. */
export function loadNumber(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new ValidationError("A load (snapshot) number is a whole number from 1.");
  return n;
}
