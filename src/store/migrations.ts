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
