import { scrubText } from "../identity/scrub.js";

/** FHIR elements that hold who a person is, whatever their content. */
const IDENTIFYING = new Set([
  "name",
  "identifier",
  "telecom",
  "address",
  "contact",
  "photo",
  "link",
]);
const MASK = "[MASKED]";

/**
 * A quarantined record as the network may see it: its structure and every value a steward needs
 * to see why it failed, with the elements that identify a person masked and identifiers in any
 * other text replaced (the note scrubber's detector). A line that is not JSON is scrubbed as text.
 * The raw line stays in the vault, readable on the host (`kaivo quarantine show`).
 */
export function maskedRecord(raw: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return scrubText(raw).text;
  }
  return JSON.stringify(mask(parsed, false));
}

function mask(value: unknown, identifying: boolean): unknown {
  if (typeof value === "string") return identifying ? MASK : scrubText(value).text;
  if (typeof value === "number" || typeof value === "boolean" || value === null)
    return identifying && typeof value === "number" ? MASK : value;
  if (Array.isArray(value)) return value.map((v) => mask(v, identifying));
  if (typeof value === "object")
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => [
        k,
        mask(v, identifying || IDENTIFYING.has(k) || k === "birthDate"),
      ]),
    );
  return value;
}
