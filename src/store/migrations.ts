import { type Kysely, type Migration, type MigrationProvider, sql } from "kysely";
import { ROLES } from "../auth/roles.js";
import type { Dialect } from "./dialect.js";

/**
 * Versioned migrations, in code so they ship inside dist/. Names sort in the order they run;
 * never edit one that has been released, add a new one.
 */
export function migrationsFor(dialect: Dialect): Record<string, Migration> {
  return {
    "0001_users_and_audit": {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable("users")
          .addColumn("name", "text", (c) => c.primaryKey())
          .addColumn("role", "text", (c) =>
            c.notNull().check(sql`role in (${sql.join(ROLES.map((r) => sql.lit(r)))})`),
          )
          .addColumn("created_at", "text", (c) => c.notNull())
          .addColumn("created_by", "text", (c) => c.notNull())
          .execute();

        await db.schema
          .createTable("audit_log")
          .addColumn("seq", dialect === "postgres" ? "bigint" : "integer", (c) => c.primaryKey())
          .addColumn("time", "text", (c) => c.notNull())
          .addColumn("actor", "text", (c) => c.notNull())
          .addColumn("actor_role", "text", (c) => c.notNull())
          .addColumn("action", "text", (c) => c.notNull())
          .addColumn("target", "text")
          .addColumn("details", "text", (c) => c.notNull())
          .addColumn("prev_hash", "text", (c) => c.notNull())
          .addColumn("hash", "text", (c) => c.notNull().unique())
          .execute();

        // Append-only in the database too, so a bug or a careless admin cannot rewrite history
        // through the normal connection. The hash chain catches what goes around this.
        for (const statement of appendOnlyTriggers(dialect)) await statement.execute(db);
      },
    },
    "0002_cohort_definitions": {
      async up(db: Kysely<unknown>) {
        // Immutable versions: the hash is the SHA-256 of the definition's canonical JSON.
        await db.schema
          .createTable("cohort_definitions")
          .addColumn("hash", "text", (c) => c.primaryKey())
          .addColumn("name", "text", (c) => c.notNull())
          .addColumn("title", "text")
          .addColumn("definition", "text", (c) => c.notNull())
          .addColumn("created_at", "text", (c) => c.notNull())
          .addColumn("created_by", "text", (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex("cohort_definitions_name")
          .on("cohort_definitions")
          .column("name")
          .execute();
      },
    },
    "0003_permits_and_releases": {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable("permits")
          .addColumn("id", "text", (c) => c.primaryKey())
          .addColumn("title", "text", (c) => c.notNull())
          .addColumn("organisation", "text", (c) => c.notNull())
          .addColumn("legal_basis", "text", (c) => c.notNull())
          .addColumn("purpose", "text", (c) => c.notNull())
          .addColumn("principal_investigator", "text", (c) => c.notNull())
          .addColumn("team", "text", (c) => c.notNull())
          .addColumn("applicant", "text", (c) => c.notNull())
          .addColumn("external", "integer", (c) => c.notNull())
          .addColumn("status", "text", (c) => c.notNull())
          .addColumn("requested_scope", "text", (c) => c.notNull())
          .addColumn("scope", "text", (c) => c.notNull())
          .addColumn("scope_hash", "text", (c) => c.notNull())
          .addColumn("decision_date", "text")
          .addColumn("valid_until", "text", (c) => c.notNull())
          .addColumn("created_at", "text", (c) => c.notNull())
          .addColumn("updated_at", "text", (c) => c.notNull())
          .execute();
        await db.schema
          .createTable("permit_events")
          .addColumn("permit_id", "text", (c) => c.notNull().references("permits.id"))
          .addColumn("at", "text", (c) => c.notNull())
          .addColumn("from_status", "text")
          .addColumn("to_status", "text", (c) => c.notNull())
          .addColumn("actor", "text", (c) => c.notNull())
          .addColumn("reason", "text", (c) => c.notNull())
          .execute();
        await db.schema
          .createTable("releases")
          .addColumn("id", "text", (c) => c.primaryKey())
          .addColumn("permit_id", "text", (c) => c.notNull().references("permits.id"))
          .addColumn("number", "integer", (c) => c.notNull())
          .addColumn("snapshot", "integer", (c) => c.notNull())
          .addColumn("status", "text", (c) => c.notNull())
          .addColumn("path", "text", (c) => c.notNull())
          .addColumn("persons", "integer", (c) => c.notNull())
          .addColumn("rows", "integer", (c) => c.notNull())
          .addColumn("checksum", "text", (c) => c.notNull())
          .addColumn("created_at", "text", (c) => c.notNull())
          .addColumn("created_by", "text", (c) => c.notNull())
          .addUniqueConstraint("releases_permit_number", ["permit_id", "number"])
          .execute();
        // Who was in which release, by lake pseudo-ID: answers a data subject's question.
        await db.schema
          .createTable("release_members")
          .addColumn("release_id", "text", (c) => c.notNull().references("releases.id"))
          .addColumn("pseudo_id", "text", (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex("release_members_pseudo_id")
          .on("release_members")
          .column("pseudo_id")
          .execute();
        await db.schema
          .createTable("optouts")
          .addColumn("pseudo_id", "text", (c) => c.primaryKey())
          .addColumn("added_at", "text", (c) => c.notNull())
          .addColumn("added_by", "text", (c) => c.notNull())
          .execute();
      },
    },
    "0004_disclosure_ledger": {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable("disclosure_ledger")
          .addColumn("id", dialect === "postgres" ? "bigserial" : "integer", (c) => c.primaryKey())
          .addColumn("scope", "text", (c) => c.notNull())
          .addColumn("actor", "text", (c) => c.notNull())
          .addColumn("application", "text")
          .addColumn("created_at", "text", (c) => c.notNull())
          .addColumn("definition_hash", "text")
          .addColumn("policy", "text", (c) => c.notNull())
          .addColumn("persons", "integer", (c) => c.notNull())
          .addColumn("sketch", "text", (c) => c.notNull())
          .addColumn("shown", "text", (c) => c.notNull())
          .execute();
        for (const columns of [
          ["scope", "actor", "persons"],
          ["scope", "application", "persons"],
        ])
          await db.schema
            .createIndex(`disclosure_ledger_${columns.join("_")}`)
            .on("disclosure_ledger")
            .columns(columns)
            .execute();
      },
    },
    "0005_auth": {
      async up(db: Kysely<unknown>) {
        // Only hashes of passwords, session ids, tokens and OIDC states; the TOTP secret is
        // encrypted (src/auth/totp.ts). Times are ISO 8601 UTC text, which sorts as time.
        await db.schema
          .createTable("auth_passwords")
          .addColumn("user_name", "text", (c) => c.primaryKey().references("users.name"))
          .addColumn("hash", "text", (c) => c.notNull())
          .addColumn("updated_at", "text", (c) => c.notNull())
          .addColumn("updated_by", "text", (c) => c.notNull())
          .execute();
        await db.schema
          .createTable("auth_throttle")
          .addColumn("key", "text", (c) => c.primaryKey())
          .addColumn("failures", "integer", (c) => c.notNull())
          .addColumn("last_failure_at", "text", (c) => c.notNull())
          .addColumn("locked_until", "text")
          .execute();
        await db.schema
          .createTable("auth_sessions")
          .addColumn("id_hash", "text", (c) => c.primaryKey())
          .addColumn("user_name", "text", (c) => c.notNull().references("users.name"))
          .addColumn("method", "text", (c) => c.notNull())
          .addColumn("second_factor", "integer", (c) => c.notNull())
          .addColumn("created_at", "text", (c) => c.notNull())
          .addColumn("last_seen_at", "text", (c) => c.notNull())
          .addColumn("expires_at", "text", (c) => c.notNull())
          .addColumn("ended_at", "text")
          .execute();
        await db.schema
          .createIndex("auth_sessions_user")
          .on("auth_sessions")
          .column("user_name")
          .execute();
        await db.schema
          .createTable("auth_tokens")
          .addColumn("id", "text", (c) => c.primaryKey())
          .addColumn("secret_hash", "text", (c) => c.notNull().unique())
          .addColumn("user_name", "text", (c) => c.notNull().references("users.name"))
          .addColumn("role", "text", (c) => c.notNull())
          .addColumn("scope", "text")
          .addColumn("label", "text")
          .addColumn("created_at", "text", (c) => c.notNull())
          .addColumn("created_by", "text", (c) => c.notNull())
          .addColumn("expires_at", "text", (c) => c.notNull())
          .addColumn("revoked_at", "text")
          .addColumn("revoked_by", "text")
          .addColumn("last_used_at", "text")
          .execute();
        await db.schema
          .createIndex("auth_tokens_user")
          .on("auth_tokens")
          .column("user_name")
          .execute();
        await db.schema
          .createTable("auth_totp")
          .addColumn("user_name", "text", (c) => c.primaryKey().references("users.name"))
          .addColumn("secret", "text", (c) => c.notNull())
          .addColumn("confirmed", "integer", (c) => c.notNull())
          .addColumn("last_step", "integer", (c) => c.notNull())
          .addColumn("created_at", "text", (c) => c.notNull())
          .addColumn("created_by", "text", (c) => c.notNull())
          .execute();
        await db.schema
          .createTable("auth_oidc_flows")
          .addColumn("state_hash", "text", (c) => c.primaryKey())
          .addColumn("browser_hash", "text", (c) => c.notNull())
          .addColumn("nonce", "text", (c) => c.notNull())
          .addColumn("code_verifier", "text", (c) => c.notNull())
          .addColumn("created_at", "text", (c) => c.notNull())
          .addColumn("expires_at", "text", (c) => c.notNull())
          .execute();
        await db.schema
          .createTable("user_identities")
          .addColumn("issuer", "text", (c) => c.notNull())
          .addColumn("subject", "text", (c) => c.notNull())
          .addColumn("user_name", "text", (c) => c.notNull().references("users.name"))
          .addColumn("created_at", "text", (c) => c.notNull())
          .addColumn("created_by", "text", (c) => c.notNull())
          .addPrimaryKeyConstraint("user_identities_pk", ["issuer", "subject"])
          .execute();
      },
    },
    "0006_jobs": {
      async up(db: Kysely<unknown>) {
        // Work that writes the lake, run one at a time by the server. Parameters and results hold
        // no identifiers (the audit guard checks them before they are stored).
        await db.schema
          .createTable("jobs")
          .addColumn("id", dialect === "postgres" ? "bigserial" : "integer", (c) => c.primaryKey())
          .addColumn("kind", "text", (c) => c.notNull())
          .addColumn("params", "text", (c) => c.notNull())
          .addColumn("reason", "text", (c) => c.notNull())
          .addColumn("status", "text", (c) =>
            c.notNull().check(sql`status in ('queued', 'running', 'done', 'failed', 'cancelled')`),
          )
          .addColumn("requested_by", "text", (c) => c.notNull())
          .addColumn("requested_role", "text", (c) => c.notNull())
          .addColumn("created_at", "text", (c) => c.notNull())
          .addColumn("started_at", "text")
          .addColumn("finished_at", "text")
          .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
          .addColumn("progress", "text")
          .addColumn("result", "text")
          .addColumn("error", "text")
          .execute();
        await db.schema.createIndex("jobs_status").on("jobs").columns(["status", "id"]).execute();
      },
    },
    "0007_ledger_samples": {
      async up(db: Kysely<unknown>) {
        // A key sample per answered set tells which answered sets contain which (src/disclosure/
        // sample.ts), and a weight says how many fresh draws an answer is made of. Rows made
        // before have neither: they are compared as before, with weight 1.
        await db.schema.alterTable("disclosure_ledger").addColumn("sample", "text").execute();
        await db.schema
          .alterTable("disclosure_ledger")
          .addColumn("weight", "integer", (c) => c.notNull().defaultTo(1))
          .execute();
      },
    },
    "0008_audit_by_actor": {
      async up(db: Kysely<unknown>) {
        // Every feasibility request counts the actor's recent queries (the rate limits and the
        // budget): without an index that read the whole audit log, once per request.
        await db.schema
          .createIndex("audit_log_actor_action_time")
          .on("audit_log")
          .columns(["actor", "action", "time"])
          .execute();
      },
    },
    "0009_feasibility_budget": {
      async up(db: Kysely<unknown>) {
        // The query budget's use per application (or per researcher outside one), counted as
        // queries are recorded: counting it from the audit log read a scope's whole history on
        // every request. Filled from the log as it stands.
        await db.schema
          .createTable("feasibility_budget")
          .addColumn("scope", "text", (c) => c.primaryKey())
          .addColumn("used", "integer", (c) => c.notNull())
          .execute();
        const application =
          dialect === "postgres"
            ? sql`(details::jsonb ->> 'application')`
            : sql`json_extract(details, '$.application')`;
        await sql`insert into feasibility_budget (scope, used)
          select scope, count(*) from (
            select case when ${application} is null then 'actor:' || actor
                        else 'application:' || ${application} end as scope
            from audit_log where action = 'feasibility.run') runs
          group by scope`.execute(db);
      },
    },
    "0010_fetch_state": {
      async up(db: Kysely<unknown>) {
        // Per Bulk Data source (src/fetch): the last complete export's transactionTime, sent as
        // _since next time, and the status URL of an export kicked off but not yet fetched, so a
        // fetch cut off resumes it instead of asking the server for another.
        await db.schema
          .createTable("fetch_state")
          .addColumn("source", "text", (c) => c.primaryKey())
          .addColumn("since", "text")
          .addColumn("pending_status_url", "text")
          .addColumn("pending_since", "text")
          .addColumn("pending_at", "text")
          .addColumn("updated_at", "text", (c) => c.notNull())
          .execute();
      },
    },
    "0011_workspace_outputs": {
      async up(db: Kysely<unknown>) {
        // What a permit's team made in its workspace (analysis results and free files, kept as
        // files in the workspace folder with their SHA-256), the output requests that ask for
        // some of them to leave, each output's automatic check, and the checkers' reviews
        // (src/workspace/outputs/). One review per checker and request.
        await db.schema
          .createTable("workspace_outputs")
          .addColumn("id", "text", (c) => c.primaryKey())
          .addColumn("permit_id", "text", (c) => c.notNull().references("permits.id"))
          .addColumn("number", "integer", (c) => c.notNull())
          .addColumn("name", "text", (c) => c.notNull())
          .addColumn("kind", "text", (c) => c.notNull())
          .addColumn("media_type", "text", (c) => c.notNull())
          .addColumn("file", "text", (c) => c.notNull())
          .addColumn("sha256", "text", (c) => c.notNull())
          .addColumn("bytes", "integer", (c) => c.notNull())
          .addColumn("release_id", "text")
          .addColumn("sql_sha256", "text")
          .addColumn("created_by", "text", (c) => c.notNull())
          .addColumn("created_at", "text", (c) => c.notNull())
          .addUniqueConstraint("workspace_outputs_permit_number", ["permit_id", "number"])
          .execute();
        await db.schema
          .createTable("output_requests")
          .addColumn("id", "text", (c) => c.primaryKey())
          .addColumn("permit_id", "text", (c) => c.notNull().references("permits.id"))
          .addColumn("number", "integer", (c) => c.notNull())
          .addColumn("requester", "text", (c) => c.notNull())
          .addColumn("context", "text", (c) => c.notNull())
          .addColumn("status", "text", (c) => c.notNull())
          .addColumn("policy_version", "text", (c) => c.notNull())
          .addColumn("outcome", "text", (c) => c.notNull())
          .addColumn("created_at", "text", (c) => c.notNull())
          .addColumn("decided_at", "text")
          .addColumn("released_at", "text")
          .addColumn("bundle", "text")
          .addUniqueConstraint("output_requests_permit_number", ["permit_id", "number"])
          .execute();
        await db.schema
          .createTable("output_request_items")
          .addColumn("request_id", "text", (c) => c.notNull().references("output_requests.id"))
          .addColumn("output_id", "text", (c) => c.notNull().references("workspace_outputs.id"))
          .addColumn("context", "text", (c) => c.notNull())
          .addColumn("outcome", "text", (c) => c.notNull())
          .addColumn("check", "text", (c) => c.notNull())
          .addPrimaryKeyConstraint("output_request_items_pk", ["request_id", "output_id"])
          .execute();
        await db.schema
          .createTable("output_reviews")
          .addColumn("request_id", "text", (c) => c.notNull().references("output_requests.id"))
          .addColumn("reviewer", "text", (c) => c.notNull())
          .addColumn("decision", "text", (c) => c.notNull())
          .addColumn("comment", "text", (c) => c.notNull())
          .addColumn("visible_to_researcher", "integer", (c) => c.notNull())
          .addColumn("at", "text", (c) => c.notNull())
          .addPrimaryKeyConstraint("output_reviews_pk", ["request_id", "reviewer"])
          .execute();
      },
    },
  };
}

function appendOnlyTriggers(dialect: Dialect) {
  if (dialect === "sqlite") {
    return [
      sql`create trigger audit_log_no_update before update on audit_log
          begin select raise(abort, 'audit_log is append-only'); end`,
      sql`create trigger audit_log_no_delete before delete on audit_log
          begin select raise(abort, 'audit_log is append-only'); end`,
    ];
  }
  return [
    sql`create function audit_log_append_only() returns trigger language plpgsql as $$
        begin raise exception 'audit_log is append-only'; end $$`,
    sql`create trigger audit_log_no_update_delete before update or delete on audit_log
        for each row execute function audit_log_append_only()`,
    sql`create trigger audit_log_no_truncate before truncate on audit_log
        for each statement execute function audit_log_append_only()`,
  ];
}

export function migrationProvider(dialect: Dialect): MigrationProvider {
  return { getMigrations: async () => migrationsFor(dialect) };
}
