import { checkCharacter } from "./hetu.js";
import { JS_PATTERNS } from "./identifier-patterns.js";

/**
 * Replaces every identity code in a text however it was written: with any century sign or dash,
 * spaces around it, or (when its check character validates) no sign at all.
 */
export function replaceHetusInText(text: string, replacement: () => string): string {
  return text
    .replace(JS_PATTERNS.hetuSeparated(), replacement)
    .replace(JS_PATTERNS.hetuUnseparated(), (match, date: string, individual: string, check) =>
      checkCharacter(date, individual) === String(check).toUpperCase() ? replacement() : match,
    );
}

/** Whether a text holds an identity code in any written form (see replaceHetusInText). */
export function containsHetuInText(text: string): boolean {
  let found = false;
  replaceHetusInText(text, () => {
    found = true;
    return "";
  });
  return found;
}
