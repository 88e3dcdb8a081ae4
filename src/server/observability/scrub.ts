import { containsHetuLikeTyped } from "../../identity/free-text.js";
import { scrubText } from "../../identity/scrub.js";

// Longer texts are cut first: the detector's cost grows with the text, and a log needs no more.
const MAX_CHARS = 8000;

// Credentials by shape: Kaivo's API tokens, bearer values, and long runs of base64 or hex (keys,
// hashes of secrets, session ids) that a driver or library may have put into a message.
const SECRET_SHAPES: [RegExp, string][] = [
  [/\bkaivo_[A-Za-z0-9_-]+/g, "[SECRET]"],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, "$1 [SECRET]"],
  [
    /\b(password|passwd|pwd|token|secret|totp|api[_-]?key)(["']?\s*[:=]\s*["']?)[^\s"',;}&]+/gi,
    "$1$2[SECRET]",
  ],
  // Only with a digit in it or base64 padding after it, so a long word or a path in a stack is kept.
  [/(?=[A-Za-z+/_-]*[0-9])[A-Za-z0-9+/_-]{32,}={0,2}/g, "[SECRET]"],
  [/[A-Za-z0-9+/_-]{32,}={1,2}/g, "[SECRET]"],
];

/**
 * Masks what must never reach a log line from an error message or stack: identity codes, names,
 * phone numbers, e-mail and street addresses (the ingest scrubber's detector) and secrets by their
 * shape. A text that still looks like it holds an identity code afterwards is withheld whole.
 */
export function scrubForLog(text: string): string {
  let out = text.length > MAX_CHARS ? `${text.slice(0, MAX_CHARS)} [cut]` : text;
  for (const [shape, mask] of SECRET_SHAPES) out = out.replace(shape, mask);
  out = scrubText(out.normalize("NFKC")).text;
  return containsHetuLikeTyped(out) ? "[withheld: it looked like it held an identity code]" : out;
}
