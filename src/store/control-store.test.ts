import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DIALECTS, type TestDeployment, testDeployment } from "../../test/support/stores.js";
import { openHome } from "../home/home.js";
import { migrationState, openControlStore, redactUrl } from "./control-store.js";
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

describe("redactUrl", () => {
  it("hides the password of a database URL", () => {
    expect(redactUrl("postgres://kaivo:s3cret@db.example:5432/kaivo")).toBe(
      "postgres://kaivo:***@db.example:5432/kaivo",
    );
  });
});
