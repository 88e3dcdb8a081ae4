import { isAllowed, type Permission } from "../auth/permissions.js";
import type { Actor } from "../auth/roles.js";

/**
 * Who may do what on which permit, decided in one place. Every permit transition and every
 * release asks `decide` (through `enforcePermit` in permit-access.ts) before any effect.
 */
export type PermitAction =
  | "draft"
  /** Change a draft's answers (the applicant, while it is a draft). */
  | "edit"
  | "register"
  | "read"
  | "submit"
  | "review"
  | "approve"
  | "reject"
  /** Send an application back to its applicant for changes. */
  | "return"
  | "confirm"
  | "activate"
  | "close"
  | "expire"
  | "release";

export const ACTION_PERMISSION: Record<PermitAction, Permission> = {
  draft: "permit.apply",
  edit: "permit.apply",
  register: "permit.manage",
  read: "permit.read",
  submit: "permit.apply",
  review: "permit.decide",
  approve: "permit.decide",
  reject: "permit.decide",
  return: "permit.decide",
  confirm: "permit.manage",
  activate: "permit.manage",
  close: "permit.manage",
  expire: "permit.manage",
  release: "release.create",
};

/** Actions that decide on, or act for, the people named on a permit: none of them may. */
const FOR_OTHERS: ReadonlySet<PermitAction> = new Set([
  "review",
  "approve",
  "reject",
  "return",
  "confirm",
  "activate",
  "close",
  "release",
]);

/** What the policy needs to know of a permit. */
export interface PermitParties {
  applicant: string;
  principalInvestigator: string;
  team: string[];
  external: boolean;
  /** The steward who registered an external permit; null for an application. */
  registeredBy: string | null;
}

export type RefusalCode =
  /** The role does not have the action's permission. */
  | "role"
  /** The actor may not see the permit: told exactly what they would be told of a missing one. */
  | "not-visible"
  | "not-applicant"
  | "named-on-permit"
  /** The second person confirming an external registration must not be the one who made it. */
  | "own-registration";

export type Decision = { allowed: true } | { allowed: false; code: RefusalCode };

type Named = Pick<PermitParties, "applicant" | "principalInvestigator" | "team">;

export const isNamedOn = (p: Named, name: string) =>
  p.applicant === name || p.principalInvestigator === name || p.team.includes(name);

/** Researchers see the permits they are named on; reviewers, stewards and auditors see all. */
export const maySee = (actor: Actor, p: Named) =>
  isAllowed(actor.role, "permit.read") && (actor.role !== "researcher" || isNamedOn(p, actor.name));

const refuse = (code: RefusalCode): Decision => ({ allowed: false, code });

/**
 * The decision, pure. Without a permit only the role is judged (the permit does not exist yet,
 * or is not known to exist: a missing permit is the caller's not-found).
 */
export function decide(actor: Actor, action: PermitAction, permit?: PermitParties): Decision {
  if (!isAllowed(actor.role, ACTION_PERMISSION[action])) return refuse("role");
  if (!permit) return { allowed: true };
  if (!maySee(actor, permit)) return refuse("not-visible");
  if ((action === "submit" || action === "edit") && actor.name !== permit.applicant)
    return refuse("not-applicant");
  if (FOR_OTHERS.has(action) && isNamedOn(permit, actor.name)) return refuse("named-on-permit");
  if (action === "confirm" && actor.name === permit.registeredBy) return refuse("own-registration");
  return { allowed: true };
}
