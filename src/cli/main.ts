#!/usr/bin/env node
import { CommanderError } from "commander";
import { ForbiddenError, KaivoError } from "../shared/errors.js";
import { printable } from "../shared/printable.js";
import { EXIT } from "./exit-codes.js";
import { buildProgram } from "./program.js";

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
