import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROWS } from "../../test/support/cohort-rows.js";
import { fixtureLake } from "../../test/support/fixture-lake.js";
import { tempDir } from "../../test/support/stores.js";
import type { Actor } from "../auth/roles.js";
import type { Home } from "../home/home.js";
import { RateLimitError } from "../shared/errors.js";
import { type ControlStore, openControlStore } from "../store/control-store.js";
import { feasibility } from "./feasibility-service.js";

const tmp = tempDir("kaivo-query-record-");
afterAll(() => tmp.remove());
let home: Home;
let store: ControlStore;

beforeAll(async () => {
  home = await fixtureLake(join(tmp.dir, "home"), ROWS);
  store = await openControlStore(home);
});
afterAll(async () => {
  await store?.close();
});

const RA = {
  name: "ra",
  codeSets: { ra: { system: "icd10", codes: ["M05*", "M06*"] } },
  entry: { events: { table: "clinical.diagnosis", codeSet: "ra" } },
};
const limited = (perMinute: number) => ({
  home: { ...home, config: { ...home.config, feasibility: { perMinute, perDay: 1000 } } },
  store,
});

async function entriesOf(actor: string) {
  return store.db
    .selectFrom("audit_log")
    .select(["seq", "action", "target", "details"])
    .where("actor", "=", actor)
    .where("action", "like", "feasibility.%")
    .orderBy("seq")
    .execute();
}

describe("feasibility queries are counted and recorded before they run (issue 15, finding 1)", () => {
  it("counts a query that fails against the limit, and audits its outcome", async () => {
    const actor: Actor = { name: "fails-count", role: "researcher" };
    const broken = { ...RA, entry: { events: { table: "clinical.nothing", codeSet: "ra" } } };
    await expect(feasibility({ ...limited(2), actor }, broken)).rejects.toThrow(/nothing/);
    await expect(feasibility({ ...limited(2), actor }, { name: 7 })).rejects.toThrow();
    // Two failed queries used the minute's two: the third, a good one, is refused.
    await expect(feasibility({ ...limited(2), actor }, RA)).rejects.toBeInstanceOf(RateLimitError);
    const entries = await entriesOf(actor.name);
    expect(entries.map((e) => e.action)).toEqual([
      "feasibility.run",
      "feasibility.outcome",
      "feasibility.run",
      "feasibility.outcome",
      "feasibility.refused",
    ]);
    const outcomes = entries
      .filter((e) => e.action === "feasibility.outcome")
      .map((e) => JSON.parse(e.details));
    expect(outcomes.map((o) => o.outcome)).toEqual(["refused", "refused"]);
    expect(outcomes.map((o) => o.error)).toEqual(["ValidationError", "ValidationError"]);
    // The outcome names the query it ends.
    expect(outcomes[0].query).toBe(Number(entries[0]?.seq));
  });

  it("audits an answered query as answered", async () => {
    const actor: Actor = { name: "answered", role: "researcher" };
    await feasibility({ ...limited(5), actor }, RA);
    const entries = await entriesOf(actor.name);
    expect(entries.map((e) => e.action)).toEqual(["feasibility.run", "feasibility.outcome"]);
    expect(JSON.parse(entries[1]?.details ?? "{}").outcome).toBe("answered");
    expect(entries[0]?.target).toMatch(/^cohort:ra@[0-9a-f]{12}$/);
  });

  it("lets no more queries through at once than the limit allows", async () => {
    const actor: Actor = { name: "at-once", role: "researcher" };
    const results = await Promise.allSettled(
      Array.from({ length: 6 }, () => feasibility({ ...limited(3), actor }, RA)),
    );
    const refused = results.filter(
      (r) => r.status === "rejected" && r.reason instanceof RateLimitError,
    );
    expect(refused).toHaveLength(3);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(3);
    const runs = (await entriesOf(actor.name)).filter((e) => e.action === "feasibility.run");
    expect(runs).toHaveLength(3);
  });
});
