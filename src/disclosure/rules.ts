import type { Role } from "../auth/roles.js";

/**
 * Roles that see exact counts: stewards work inside the data service under its own duty of
 * secrecy. Everyone else sees counts through the disclosure engine (src/disclosure/engine.ts).
 */
const EXACT_ROLES: readonly Role[] = ["steward"];

export function seesExactCounts(role: Role): boolean {
  return EXACT_ROLES.includes(role);
}
