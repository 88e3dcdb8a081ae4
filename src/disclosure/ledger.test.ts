import { afterEach, beforeEach, expect, test } from "vitest";
import { type TestDeployment, testDeployment } from "../../test/support/stores.js";
import { openControlStore } from "../store/control-store.js";
import { knownSets, type LedgerScope, recordAnswers } from "./ledger.js";
import { measureKeys } from "./measure.js";

let deployment: TestDeployment;
beforeEach(async () => {
  deployment = await testDeployment("sqlite");
});
afterEach(() => deployment.cleanup());

const scope: LedgerScope = { scope: "query", actor: "r", application: null, definitionHash: null };
const policy = "p/1";

async function answer(store: typeof deployment.store, first: number, size: number) {
  const keys = Array.from({ length: size }, (_, i) => BigInt(first + i) * 0x9e3779b97f4a7c15n);
  const cell = measureKeys(keys.map((k) => k & ((1n << 64n) - 1n)));
  await recordAnswers(store, scope, [
    {
      policy,
      entry: {
        persons: cell.n,
        sketch: cell.sketch,
        sample: cell.sample,
        shown: String(size),
        weight: 1,
      },
    },
  ]);
}

test("reads a scope's known sets once, then the rows added since, and again after rows went", async () => {
  const other = await openControlStore(deployment.home);
  try {
    const owner = deployment.store.db;
    await answer(deployment.store, 0, 40);
    expect(
      (await knownSets(deployment.store, owner, scope, policy, 4)).map((k) => k.persons),
    ).toEqual([40]);
    // Another process answers: the next read has it too.
    await answer(other, 1000, 60);
    const read = await knownSets(deployment.store, owner, scope, policy, 4);
    expect(read.map((k) => k.persons)).toEqual([40, 60]);
    // The list is the caller's: extending it leaves the next read as it was.
    read.pop();
    expect((await knownSets(deployment.store, owner, scope, policy, 4)).length).toBe(2);
    // Rows up to the last one read changed (here: deleted): the scope is read again whole.
    await other.db.deleteFrom("disclosure_ledger").where("persons", "=", 40).execute();
    expect(
      (await knownSets(deployment.store, owner, scope, policy, 4)).map((k) => k.persons),
    ).toEqual([60]);
  } finally {
    await other.close();
  }
});
