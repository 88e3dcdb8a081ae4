/** Tables of the control store (users, audit; later permits and jobs). */
export interface ControlDatabase {
  users: UsersTable;
  audit_log: AuditLogTable;
  cohort_definitions: CohortDefinitionsTable;
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
