import { appendAudit } from "../audit/append.js";
import { ForbiddenError } from "../shared/errors.js";
import type { ControlStore } from "../store/control-store.js";
import { type Actor, ROLES, type Role } from "./roles.js";

/**
 * Who may do what. Each service function names its permission and calls `authorize` first;
 * the CLI and HTTP layers never decide this themselves.
 */
export const PERMISSIONS = {
  "user.add": ["admin"],
  "user.list": ["admin", "auditor"],
  "audit.read": ["auditor", "admin"],
  "audit.verify": ["auditor", "admin"],
  "audit.checkpoint": ["auditor", "admin"],
  "status.read": ROLES,
  "ingest.run": ["steward"],
  // Fetching a FHIR Bulk Data export into the inbox (src/fetch): health data with identifiers.
  "fetch.run": ["steward"],
  "lake.read": ["steward", "auditor"],
  "quarantine.read": ["steward"],
  "quarantine.retry": ["steward"],
  "catalog.read": ROLES,
  "catalog.annotate": ["steward"],
  "catalog.export": ["steward"],
  "vocab.load": ["steward"],
  "quality.read": ["steward", "auditor"],
  "cohort.define": ["researcher", "steward"],
  "cohort.read": ["researcher", "steward", "reviewer", "auditor"],
  "cohort.run": ["steward"],
  "feasibility.run": ["researcher", "steward", "reviewer"],
  "permit.apply": ["researcher"],
  "permit.decide": ["reviewer"],
  "permit.manage": ["steward"],
  "permit.read": ["researcher", "reviewer", "steward", "auditor"],
  "release.create": ["steward"],
  "release.read": ["steward", "auditor"],
  // A permit's team analyses its release; only the people named on the permit (workspace-service.ts).
  "workspace.use": ["researcher"],
  // Output requests (src/outputs/): the team asks, stewards check as output checkers, never on a
  // permit naming them; both read the requests they are part of.
  "output.request": ["researcher"],
  "output.review": ["steward"],
  "output.read": ["researcher", "steward"],
  "optout.manage": ["steward"],
  "transparency.read": ["steward"],
  "job.read": ROLES,
  "job.read.all": ["steward", "auditor", "admin"],
  "job.cancel.any": ["steward", "admin"],
  // Authentication (src/auth): admins set others' passwords and second factors and link OIDC
  // identities; everyone manages their own tokens and sessions. No one mints a token for
  // someone else: it would let an admin act in a steward's role.
  "user.password": ["admin"],
  "user.totp": ["admin"],
  "user.identity": ["admin"],
  "token.create": ROLES,
  "token.list": ROLES,
  "token.revoke": ROLES,
  "token.list-all": ["admin", "auditor"],
  "token.revoke-any": ["admin"],
  "session.end-any": ["admin"],
} as const satisfies Record<string, readonly Role[]>;

export type Permission = keyof typeof PERMISSIONS;

export function isAllowed(role: Role, permission: Permission): boolean {
  return (PERMISSIONS[permission] as readonly Role[]).includes(role);
}

/** Throws ForbiddenError, and records the refusal on the audit log, unless the role allows it. */
export async function authorize(
  store: ControlStore,
  actor: Actor,
  permission: Permission,
): Promise<void> {
  const inScope = !actor.scope || actor.scope.includes(permission);
  if (isAllowed(actor.role, permission) && inScope) return;
  await appendAudit(store, actor, {
    action: "access.denied",
    target: null,
    details: inScope ? { permission } : { permission, reason: "token scope" },
  });
  if (!inScope) {
    throw new ForbiddenError(
      `${actor.name}'s API token does not cover ${permission}.`,
      "Use a token whose scope includes it, or sign in.",
    );
  }
  throw new ForbiddenError(
    `${actor.name} (${actor.role}) may not ${permission}.`,
    `Allowed roles: ${PERMISSIONS[permission].join(", ")}.`,
  );
}
