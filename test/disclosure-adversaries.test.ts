import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ATTACKS } from "../src/disclosure/adversaries/attacks.js";
import {
  type AttackName,
  type AttackResult,
  adversaryTable,
  evaluateAdversaries,
} from "../src/disclosure/adversaries/evaluate.js";
import { policyFrom } from "../src/disclosure/policy.js";
import { type TestDeployment, testDeployment } from "./support/stores.js";

/**
 * The automated adversaries of issue 16, each over 50 synthetic targets with the default query
 * budget, against the engine as configured by default. The rates are in docs/disclosure.md
 * (`npm run bench:adversaries` prints them for any budget). Every one must do no better than
 * guessing from the published figures, within two standard errors.
 */
describe("disclosure control against automated adversaries", () => {
  let deployment: TestDeployment;
  let results: AttackResult[];
  beforeAll(async () => {
    deployment = await testDeployment("sqlite");
    const policy = policyFrom(deployment.home.config);
    results = await evaluateAdversaries(deployment.store, policy, {
      targets: 50,
      budget: policy.queryBudget ?? 200,
      seed: "test",
    });
    console.log(`${policy.version}\n${adversaryTable(results)}`);
  });
  afterAll(() => deployment.cleanup());

  const holds = Object.keys(ATTACKS) as AttackName[];
  it("runs every adversary, the padding ones of the closure included", () => {
    expect(holds).toEqual(
      expect.arrayContaining([
        "2f padded triples (exact count 10-40)",
        "2g four overlapping sets (exact count 10-40)",
      ]),
    );
    expect(results.map((r) => r.attack)).toEqual(holds);
  });
  it.each(holds)("%s does no better than guessing from the published figures", (name) => {
    const r = results.find((x) => x.attack === name);
    expect(r?.targets).toBe(50);
    expect((r?.success ?? 1) - (r?.baseline ?? 0)).toBeLessThanOrEqual(r?.margin ?? 0);
  });
});
