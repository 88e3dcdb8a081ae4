import { ValidationError } from "../shared/errors.js";
import { askUnseen, readAll } from "./identity-input.js";

/**
 * A password from standard input, never from argv (visible in `ps`, kept in shell history). At a
 * terminal it is asked for twice without echo; piped, it is the input with one trailing newline
 * removed, so `printf %s "$PW" | kaivo user password anna` and `echo "$PW" | ...` both work.
 */
export async function readNewPassword(): Promise<string> {
  if (process.stdin.isTTY) {
    const first = await askUnseen("New password (not shown): ");
    const second = await askUnseen("Again: ");
    if (first !== second)
      throw new ValidationError("The two passwords differ; nothing was changed.");
    return first;
  }
  const text = (await readAll(process.stdin)).replace(/\r?\n$/, "");
  if (!text)
    throw new ValidationError(
      "No password on standard input.",
      "Pipe it in, or run the command at a terminal.",
    );
  if (/[\r\n]/.test(text)) throw new ValidationError("A password is one line.");
  return text;
}
