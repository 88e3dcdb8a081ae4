import type { Generated } from "kysely";
/** Tables of the control store (users, audit; later permits and jobs). */
export interface ControlDatabase {
  users: UsersTable;
  audit_log: AuditLogTable;
  cohort_definitions: CohortDefinitionsTable;
  permits: PermitsTable;
  permit_events: PermitEventsTable;
  releases: ReleasesTable;
  release_members: { release_id: string; pseudo_id: string };
  optouts: { pseudo_id: string; added_at: string; added_by: string };
  disclosure_ledger: DisclosureLedgerTable;
  jobs: JobsTable;
}

/** Every person set a count was shown for outside the service (see src/disclosure/ledger.ts). */
export interface JobsTable {
  id: Generated<number>;
  kind: string;
  params: string;
  reason: string;
  status: "queued" | "running" | "done" | "failed" | "cancelled";
  requested_by: string;
  requested_role: string;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  attempts: Generated<number>;
  progress: string | null;
  result: string | null;
  error: string | null;
}

export interface DisclosureLedgerTable {
  id: Generated<number>;
  /** "query" (feasibility and other answers to researchers) or "catalog" (published figures). */
  scope: string;
  actor: string;
  application: string | null;
  created_at: string;
  definition_hash: string | null;
  policy: string;
  /** The exact size: the ledger is the service's own, never shown. */
  persons: number;
  sketch: string;
  /** What was shown: a number or `<k`. */
  shown: string;
}

export interface PermitsTable {
  id: string;
  title: string;
  organisation: string;
  legal_basis: string;
  purpose: string;
  principal_investigator: string;
  /** JSON array of user names. */
  team: string;
  applicant: string;
  /** 1 when decided elsewhere (Findata) and registered by a steward. */
  external: number;
  status: string;
  /** JSON: the scope applied for, and the scope granted (narrowed by the reviewer, or the same). */
  requested_scope: string;
  scope: string;
  scope_hash: string;
  decision_date: string | null;
  valid_until: string;
  created_at: string;
  updated_at: string;
}

export interface PermitEventsTable {
  permit_id: string;
  at: string;
  from_status: string | null;
  to_status: string;
  actor: string;
  reason: string;
}

export interface ReleasesTable {
  id: string;
  permit_id: string;
  number: number;
  snapshot: number;
  status: string;
  path: string;
  persons: number;
  rows: number;
  checksum: string;
  created_at: string;
  created_by: string;
}

export interface CohortDefinitionsTable {
  hash: string;
  name: string;
  title: string | null;
  /** The definition as submitted (JSON). */
  definition: string;
  created_at: string;
  created_by: string;
}

export interface UsersTable {
  name: string;
  role: string;
  created_at: string;
  created_by: string;
}

export interface AuditLogTable {
  /** 1, 2, 3, ... with no gaps; bigint on PostgreSQL, which the driver returns as a string. */
  seq: number | string;
  time: string;
  actor: string;
  actor_role: string;
  action: string;
  target: string | null;
  /** Canonical JSON (RFC 8785) of the details object. */
  details: string;
  prev_hash: string;
  hash: string;
}
