import { containsHetuLikeTyped } from "../identity/free-text.js";
import { ValidationError } from "../shared/errors.js";

/**
 * The audit log is read by auditors and shown to patients asking what was done with their data,
 * so it must never hold a personal identity code. Rejects any string (at any depth) that looks
 * like one; the error names where, never what.
 */
export function assertNoIdentifiers(value: unknown, path: string): void {
  if (typeof value === "string") {
    if (containsHetuLikeTyped(value)) {
      throw new ValidationError(
        `Refusing to write an audit entry: ${path} contains something that looks like a personal identity code.`,
        "Refer to people by lake pseudo-ID, never by identity code.",
      );
    }
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => {
      assertNoIdentifiers(item, `${path}[${i}]`);
    });
  } else if (value !== null && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) {
      assertNoIdentifiers(key, `${path} key`);
      assertNoIdentifiers(item, `${path}.${key}`);
    }
  }
}
