#!/usr/bin/env node
import { readFileSync } from "node:fs";
import { Command, CommanderError } from "commander";
import { ForbiddenError, KaivoError } from "../shared/errors.js";
import { printable } from "../shared/printable.js";
import { registerAudit } from "./commands/audit.js";
import { registerCatalog } from "./commands/catalog.js";
import { registerCohort } from "./commands/cohort.js";
import { registerDemo } from "./commands/demo.js";
import { registerIngest } from "./commands/ingest.js";
import { registerInit } from "./commands/init.js";
import { registerJob } from "./commands/job.js";
import { registerLogin } from "./commands/login.js";
import { registerPermits } from "./commands/permit.js";
import { registerServe } from "./commands/serve.js";
import { registerStatus } from "./commands/status.js";
import { registerSynth } from "./commands/synth.js";
import { registerToken } from "./commands/token.js";
import { registerUser } from "./commands/user.js";
import { registerView } from "./commands/view.js";
import { EXIT } from "./exit-codes.js";
import { guardMode } from "./mode.js";

const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
  version: string;
};

export function buildProgram(): Command {
  const program = new Command()
    .name("kaivo")
    .description("Kaivo: a research data service for secondary use of hospital health data")
    .version(pkg.version)
    .option("--as <user>", "act as this user, in direct mode (default: $KAIVO_USER)")
    .showHelpAfterError()
    .exitOverride()
    // Logged in, commands run on the server: the ones that do not yet are refused here, once.
    .hook("preAction", (_program, actionCommand) => guardMode(actionCommand));
  registerDemo(program);
  registerInit(program);
  registerStatus(program);
  registerUser(program);
  registerAudit(program);
  registerSynth(program);
  registerView(program);
  registerIngest(program);
  registerCatalog(program);
  registerCohort(program);
  registerPermits(program);
  registerServe(program);
  registerToken(program);
  registerLogin(program);
  registerJob(program);
  return program;
}

// A closed pipe (`kaivo ... | head`) is the reader's choice, not an error.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(0);
  throw error;
});

async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    process.exitCode = exitCodeFor(error);
  }
}

/** Messages carry the user's text (file names, keys, values): escaped, keeping our own lines. */
const printableLines = (text: string) => text.split("\n").map(printable).join("\n");

function exitCodeFor(error: unknown): number {
  if (error instanceof CommanderError) {
    // Commander has already printed help, the version or the usage error.
    return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  if (error instanceof KaivoError) {
    process.stderr.write(`kaivo: ${printableLines(error.message)}\n`);
    if (error.hint) process.stderr.write(`  ${printableLines(error.hint)}\n`);
    return error instanceof ForbiddenError ? EXIT.forbidden : EXIT.error;
  }
  process.stderr.write(
    `kaivo: unexpected error (a bug; please report it):\n${printableLines((error as Error)?.stack ?? String(error))}\n`,
  );
  return EXIT.error;
}

await main(process.argv);
