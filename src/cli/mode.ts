import type { Command } from "commander";
import type { Actor } from "../auth/roles.js";
import { KaivoError, ValidationError } from "../shared/errors.js";
import { actorFor, type CliContext, withStore } from "./context.js";
import { LoginRequiredError, RemoteApi } from "./remote/client.js";
import { type Credentials, readCredentials } from "./remote/credentials.js";

/**
 * How a command runs: against the server as the logged-in user (a credentials file exists, see
 * `kaivo login`), or directly on the home as today (the host's admin and stewards).
 */
export type Mode = { kind: "direct" } | { kind: "remote"; credentials: Credentials };

/**
 * Commands that run through the server when logged in. Every other command that opens the home
 * is refused then, in one place (`guardMode`), rather than each command checking for itself.
 */
export const REMOTE_COMMANDS: ReadonlySet<string> = new Set([
  "status",
  "catalog list",
  "catalog show",
  "catalog search",
  "catalog annotate",
  "feasibility",
  "ingest",
  "fetch",
  "job list",
  "job show",
  "job cancel",
  "job watch",
  "whoami",
  "cohort validate",
  "cohort explain",
  "cohort sql",
  "cohort list",
  "quality report",
  "lake snapshots",
  "lake tables",
  "quarantine list",
  "permit list",
  "permit show",
  "release list",
  "optout list",
  "vocab lookup",
  "audit tail",
  "cohort run",
  "release create",
  "quarantine retry",
  "quarantine show",
  "permit draft",
  "permit submit",
  "permit review",
  "permit approve",
  "permit reject",
  "permit confirm",
  "permit activate",
  "permit close",
  "permit register",
  "permits expire",
  "optout add",
  "optout remove",
  "transparency",
  "audit verify",
  "audit checkpoint",
  "user add",
  "user list",
  "user logout",
  "token create",
  "token list",
  "token revoke",
  "catalog export",
  "vocab load",
]);

/**
 * Commands for the host's admin in direct mode only, with why: refused while logged in with a
 * message that says so (not "yet": they are not meant to run through the server).
 */
export const HOST_ONLY_COMMANDS: ReadonlyMap<string, string> = new Map([
  [
    "user password",
    "it sets another user's password, a secret that should not cross the network on an admin's token",
  ],
  [
    "user totp",
    "it prints another user's authenticator secret; a user enrols their own at sign-in (POST /api/auth/totp/enrol)",
  ],
  [
    "workspace sql",
    "its API route is not built yet (a later slice of the workspace, with the portal's notebook)",
  ],
  [
    "workspace list",
    "its API route is not built yet (a later slice of the workspace, with the portal's notebook)",
  ],
  [
    "workspace analyse",
    "its API route is not built yet (a later slice of the workspace, with the portal's notebook)",
  ],
  [
    "workspace output add",
    "its API route is not built yet (a later slice of the workspace, with the portal's notebook)",
  ],
  [
    "workspace output list",
    "its API route is not built yet (a later slice of the workspace, with the portal's notebook)",
  ],
  [
    "workspace output request",
    "its API route is not built yet (a later slice of the workspace, with the portal's notebook)",
  ],
  [
    "workspace output requests",
    "its API route is not built yet (a later slice of the workspace, with the portal's notebook)",
  ],
  [
    "workspace output show",
    "its API route is not built yet (a later slice of the workspace, with the portal's notebook)",
  ],
  [
    "workspace output review",
    "its API route is not built yet (a later slice of the workspace, with the portal's notebook)",
  ],
  [
    "workspace output release",
    "its API route is not built yet (a later slice of the workspace, with the portal's notebook)",
  ],
  [
    "workspace output verify",
    "its API route is not built yet (a later slice of the workspace, with the portal's notebook)",
  ],
  [
    "user link",
    "it lets an outside identity sign in as a user: set up on the host with the OpenID provider's configuration",
  ],
]);

/** Commands that open no home and act as no user, so they run the same in either mode. */
export const LOCAL_COMMANDS: ReadonlySet<string> = new Set([
  "login",
  "logout",
  "synth",
  "demo",
  "init",
  "serve",
  "view validate",
  "view run",
  "cohort schema",
]);

let cached: Mode | undefined;

/** The mode of this process, read once. */
export function currentMode(): Mode {
  if (!cached) {
    const credentials = readCredentials();
    cached = credentials ? { kind: "remote", credentials } : { kind: "direct" };
  }
  return cached;
}

/** `catalog list` for the command `kaivo catalog list`. */
export function commandPath(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(" ");
}

/**
 * Runs before every command's action: with a login, refuses `--as` and commands that do not run
 * through the server yet.
 */
export function guardMode(actionCommand: Command): void {
  const path = commandPath(actionCommand);
  // These never act as a user, so a login (or a broken credentials file) does not concern them.
  if (LOCAL_COMMANDS.has(path)) return;
  const mode = currentMode();
  if (mode.kind === "direct") return;
  const { server, user } = mode.credentials;
  if ((actionCommand.optsWithGlobals() as { as?: string }).as !== undefined)
    throw new ValidationError(
      `--as is for direct mode on the host; you are logged in to ${server} as ${user}.`,
      "`kaivo logout` to use direct mode.",
    );
  if (REMOTE_COMMANDS.has(path)) return;
  const why = HOST_ONLY_COMMANDS.get(path);
  if (why)
    throw new KaivoError(
      `\`kaivo ${path}\` runs only on the host, in direct mode: ${why}.`,
      `You are logged in to ${server} as ${user}; an admin runs it on the host (\`kaivo logout\` there first if logged in).`,
    );
  throw new KaivoError(
    `\`kaivo ${path}\` does not run through the server yet; run it on the host in direct mode.`,
    `You are logged in to ${server} as ${user}; \`kaivo logout\` to use direct mode here.`,
  );
}

/** The API as the logged-in user; refuses a token known to have expired without asking. */
export function remoteApi(credentials: Credentials): RemoteApi {
  if (credentials.expiresAt && Date.parse(credentials.expiresAt) <= Date.now())
    throw new LoginRequiredError(
      `Your login to ${credentials.server} expired at ${credentials.expiresAt}.`,
      `Log in again with \`kaivo login --server ${credentials.server}\`.`,
    );
  return new RemoteApi(credentials.server, credentials.token);
}

export interface Either<T> {
  /** Direct mode: the service on the home, as the `--as` (or KAIVO_USER) user. */
  direct: (ctx: CliContext & { actor: Actor }) => Promise<T>;
  /** Remote mode: the same data from the server's API, as the logged-in user. */
  remote: (api: RemoteApi, credentials: Credentials) => Promise<T>;
}

/**
 * Gets a command's data in whichever mode this process is in, so the command presents it with
 * one piece of code. The remote part answers with the route's JSON, which is the service's.
 */
export async function either<T>(
  command: Command,
  ways: Either<T>,
  options: { readOnlyHome?: boolean } = {},
): Promise<T> {
  const mode = currentMode();
  if (mode.kind === "remote") return ways.remote(remoteApi(mode.credentials), mode.credentials);
  return withStore(
    async (ctx) => ways.direct({ ...ctx, actor: await actorFor(command, ctx.store) }),
    options,
  );
}
