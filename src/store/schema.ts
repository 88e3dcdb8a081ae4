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
  /** Feasibility queries recorded per budget scope: `application:ID` or `actor:NAME`. */
  feasibility_budget: { scope: string; used: number };
  jobs: JobsTable;
  /** Per Bulk Data source: the `_since` of the next fetch, and an export kicked off but not fetched. */
  fetch_state: {
    source: string;
    since: string | null;
    pending_status_url: string | null;
    pending_since: string | null;
    pending_at: string | null;
    updated_at: string;
  };
  workspace_outputs: WorkspaceOutputsTable;
  output_requests: OutputRequestsTable;
  output_request_items: OutputRequestItemsTable;
  output_reviews: OutputReviewsTable;
  auth_passwords: AuthPasswordsTable;
  auth_throttle: AuthThrottleTable;
  auth_sessions: AuthSessionsTable;
  auth_tokens: AuthTokensTable;
  auth_totp: AuthTotpTable;
  auth_oidc_flows: AuthOidcFlowsTable;
  user_identities: UserIdentitiesTable;
}

/** An argon2id PHC string per local account (src/auth/passwords.ts). */
export interface AuthPasswordsTable {
  user_name: string;
  hash: string;
  updated_at: string;
  updated_by: string;
}

/** Failed sign-ins per `account:NAME` and `address:IP`. */
export interface AuthThrottleTable {
  key: string;
  failures: number;
  last_failure_at: string;
  locked_until: string | null;
}

export interface AuthSessionsTable {
  /** SHA-256 (hex) of the session id; the id itself is only in the user's cookie. */
  id_hash: string;
  user_name: string;
  /** "password" or "oidc". */
  method: string;
  /** 1 once a second factor was verified for this session. */
  second_factor: number;
  created_at: string;
  last_seen_at: string;
  /** The absolute end. */
  expires_at: string;
  ended_at: string | null;
}

export interface AuthTokensTable {
  /** Public id, e.g. `tok_3f9c…`, for listing and revoking. */
  id: string;
  /** SHA-256 (hex) of the secret. */
  secret_hash: string;
  user_name: string;
  /** The user's role when the token was made; a later role change voids the token. */
  role: string;
  /** JSON array of permissions, or null for all of the role's. */
  scope: string | null;
  label: string | null;
  created_at: string;
  created_by: string;
  expires_at: string;
  revoked_at: string | null;
  revoked_by: string | null;
  last_used_at: string | null;
}

export interface AuthTotpTable {
  user_name: string;
  /** AES-256-GCM ciphertext of the base32 secret (src/auth/totp.ts). */
  secret: string;
  /** 1 once a code was verified; an unconfirmed enrolment is not yet a second factor. */
  confirmed: number;
  /** The last time step whose code was accepted; codes of that step or earlier are refused. */
  last_step: number;
  created_at: string;
  created_by: string;
}

/** An OIDC sign-in under way: short-lived, deleted when used. */
export interface AuthOidcFlowsTable {
  state_hash: string;
  /** SHA-256 of the random value in the browser's flow cookie, which binds the flow to it. */
  browser_hash: string;
  nonce: string;
  code_verifier: string;
  created_at: string;
  expires_at: string;
}

/** An identity at an OpenID provider that signs in as a Kaivo user. */
export interface UserIdentitiesTable {
  issuer: string;
  subject: string;
  user_name: string;
  created_at: string;
  created_by: string;
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
  /** The set's key sample (src/disclosure/sample.ts); null on rows made before 0007. */
  sample: string | null;
  /** How many fresh perturbation draws the answer is made of (1: freshly perturbed). */
  weight: Generated<number>;
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

export interface WorkspaceOutputsTable {
  /** `<permit>-o<number>`. */
  id: string;
  permit_id: string;
  number: number;
  name: string;
  /** An analysis kind (frequency, summary, ...) or `file`. */
  kind: string;
  media_type: string;
  /** The file's name inside the permit's workspace outputs folder. */
  file: string;
  sha256: string;
  bytes: number;
  release_id: string | null;
  /** The SHA-256 of the SQL an analysis ran over; null for a free file. */
  sql_sha256: string | null;
  created_by: string;
  created_at: string;
}

export interface OutputRequestsTable {
  /** `<permit>-q<number>`. */
  id: string;
  permit_id: string;
  number: number;
  requester: string;
  context: string;
  /** submitted, approved, changes-requested, rejected, released. */
  status: string;
  policy_version: string;
  /** The automatic checks' overall outcome: pass, review or fail. */
  outcome: string;
  created_at: string;
  decided_at: string | null;
  released_at: string | null;
  /** The released bundle's folder. */
  bundle: string | null;
}

export interface OutputRequestItemsTable {
  request_id: string;
  output_id: string;
  context: string;
  outcome: string;
  /** JSON: the output's check result (src/disclosure/output-checks.ts). */
  check: string;
}

export interface OutputReviewsTable {
  request_id: string;
  reviewer: string;
  /** approve, request-changes, reject. */
  decision: string;
  comment: string;
  visible_to_researcher: number;
  at: string;
}
