import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ROWS } from "../../test/support/cohort-rows.js";
import { fixtureLake } from "../../test/support/fixture-lake.js";
import { loadNotes } from "../../test/support/note-loads.js";
import { tempDir } from "../../test/support/stores.js";
import type { Actor } from "../auth/roles.js";
import type { Home } from "../home/home.js";
import { Lake } from "../lake/lake.js";
import { type ControlStore, openControlStore } from "../store/control-store.js";
import { assessmentCache, feasibility } from "./feasibility-service.js";
import { QueryCache } from "./query-cache.js";

describe("the query cache", () => {
  it("keeps the most recently used entries within its entry and byte limits", async () => {
    const cache = new QueryCache<{ v: string }>({ entries: 2, bytes: 10 });
    const get = (k: string, bytes = 1) =>
      cache.getOrCompute(
        k,
        () => bytes,
        async () => ({ v: k }),
      );
    await get("a");
    await get("b");
    await get("a"); // a is now the most recent: b goes first
    await get("c");
    expect(cache.size).toBe(2);
    expect(cache.stats).toEqual({ hits: 1, misses: 3, evictions: 1 });
    await get("a");
    expect(cache.stats.hits).toBe(2);
    await get("b");
    expect(cache.stats.misses).toBe(4);
    // Bytes bound it too, and a value larger than the whole cache is not kept at all.
    await get("big", 9);
    expect(cache.size).toBe(2);
    expect(cache.bytes).toBe(10);
    await get("huge", 11);
    expect(cache.size).toBe(2);
    await get("huge", 11);
    expect(cache.stats.hits).toBe(2);
  });

  it("gives out copies, so changing an answer cannot change the cached value", async () => {
    const cache = new QueryCache<{ cells: Map<string, { n: number; key: bigint }> }>({
      entries: 4,
      bytes: 100,
    });
    const compute = async () => ({ cells: new Map([["a", { n: 5, key: 7n }]]) });
    const first = await cache.getOrCompute("k", () => 1, compute);
    (first.cells.get("a") as { n: number }).n = 99;
    const second = await cache.getOrCompute("k", () => 1, compute);
    (second.cells.get("a") as { n: number }).n = 98;
    expect((await cache.getOrCompute("k", () => 1, compute)).cells.get("a")).toEqual({
      n: 5,
      key: 7n,
    });
  });
});

const NOTES = {
  name: "notes",
  entry: {
    events: { table: "clinical.note", where: [{ column: "text", contains: ["nivelki"] }] },
  },
};
const RA = {
  name: "ra",
  codeSets: { ra: { system: "icd10", codes: ["M05*", "M06*"] } },
  entry: { events: { table: "clinical.diagnosis", codeSet: "ra" } },
};

describe("feasibility through the cache", () => {
  const tmp = tempDir("kaivo-query-cache-");
  let home: Home;
  let other: Home;
  let store: ControlStore;
  let otherStore: ControlStore;
  const steward: Actor = { name: "stina", role: "steward" };
  const researcher: Actor = { name: "cache-riku", role: "researcher" };
  const as = (actor: Actor, h = home, s = store) => ({
    home: { ...h, config: { ...h.config, feasibility: { perMinute: 1000, perDay: 1000 } } },
    store: s,
    actor,
  });
  beforeAll(async () => {
    home = await fixtureLake(join(tmp.dir, "home"), ROWS);
    other = await fixtureLake(join(tmp.dir, "other"), ROWS);
    store = await openControlStore(home);
    otherStore = await openControlStore(other);
  });
  afterAll(async () => {
    await store.close();
    await otherStore.close();
    tmp.remove();
  });
  beforeEach(() => assessmentCache.clear());
  const misses = () => assessmentCache.stats.misses;

  it("runs the lake's work once for the same request, and answers a steward exactly the same", async () => {
    const before = misses();
    const first = await feasibility(as(steward), NOTES, { data: ["clinical.lab"] });
    expect(misses()).toBe(before + 1);
    const second = await feasibility(as(steward), NOTES, { data: ["clinical.lab"] });
    expect(misses()).toBe(before + 1);
    expect(second).toEqual(first);
    assessmentCache.clear();
    expect(await feasibility(as(steward), NOTES, { data: ["clinical.lab"] })).toEqual(first);
    expect(misses()).toBe(before + 2);
    expect(first.persons).toBe(2);
  });

  it("keeps definitions, options, snapshots and homes apart", async () => {
    const before = misses();
    const notes = await feasibility(as(steward), NOTES);
    const ra = await feasibility(as(steward), RA);
    expect(ra.hash).not.toBe(notes.hash);
    // Two definitions over the same table and column, told apart by a value only.
    const quiet = await feasibility(as(steward), {
      name: "notes",
      entry: {
        events: { table: "clinical.note", where: [{ column: "text", contains: ["valituksia"] }] },
      },
    });
    expect([notes.persons, quiet.persons]).toEqual([2, 1]);
    await feasibility(as(steward), NOTES, { data: ["clinical.lab"] });
    // Snapshot 1 is the latest load here: the same request, the same entry.
    await feasibility(as(steward), NOTES, { snapshot: 1 });
    // The same request on another home's lake (the same rows) is that lake's own.
    await feasibility(as(steward, other, otherStore), NOTES);
    expect(misses()).toBe(before + 5);
    await feasibility(as(steward), RA);
    expect(misses()).toBe(before + 5);
  });

  it("still records and discloses a researcher's every request, cached or not", async () => {
    const runs = () =>
      store.db
        .selectFrom("audit_log")
        .select("seq")
        .where("actor", "=", researcher.name)
        .where("action", "=", "feasibility.run")
        .execute();
    const ledger = () =>
      store.db
        .selectFrom("disclosure_ledger")
        .select("id")
        .where("actor", "=", researcher.name)
        .execute();
    const uncached = await feasibility(as(researcher), RA);
    expect(uncached.exact).toBe(false);
    const onLedger = (await ledger()).length;
    expect(onLedger).toBeGreaterThan(0);
    const before = misses();
    const cached = await feasibility(as(researcher), RA);
    expect(misses()).toBe(before);
    // The engine ran again: the ledger gave the same set the same shown answer.
    expect(cached).toEqual(uncached);
    expect((await runs()).length).toBe(2);
    // A request over the budget is refused before the cache is asked.
    const budgeted = as(researcher);
    budgeted.home.config = {
      ...budgeted.home.config,
      disclosure: { ...budgeted.home.config.disclosure, queryBudget: 2 },
    };
    await expect(feasibility(budgeted, RA)).rejects.toThrow(/feasibility queries/);
  });

  it("misses after a new load, which may change the answer", async () => {
    await feasibility(as(steward), NOTES);
    const lake = await Lake.open(home);
    try {
      await loadNotes(lake, 2, [
        { key: "new", pseudoId: "P3", day: "2019-05-05", text: "Nivelkipua polvessa" },
      ]);
    } finally {
      lake.close();
    }
    const before = misses();
    const after = await feasibility(as(steward), NOTES);
    expect(misses()).toBe(before + 1);
    expect(after.persons).toBe(3);
    expect(after.snapshot).toBe(2);
    // The snapshot before the load is another entry, with the earlier answer.
    const earlier = await feasibility(as(steward), NOTES, { snapshot: 1 });
    expect(misses()).toBe(before + 2);
    expect(earlier.persons).toBe(2);
  });
});
