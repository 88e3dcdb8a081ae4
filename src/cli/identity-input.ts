import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { Writable } from "node:stream";
import { type Command, CommanderError } from "commander";
import { NotFoundError, ValidationError } from "../shared/errors.js";
import { EXIT } from "./exit-codes.js";

/**
 * Identity codes never come as arguments: a command line is visible to every user in `ps` and
 * stays in shell history. A command that takes them allows excess arguments only to refuse them
 * here with a reason, and without repeating them.
 */
export function refuseCodeArguments(command: Command, example: string): void {
  if (command.args.length === 0) return;
  const message =
    "identity codes are not taken as arguments: a command line is visible to others (ps) and kept in shell history.";
  process.stderr.write(
    `kaivo: ${message}\n` +
      `  Give them on standard input, one per line (\`${example}\`), or with --file FILE; typed at a terminal, a code is not shown.\n` +
      "  If you typed a code on the command line, remove it from your shell history.\n",
  );
  throw new CommanderError(EXIT.usage, "kaivo.codeArgument", message);
}

/** Identity codes, one a line, from `file` or standard input; at a terminal, asked for unseen. */
export async function readIdentityCodes(file: string | undefined): Promise<string[]> {
  let text: string;
  if (file) {
    try {
      text = readFileSync(file, "utf8");
    } catch {
      throw new NotFoundError(`Cannot read ${file}.`);
    }
  } else if (process.stdin.isTTY) text = await askUnseen("Identity code (not shown): ");
  else text = await readAll(process.stdin);
  const codes = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean);
  if (codes.length === 0)
    throw new ValidationError(
      `No identity code ${file ? `in ${file}` : "on standard input"}.`,
      "Give one per line on standard input or in --file FILE.",
    );
  return codes;
}

export async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * One line from the terminal, with echo off: readline puts the terminal in raw mode and writes
 * what is typed to a sink. The prompt comes after, so nothing typed once it shows is echoed.
 */
export function askUnseen(prompt: string): Promise<string> {
  const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
  const rl = createInterface({ input: process.stdin, output: sink, terminal: true });
  process.stderr.write(prompt);
  return new Promise((resolve, reject) => {
    rl.once("line", (line) => {
      rl.close();
      process.stderr.write("\n");
      resolve(line);
    });
    rl.once("SIGINT", () => {
      rl.close();
      process.stderr.write("\n");
      reject(new ValidationError("Cancelled; nothing was changed."));
    });
  });
}
