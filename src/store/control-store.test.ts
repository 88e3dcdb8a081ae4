import { sql } from "kysely";
import pg from "pg";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  DIALECTS,
  type TestDeployment,
  tempPostgresDatabase,
  testDeployment,
} from "../../test/support/stores.js";
import { openHome } from "../home/home.js";
import { migrationState, openControlStore, openPostgres, redactUrl } from "./control-store.js";
import { migrationsFor } from "./migrations.js";

describe.each(DIALECTS)("control store on %s", (dialect) => {
  let t: TestDeployment;
  beforeEach(async () => {
    t = await testDeployment(dialect);
  });
  afterEach(async () => {
    await t.cleanup();
  });

  it("applies every migration on open, once, even when several processes start together", async () => {
    const home = openHome(t.home.dir, t.env);
    const stores = await Promise.all([1, 2, 3].map(() => openControlStore(home)));
    try {
      const state = await migrationState(stores[0] ?? t.store);
      expect(state.applied).toEqual(Object.keys(migrationsFor(dialect)));
      expect(state.pending).toEqual([]);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  it("enforces the role list in the database itself", async () => {
    await expect(
      t.store.db
        .insertInto("users")
        .values({ name: "x", role: "superuser", created_at: "now", created_by: "test" })
        .execute(),
    ).rejects.toThrow();
  });
});

describe.runIf(DIALECTS.includes("postgres"))("PostgreSQL connections", () => {
  it("survive the server ending an idle connection, and close() waits for the sockets", async () => {
    const database = await tempPostgresDatabase();
    const store = openPostgres(database.url);
    try {
      const pid = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(store.db);
      const admin = new pg.Client({ connectionString: database.url });
      await admin.connect();
      await admin.query("select pg_terminate_backend($1)", [pid.rows[0]?.pid]);
      await admin.end();
      // Without a pool error listener the terminated idle client would be an uncaught exception.
      await new Promise((resolve) => setTimeout(resolve, 200));
      const again = await sql<{ one: number }>`select 1 as one`.execute(store.db);
      expect(again.rows[0]?.one).toBe(1);
    } finally {
      await store.close();
      // Dropping with force right after close() must not kill a socket still closing.
      await database.drop();
    }
  });
});

describe("redactUrl", () => {
  it("hides the password of a database URL", () => {
    expect(redactUrl("postgres://kaivo:s3cret@db.example:5432/kaivo")).toBe(
      "postgres://kaivo:***@db.example:5432/kaivo",
    );
  });
});
