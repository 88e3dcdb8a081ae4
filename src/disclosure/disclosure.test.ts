import { createHash } from "node:crypto";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { peopleLake } from "../../test/support/people-lake.js";
import type { TestDeployment } from "../../test/support/stores.js";
import { refreshCatalog } from "../catalog/refresh.js";
import type { Lake } from "../lake/lake.js";
import { sql } from "../lake/sql.js";
import { chanceShownExact, discloseCells, perturbedCount } from "./engine.js";
import type { LedgerScope } from "./ledger.js";
import { type MeasuredCell, measureCells, measureKeys } from "./measure.js";
import { policyFrom } from "./policy.js";
import { noiseAt, perturbationTable } from "./ptable.js";
import { addKey, differenceSize, emptySketch } from "./sketch.js";

// Keys from a counter through SHA-256: as good as random, and the same in every run.
let counter = 0;
const cellOf = (m: Map<string, MeasuredCell>, id: string): MeasuredCell => {
  const c = m.get(id);
  if (!c) throw new Error(`no cell ${id}`);
  return c;
};

const randomKey = () => createHash("sha256").update(String(counter++)).digest().readBigUInt64BE();

describe("the perturbation table", () => {
  test("has zero mean, the stated variance where counts allow it, and never goes below zero", () => {
    const t = perturbationTable({ maxNoise: 3, variance: 2 });
    for (const [i, row] of t.rows.entries()) {
      const n = i + 1;
      expect(Math.abs(row.mean)).toBeLessThan(1e-9);
      expect(Math.min(...row.values)).toBeGreaterThanOrEqual(-n);
      expect(Math.max(...row.values)).toBeLessThanOrEqual(3);
      expect(row.probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
      if (n >= 3) expect(row.variance).toBeCloseTo(2, 9);
    }
    // Read at evenly spread keys, the noise of a large count averages to zero.
    const draws = Array.from({ length: 10_000 }, (_, i) => noiseAt(t, 50, (i + 0.5) / 10_000));
    expect(Math.abs(draws.reduce((a, b) => a + b, 0) / draws.length)).toBeLessThan(0.01);
  });

  test("shows 0 to k-1 as <k, a zero too, and counts far above k within the noise bound", () => {
    const policy = policyFrom({
      disclosure: {
        minCount: 5,
        perturbation: { maxNoise: 3, variance: 2 },
        rounding: 1,
        breakdownMin: 20,
        queryBudget: null,
      },
    });
    expect(perturbedCount({ n: 0, key: 0.99 }, policy)).toBe("<5");
    for (let n = 1; n <= 1; n++)
      for (let u = 0; u < 1; u += 0.01) expect(perturbedCount({ n, key: u }, policy)).toBe("<5");
    for (let u = 0; u < 1; u += 0.01) {
      const shown = perturbedCount({ n: 100, key: u }, policy);
      expect(typeof shown).toBe("number");
      expect(Math.abs((shown as number) - 100)).toBeLessThanOrEqual(3);
    }
  });
});

test("gives the adversaries' baseline: the chance a count is shown as itself", () => {
  const policyOf = (rounding: number) =>
    policyFrom({
      disclosure: {
        minCount: 5,
        perturbation: { maxNoise: 5, variance: 6 },
        rounding,
        breakdownMin: 20,
        queryBudget: null,
      },
    });
  const policies = new Map([1, 5].map((r) => [r, policyOf(r)]));
  const policy = (rounding: number) => policies.get(rounding) ?? policyOf(rounding);
  // Read at 100 000 evenly spread keys, as often as the table says.
  const measured = (n: number, rounding: number) => {
    let exact = 0;
    for (let i = 0; i < 100_000; i++)
      if (perturbedCount({ n, key: (i + 0.5) / 100_000 }, policy(rounding)) === n) exact++;
    return exact / 100_000;
  };
  for (const n of [3, 5, 12, 40]) {
    expect(chanceShownExact(n, policy(1))).toBeCloseTo(measured(n, 1), 3);
    expect(chanceShownExact(n, policy(5))).toBeCloseTo(measured(n, 5), 3);
  }
  expect(chanceShownExact(12, policy(1))).toBeCloseTo(0.149, 3);
  expect(chanceShownExact(3, policy(1))).toBe(0);
});

describe("sketches", () => {
  test("tell how many people two sets differ by, up to k-1 and beyond, whatever their size", () => {
    let undecoded = 0;
    for (let trial = 0; trial < 300; trial++) {
      const shared = Array.from({ length: 200 }, randomKey);
      const a = emptySketch();
      const b = emptySketch();
      for (const k of shared) {
        addKey(a, k);
        addKey(b, k);
      }
      const onlyA = trial % 5;
      const onlyB = (trial >> 2) % 3;
      for (let i = 0; i < onlyA; i++) addKey(a, randomKey());
      for (let i = 0; i < onlyB; i++) addKey(b, randomKey());
      const d = differenceSize(a, b);
      if (d === null) undecoded++;
      else expect(d).toBe(onlyA + onlyB);
    }
    expect(undecoded).toBe(0);
    // Sets far apart are never taken for close ones.
    const far = emptySketch();
    for (let i = 0; i < 300; i++) addKey(far, randomKey());
    const d = differenceSize(far, emptySketch(), 5);
    expect(d === null || d > 5).toBe(true);
  });
});

describe("the engine on a lake and a control store", () => {
  let deployment: TestDeployment;
  let lake: Lake;
  let close: () => Promise<void>;
  beforeEach(async () => {
    ({ deployment, lake, close } = await peopleLake());
  });
  afterEach(() => close());

  const cell = (id: string, where: string) => ({
    id,
    persons: sql`select pseudo_id from r.people where i < ${Number(where)}`,
  });
  const scope = (actor: string): LedgerScope => ({
    scope: "query",
    actor,
    application: null,
    definitionHash: null,
  });

  test("gives the same set the same count, and a set within k-1 people of an answered one its answer", async () => {
    const policy = policyFrom(deployment.home.config);
    const measured = await measureCells(lake, [cell("a", "500"), cell("b", "497"), cell("c", "0")]);
    expect(measured.get("a")?.n).toBe(500);
    expect(measured.get("b")?.n).toBe(497);
    const first = await discloseCells(
      deployment.store,
      policy,
      scope("r1"),
      new Map([["a", cellOf(measured, "a")]]),
    );
    const again = await discloseCells(deployment.store, policy, scope("r1"), measured);
    expect(again.get("a")).toBe(first.get("a"));
    // 497 differs from 500 by three people: the earlier answer stands.
    expect(again.get("b")).toBe(first.get("a"));
    expect(again.get("c")).toBe("<5");
    // Another researcher has no earlier answer: 497 gets its own perturbed count.
    const other = await discloseCells(
      deployment.store,
      policy,
      scope("r2"),
      new Map([["b", cellOf(measured, "b")]]),
    );
    expect(other.get("b")).toBe(perturbedCount(cellOf(measured, "b"), policy));
  });

  test("puts a set answered again on the ledger once, however often it is asked", async () => {
    const policy = policyFrom(deployment.home.config);
    const measured = await measureCells(lake, [cell("a", "500"), cell("b", "497")]);
    const rows = async () =>
      Number(
        (
          await deployment.store.db
            .selectFrom("disclosure_ledger")
            .select((eb) => eb.fn.countAll().as("n"))
            .executeTakeFirst()
        )?.n,
      );
    const first = await discloseCells(
      deployment.store,
      policy,
      scope("r1"),
      new Map([["a", cellOf(measured, "a")]]),
    );
    const b = new Map([["b", cellOf(measured, "b")]]);
    expect((await discloseCells(deployment.store, policy, scope("r1"), b)).get("b")).toBe(
      first.get("a"),
    );
    const after = await rows();
    // b takes a's answer (a is the earliest set within k-1 of it) and is on the ledger once.
    for (let i = 0; i < 3; i++)
      expect((await discloseCells(deployment.store, policy, scope("r1"), b)).get("b")).toBe(
        first.get("a"),
      );
    expect(await rows()).toBe(after);
  });

  test("gives a set within k-1 people of the sum or difference of two answered ones their sum or difference", async () => {
    const policy = policyFrom(deployment.home.config);
    const range = (lo: number, hi: number) => ({
      id: `${lo}-${hi}`,
      persons: sql`select pseudo_id from r.people where i >= ${lo} and i < ${hi}`,
    });
    const m = await measureCells(lake, [
      range(0, 100),
      range(100, 300),
      range(0, 302),
      range(3, 300),
      range(10, 300),
    ]);
    const ask = async (id: string) =>
      (
        await discloseCells(deployment.store, policy, scope("r3"), new Map([[id, cellOf(m, id)]]))
      ).get(id);
    const p = (await ask("0-100")) as number;
    const q = (await ask("100-300")) as number;
    // 0-302 is 0-100 and 100-300 with two more people: the sum of their answers, no fresh noise.
    expect(await ask("0-302")).toBe(p + q);
    // 3-300 is the two less three people: the sum again, however it is asked.
    expect(await ask("3-300")).toBe(p + q);
    // 10-300 is ten people short of any sum or difference: a count of its own.
    expect(await ask("10-300")).toBe(perturbedCount(cellOf(m, "10-300"), policy));
  });

  test("gives every padded estimate of a target the same answer: pairs, triples, chains", async () => {
    const policy = policyFrom(deployment.home.config);
    const set = (n: number) => Array.from({ length: n }, randomKey);
    const ask = async (actor: string, keys: bigint[]) =>
      (
        await discloseCells(
          deployment.store,
          policy,
          scope(actor),
          new Map([["x", measureKeys(keys)]]),
        )
      ).get("x") as number;
    const target = set(23);
    const pads = Array.from({ length: 9 }, (_, i) => set(40 + 17 * i));
    const [p1, p2, p3, q3, p4, q4, r4, p5, q5] = pads as bigint[][] & { length: 9 };
    if (!p1 || !p2 || !p3 || !q3 || !p4 || !q4 || !r4 || !p5 || !q5) throw new Error("pads");
    // Pairs, the padding asked first or last: (T ∪ P) - P.
    const first = (await ask("e1", [...target, ...p1])) - (await ask("e1", p1));
    const padFirst = await ask("e1", p2);
    expect((await ask("e1", [...target, ...p2])) - padFirst).toBe(first);
    const padLast = await ask("e1", [...target, ...p3]);
    expect(padLast - (await ask("e1", p3))).toBe(first);
    // Triples, the two paddings asked apart: (T ∪ P ∪ Q) - P - Q.
    const triple = await ask("e1", [...target, ...p4, ...q4]);
    expect(triple - (await ask("e1", p4)) - (await ask("e1", q4))).toBe(first);
    // A chain through sets inside one another: T ∪ P, P ∪ Q, Q.
    const chain = async (actor: string) => {
      const a = await ask(actor, [...target, ...p5]);
      const b = await ask(actor, [...p5, ...q5]);
      const c = await ask(actor, q5);
      return a - b + c;
    };
    expect((await chain("e1")) - first).toBe(0);
    // Another researcher's ledger is their own: their estimates are drawn afresh.
    const others = await Promise.all(
      Array.from({ length: 6 }, async (_, i) => {
        const pad = set(60 + i);
        return (await ask(`e2-${i}`, [...target, ...pad])) - (await ask(`e2-${i}`, pad));
      }),
    );
    expect(new Set(others).size).toBeGreaterThan(1);
  });

  test("keeps the sets an answer implies on the ledger, never shown, within their weight", async () => {
    const policy = policyFrom(deployment.home.config);
    const set = (n: number) => Array.from({ length: n }, randomKey);
    const [t, p] = [set(30), set(80)];
    for (const keys of [p, [...t, ...p]])
      await discloseCells(
        deployment.store,
        policy,
        scope("w1"),
        new Map([["x", measureKeys(keys)]]),
      );
    const rows = await deployment.store.db
      .selectFrom("disclosure_ledger")
      .select(["policy", "persons", "weight", "shown"])
      .where("actor", "=", "w1")
      .orderBy("id")
      .execute();
    expect(rows.map((r) => [r.policy.endsWith("(implied)"), r.persons, r.weight])).toEqual([
      [false, 80, 1],
      [false, 110, 1],
      [true, 30, 2],
    ]);
    const [pad, both, implied] = rows.map((r) => Number(r.shown));
    expect(implied).toBe((both as number) - (pad as number));
  });

  test("refuses to count people without a record key, and the next catalog refresh gives them one", async () => {
    // Rows that reached the lake without a load (a restore, a hand-made table): no keys yet.
    await lake.query(
      sql`insert into r.people select 'q' || i as pseudo_id, i from range(1000, 1010) t(i)`,
    );
    const all = { id: "all", persons: sql`select pseudo_id from r.people` };
    await expect(measureCells(lake, [all])).rejects.toThrow(/no record key/);
    await refreshCatalog(lake, [], [], {
      store: deployment.store,
      policy: policyFrom(deployment.home.config),
    });
    expect((await measureCells(lake, [all])).get("all")?.n).toBe(1010);
  });

  test("measures a set in memory exactly as in the lake", async () => {
    const keys = await lake.query(
      sql`select pseudo_id, record_key::varchar k from main._record_keys`,
    );
    const byId = new Map(keys.map((r) => [String(r.pseudo_id), BigInt(String(r.k))]));
    const inLake = await measureCells(lake, [cell("a", "321")]);
    const members = Array.from({ length: 321 }, (_, i) => byId.get(`p${i}`) as bigint);
    expect(measureKeys(members)).toEqual(inLake.get("a"));
  });

  test("draws unrelated noise for sets that differ by one person, so the draws cover the table", async () => {
    const policy = policyFrom(deployment.home.config);
    const cells = Array.from({ length: 200 }, (_, i) => ({
      id: String(i),
      persons: sql`select pseudo_id from r.people where i <> ${i} and i < 500`,
    }));
    const measured = await measureCells(lake, cells);
    const noise = [...measured.values()].map((m) => (perturbedCount(m, policy) as number) - m.n);
    const seen = new Set(noise);
    expect(seen.size).toBe(2 * policy.table.parameters.maxNoise + 1);
    const mean = noise.reduce((a, b) => a + b, 0) / noise.length;
    expect(Math.abs(mean)).toBeLessThan(0.5);
  });
});
