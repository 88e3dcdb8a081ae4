import { ValidationError } from "../shared/errors.js";
import { containsHetuInText } from "./hetu-in-text.js";
import { UNICODE_DASHES } from "./identifier-patterns.js";
import { type RedactionType, scrubText } from "./scrub.js";

const KIND_WORDS: Record<RedactionType, string> = {
  HETU: "a personal identity code",
  NAME: "a person's name",
  PHONE: "a phone number",
  EMAIL: "an e-mail address",
  ADDRESS: "a street address",
  ID: "an identifier number",
};

const DASHES = new RegExp(`[${UNICODE_DASHES}]`, "g");

/** Whether the text holds something shaped like a hetu, however its dash or digits were typed. */
export function containsHetuLikeTyped(text: string): boolean {
  return containsHetuInText(text.normalize("NFKC"));
}

export interface FreeTextRules {
  /**
   * Take two capitalised words for a name only after a cue ("Potilas", "Dr"): for fields that
   * are often named after people, such as organisations ("Emil Aaltonen Foundation").
   */
  namesOnlyAfterCues?: boolean;
}

/** The kinds of direct identifier in a text typed by a user, in a fixed order; empty if none. */
export function identifierKindsIn(text: string, rules: FreeTextRules = {}): RedactionType[] {
  const normalised = text.normalize("NFKC").replace(DASHES, "-");
  const found = new Set<RedactionType>();
  if (containsHetuLikeTyped(text)) found.add("HETU");
  const scrubbed = scrubText(normalised, { namesOnlyAfterCues: rules.namesOnlyAfterCues });
  for (const kind of Object.keys(scrubbed.redactions)) found.add(kind as RedactionType);
  return (Object.keys(KIND_WORDS) as RedactionType[]).filter((kind) => found.has(kind));
}

/**
 * Refuses free text a user typed (reasons, comments, titles, descriptions) before it lands on a
 * permit, the audit log, the catalog or its public export, if it holds a direct identifier. Keys
 * are what the text is, e.g. "review reason". The error names the field and the kind of
 * identifier, never the text: the error itself is printed and may be logged.
 */
export function assertNoIdentifyingText(
  fields: Record<string, string | null | undefined>,
  rules: FreeTextRules = {},
): void {
  for (const [field, text] of Object.entries(fields)) {
    if (!text) continue;
    const kinds = identifierKindsIn(text, rules);
    if (kinds.length === 0) continue;
    const words = kinds.map((k) => KIND_WORDS[k]);
    const list =
      words.length === 1 ? words[0] : `${words.slice(0, -1).join(", ")} and ${words.at(-1)}`;
    throw new ValidationError(
      `The ${field} contains ${list}; remove it.`,
      "Free text is kept for good and shown to auditors and data subjects: refer to people by pseudo-ID or role, never by name, code or contact details.",
    );
  }
}
