import { describe, expect, test } from "vitest";
import { DIALECTS, testDeployment } from "../../test/support/stores.js";
import { discloseCells } from "./engine.js";
import type { LedgerScope } from "./ledger.js";
import { measureKeys } from "./measure.js";
import { policyFrom } from "./policy.js";

const key = (i: number) => (BigInt(i + 1) * 0x9e3779b97f4a7c15n) & ((1n << 64n) - 1n);
const people = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => key(from + i));

describe.each(DIALECTS)("answers asked at once (%s)", (dialect) => {
  test("see each other: sets within k-1 people asked together get one answer", async () => {
    const deployment = await testDeployment(dialect);
    try {
      const policy = policyFrom(deployment.home.config);
      const scope: LedgerScope = {
        scope: "query",
        actor: "r",
        application: "A",
        definitionHash: null,
      };
      // Twenty sets that differ from each other by at most four people, asked all at once: one
      // is answered first and the others get its answer, whatever order they commit in.
      const asked = Array.from({ length: 20 }, (_, i) =>
        discloseCells(
          deployment.store,
          policy,
          { ...scope, actor: `r${i % 3}` },
          new Map([["n", measureKeys(people(i % 5, 400))]]),
        ),
      );
      const shown = (await Promise.all(asked)).map((m) => m.get("n"));
      expect(new Set(shown).size).toBe(1);
      const rows = await deployment.store.db
        .selectFrom("disclosure_ledger")
        .select(["policy"])
        .execute();
      // One fresh draw; the others are marked as given again (or are the same set).
      expect(rows.filter((r) => r.policy === policy.version)).toHaveLength(1);
    } finally {
      await deployment.cleanup();
    }
  }, 60_000);
});
