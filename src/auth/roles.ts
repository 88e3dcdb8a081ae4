/**
 * Roles separate duties: no one role can both approve data use and extract the data, and the
 * people who review the audit log are not the ones who administer accounts.
 */
export const ROLES = ["steward", "researcher", "reviewer", "auditor", "admin"] as const;
export type Role = (typeof ROLES)[number];

export const ROLE_DESCRIPTIONS: Record<Role, string> = {
  steward: "data-service specialist: loads data, curates the catalog, prepares releases",
  researcher: "defines cohorts, asks for counts, analyses released data",
  reviewer: "decides on permit applications",
  auditor: "reads and verifies the audit log",
  admin: "manages user accounts and the deployment",
};

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/** Someone acting in Kaivo: every service function takes one and checks it. */
export interface Actor {
  readonly name: string;
  readonly role: Role;
  /**
   * How the actor came to act when it is not an authenticated login: "direct" for `--as` on the
   * host, which every audit entry then says.
   */
  readonly via?: "direct";
  /**
   * Set when acting through an API token narrowed to some of the role's permissions
   * (src/auth/api-tokens.ts); `authorize` then refuses the rest. Absent: the whole role.
   */
  readonly scope?: readonly string[];
}

/** Roles whose local sign-in needs a second factor: they can read exact data, keys' state or the log. */
export const SECOND_FACTOR_ROLES: readonly Role[] = ["steward", "admin", "auditor"];

export function needsSecondFactor(role: Role): boolean {
  return SECOND_FACTOR_ROLES.includes(role);
}

/** Kaivo itself, for actions no user performs (creating the home and its first admin). */
export const SYSTEM_ACTOR = { name: "system", role: "system" } as const;
export type AuditActor = Actor | typeof SYSTEM_ACTOR;
