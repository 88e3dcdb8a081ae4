import { personIdentifierProblem } from "../identity/hetu.js";
import type { Vault } from "../identity/vault.js";
import { referenceKey } from "../views/fhirpath.js";

// A clinical record names its patient in one of three ways: a literal reference (`Patient/123`,
// absolute or versioned), a `urn:uuid:` reference (exports that number resources by UUID give
// the Patient that UUID as its id), or a conditional reference by identifier
// (`Patient?identifier=<system>|<value>`), which names the person, not a record of the source.

const CONDITIONAL = "Patient?";

/**
 * The key a record's subject is looked up by: the source's patient id, or the conditional
 * reference itself (resolved by resolveSubject, never stored).
 */
export function subjectKeyOf(reference: unknown): string | undefined {
  if (typeof reference !== "string") return undefined;
  if (reference.startsWith("urn:uuid:")) return reference.slice(9) || undefined;
  if (reference.startsWith(CONDITIONAL)) return reference;
  return referenceKey(reference, "Patient");
}

/** subjectKeyOf in DuckDB SQL, for the VARCHAR expression `ref`: the two must agree. */
export function subjectKeySql(ref: string): string {
  return `nullif(CASE
    WHEN starts_with(${ref}, 'Patient/') AND NOT contains(${ref}[9:], '/') THEN ${ref}[9:]
    WHEN starts_with(${ref}, 'urn:uuid:') THEN ${ref}[10:]
    WHEN starts_with(${ref}, '${CONDITIONAL}') THEN ${ref}
    ELSE regexp_extract(regexp_replace(${ref}, '/_history/[^/]+$', ''), '(?:^|/)Patient/([^/]+)$', 1) END, '')`;
}

/**
 * The person a subject key names: by the source's patient id, or, for a conditional reference
 * by one of the person identifier systems, by that identifier, if a load has registered them.
 */
export function resolveSubject(
  vault: Vault,
  source: string,
  personIdentifierSystems: readonly string[],
  key: string,
): string | undefined {
  if (!key.startsWith(CONDITIONAL)) return vault.findBySource(source, key);
  const identifier = conditionalIdentifier(key);
  if (!identifier || !personIdentifierSystems.includes(identifier.system)) return undefined;
  if (personIdentifierProblem(identifier.system, identifier.value)) return undefined;
  return vault.findPerson(identifier.system, identifier.value);
}

/** `identifier=<system>|<value>` of a conditional reference with that one search parameter. */
function conditionalIdentifier(key: string): { system: string; value: string } | undefined {
  const params = new URLSearchParams(key.slice(CONDITIONAL.length));
  const all = [...params.keys()];
  if (all.length !== 1 || all[0] !== "identifier") return undefined;
  const token = params.get("identifier") ?? "";
  const bar = token.indexOf("|");
  if (bar <= 0 || bar === token.length - 1) return undefined;
  return { system: token.slice(0, bar), value: token.slice(bar + 1) };
}
