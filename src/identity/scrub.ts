import { detectIdentifiers, type RedactionType, type ScrubContext } from "./detect.js";

export type { RedactionType, ScrubContext } from "./detect.js";

export interface ScrubResult {
  text: string;
  redactions: Partial<Record<RedactionType, number>>;
}

/**
 * Removes direct identifiers from free text before it is stored (see detectIdentifiers): each is
 * replaced by a typed placeholder and counted.
 */
export function scrubText(input: string, context: ScrubContext = {}): ScrubResult {
  const redactions: Partial<Record<RedactionType, number>> = {};
  let text = "";
  let at = 0;
  for (const span of detectIdentifiers(input, context)) {
    redactions[span.type] = (redactions[span.type] ?? 0) + 1;
    text += `${input.slice(at, span.start)}[${span.type}]`;
    at = span.end;
  }
  return { text: text + input.slice(at), redactions };
}
