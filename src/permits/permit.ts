import type { Actor } from "../auth/roles.js";
import type { Home } from "../home/home.js";
import { NotFoundError } from "../shared/errors.js";
import type { ControlStore } from "../store/control-store.js";
import type { PermitsTable } from "../store/schema.js";
import type { Scope } from "./scope.js";

export interface Ctx {
  home: Home;
  store: ControlStore;
  actor: Actor;
}

/**
 * `closing` and `expiring` are a close or an expiry decided and audited whose key and release
 * files are still being destroyed: a rerun of the command finishes them. Neither is ever active.
 */
export type PermitStatus =
  | "draft"
  | "submitted"
  | "in_review"
  | "approved"
  | "rejected"
  | "registered"
  | "active"
  | "closing"
  | "closed"
  | "expiring"
  | "expired";

export interface Permit {
  id: string;
  title: string;
  organisation: string;
  legalBasis: string;
  purpose: string;
  principalInvestigator: string;
  team: string[];
  applicant: string;
  external: boolean;
  status: PermitStatus;
  requestedScope: Scope;
  scope: Scope;
  scopeHash: string;
  decisionDate: string | null;
  validUntil: string;
  createdAt: string;
  updatedAt: string;
}

export function permitFromRow(r: PermitsTable): Permit {
  return {
    id: r.id,
    title: r.title,
    organisation: r.organisation,
    legalBasis: r.legal_basis,
    purpose: r.purpose,
    principalInvestigator: r.principal_investigator,
    team: JSON.parse(r.team) as string[],
    applicant: r.applicant,
    external: r.external === 1,
    status: r.status as PermitStatus,
    requestedScope: JSON.parse(r.requested_scope) as Scope,
    scope: JSON.parse(r.scope) as Scope,
    scopeHash: r.scope_hash,
    decisionDate: r.decision_date,
    validUntil: r.valid_until,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** The one message for a permit that does not exist and for one the actor may not see. */
export const noSuchPermit = (id: string) =>
  new NotFoundError(`No permit ${id}.`, "See `kaivo permit list`.");

export async function findPermit(store: ControlStore, id: string): Promise<Permit | undefined> {
  const row = await store.db
    .selectFrom("permits")
    .selectAll()
    .where("id", "=", id)
    .executeTakeFirst();
  return row ? permitFromRow(row) : undefined;
}

/** A permit by id, with no access check: for services that have made theirs. */
export async function getPermit(store: ControlStore, id: string): Promise<Permit> {
  const permit = await findPermit(store, id);
  if (!permit) throw noSuchPermit(id);
  return permit;
}
