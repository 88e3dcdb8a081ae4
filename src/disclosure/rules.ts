import type { Role } from "../auth/roles.js";

/**
 * Statistical disclosure control for counts shown outside the data service. One rule for every
 * capability (catalog profiles, feasibility): a count from 0 to k-1 is shown as `<k`, since a zero
 * told apart from a small count lets a researcher bisect a small group down to one person.
 * Stewards work inside the service and see exact figures.
 */
export interface DisclosureRule {
  /** Smallest count shown as a number (k). */
  minCount: number;
}

/** Roles that see exact counts: they work inside the data service under its own duty of secrecy. */
const EXACT_ROLES: readonly Role[] = ["steward"];

export function seesExactCounts(role: Role): boolean {
  return EXACT_ROLES.includes(role);
}
