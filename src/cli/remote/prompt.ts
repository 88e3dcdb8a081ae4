import { createInterface } from "node:readline";
import { ValidationError } from "../../shared/errors.js";

/**
 * Secrets come from standard input, never from arguments (which other users see in `ps` and
 * shells keep in history). On a terminal: a prompt without echo; otherwise one line each.
 */
let lines: AsyncIterator<string> | undefined;
let closeLines: (() => void) | undefined;

async function nextLine(what: string): Promise<string> {
  if (!lines) {
    const rl = createInterface({ input: process.stdin, terminal: false });
    lines = rl[Symbol.asyncIterator]();
    closeLines = () => rl.close();
  }
  const next = await lines.next();
  if (next.done)
    throw new ValidationError(
      `Standard input ended before the ${what}.`,
      `Give the ${what} on a line of its own on standard input.`,
    );
  return next.value.replace(/\r$/, "");
}

function readHidden(prompt: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(prompt);
  return new Promise((resolve, reject) => {
    let value = "";
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding("utf8");
    const done = (error?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off("data", onData);
      process.stderr.write("\n");
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === "\r" || ch === "\n") return done();
        if (ch === "\u0003") return done(new ValidationError("Cancelled."));
        if (ch === "\u0004" && value === "") return done(new ValidationError("Cancelled."));
        if (ch === "\u007f" || ch === "\b") value = value.slice(0, -1);
        else if (ch >= " ") value += ch;
      }
    };
    stdin.on("data", onData);
  });
}

/** Reads a secret (password, TOTP code, token): hidden on a terminal, else the next stdin line. */
export async function readSecret(what: string, prompt: string): Promise<string> {
  const value = process.stdin.isTTY ? await readHidden(prompt) : await nextLine(what);
  if (value === "") throw new ValidationError(`The ${what} is empty.`);
  return value;
}

/** Lets the process end once the secrets are read. */
export function doneReading(): void {
  closeLines?.();
  lines = undefined;
  closeLines = undefined;
}
