import { join } from "node:path";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROWS } from "../../test/support/cohort-rows.js";
import { fixtureLake } from "../../test/support/fixture-lake.js";
import { tempDir } from "../../test/support/stores.js";
import type { Actor } from "../auth/roles.js";
import { addUser } from "../auth/users.js";
import { validateCohort } from "../cohort/cohort-service.js";
import type { Home } from "../home/home.js";
import { draftPermit } from "../permits/permit-service.js";
import { RateLimitError } from "../shared/errors.js";
import { type ControlStore, openControlStore } from "../store/control-store.js";
import { migrationsFor } from "../store/migrations.js";
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

describe("applications share a ledger and a budget (issue 16)", () => {
  const riku: Actor = { name: "budget-riku", role: "researcher" };
  const ville: Actor = { name: "budget-ville", role: "researcher" };
  const outsider: Actor = { name: "budget-outsider", role: "researcher" };
  const budgeted = (queryBudget: number) => ({
    home: {
      ...home,
      config: { ...home.config, disclosure: { ...home.config.disclosure, queryBudget } },
    },
    store,
  });

  it("counts an application's queries by all its team against one budget, and refuses the next", async () => {
    for (const a of [riku, ville, outsider])
      await addUser(store, { name: "system", role: "admin" }, { name: a.name, role: a.role });
    const v = await validateCohort({ home, store, actor: riku }, RA);
    await draftPermit(
      { home, store, actor: riku },
      {
        id: "P-BUDGET",
        title: "Rheumatoid arthritis treatment study",
        organisation: "University of Helsinki",
        legalBasis: "Secondary Use Act 552/2019, scientific research",
        purpose: "How treatment of rheumatoid arthritis begins.",
        validUntil: new Date(Date.now() + 365 * 86_400_000).toISOString().slice(0, 10),
        team: [ville.name],
        scope: {
          cohort: { name: "ra", hash: v.hash },
          tables: { "clinical.person": ["sex"] },
          period: { from: "2000-01-01", to: "2025-12-31" },
          formats: ["parquet"],
        },
      },
    );
    const first = await feasibility({ ...budgeted(2), actor: riku }, RA, {
      application: "P-BUDGET",
    });
    const second = await feasibility({ ...budgeted(2), actor: ville }, RA, {
      application: "P-BUDGET",
    });
    expect(second.persons).toEqual(first.persons);
    await expect(
      feasibility({ ...budgeted(2), actor: ville }, RA, { application: "P-BUDGET" }),
    ).rejects.toThrow(/P-BUDGET has used its 2 feasibility queries/);
    // Outside the application, the researcher's own budget is untouched.
    await feasibility({ ...budgeted(2), actor: ville }, RA);
    const refused = await entriesOf(ville.name);
    expect(
      refused
        .filter((e) => e.action === "feasibility.refused")
        .map((e) => JSON.parse(e.details).reason),
    ).toEqual(["budget"]);
    // Someone outside the team is told the application does not exist, before anything is recorded.
    await expect(
      feasibility({ ...budgeted(2), actor: outsider }, RA, { application: "P-BUDGET" }),
    ).rejects.toThrow(/No permit P-BUDGET/);
    expect(await entriesOf(outsider.name)).toEqual([]);
  });

  it("keeps each budget's use as a count, the same as the audit log gives it", async () => {
    const used = async () =>
      Object.fromEntries(
        (await store.db.selectFrom("feasibility_budget").selectAll().orderBy("scope").execute())
          .filter((r) => r.scope.includes("budget-") || r.scope.includes("P-BUDGET"))
          .map((r) => [r.scope, r.used]),
      );
    const counted = await used();
    // Two answered in the application, the refused one not; one of ville's own outside it.
    expect(counted).toEqual({ "actor:budget-ville": 1, "application:P-BUDGET": 2 });
    // A store made before the counter fills it from the audit log, to the same numbers.
    await sql`drop table feasibility_budget`.execute(store.db);
    await migrationsFor("sqlite")["0009_feasibility_budget"]?.up(store.db as never);
    expect(await used()).toEqual(counted);
  });
});
