import { describe, expect, it } from "vitest";
import { parseConfig } from "../home/config.js";
import {
  frequencyTable,
  histogram,
  linearModel,
  logisticModel,
  type QueryRows,
  summaryTable,
  survivalTable,
} from "../workspace/analysis/analyses.js";
import { checkAnalysis, checkFreeFile, outputPolicyFrom } from "./output-checks.js";

const policy = outputPolicyFrom(parseConfig({ version: 1 }, "kaivo.json"));
const rows = (names: string[], data: unknown[][]): QueryRows => ({
  columns: names.map((name) => ({ name, type: "VARCHAR" })),
  rows: data,
});
const repeat = <T>(n: number, make: (i: number) => T): T[] =>
  Array.from({ length: n }, (_, i) => make(i));
const rules = (c: ReturnType<typeof checkAnalysis>) => c.findings.map((f) => [f.rule, f.outcome]);

describe("the output policy", () => {
  it("is versioned with every parameter, ACRO's defaults", () => {
    expect(policy.version).toBe("kaivo-outputs/1 t=10 zeros=review nk=2,90 p=10 df=10");
  });
});

describe("frequency tables", () => {
  it("passes cells of 10 and more, fails a cell of 9, flags a zero", () => {
    const ok = frequencyTable(
      rows(["g"], [...repeat(10, () => ["a"]), ...repeat(12, () => ["b"])]),
      ["g"],
    );
    expect(checkAnalysis(policy, ok)).toMatchObject({ outcome: "pass", findings: [] });
    const nine = frequencyTable(
      rows(["g"], [...repeat(9, () => ["a"]), ...repeat(12, () => ["b"])]),
      ["g"],
    );
    const c = checkAnalysis(policy, nine);
    expect(c.outcome).toBe("fail");
    expect(c.findings[0]).toMatchObject({ rule: "threshold", where: "g=a" });
    expect(c.findings[0]?.reason).toContain("is 9, under the threshold of 10");
    // a 2x2 cross-tab with an empty cell: sex=M, drug=y never occurs
    const data = [
      ...repeat(15, () => ["F", "y"]),
      ...repeat(15, () => ["F", "n"]),
      ...repeat(15, () => ["M", "n"]),
    ];
    const zero = checkAnalysis(
      policy,
      frequencyTable(rows(["sex", "drug"], data), ["sex", "drug"]),
    );
    expect(zero.outcome).toBe("review");
    expect(zero.findings).toMatchObject([{ rule: "zeros", where: "sex=M, drug=y" }]);
  });

  it("catches a table with one-person cells (adversarial)", () => {
    const t = frequencyTable(rows(["age"], [...repeat(30, () => ["50"]), ["97"]]), ["age"]);
    expect(checkAnalysis(policy, t).findings).toMatchObject([
      { rule: "threshold", outcome: "fail", where: "age=97" },
    ]);
  });
});

describe("histograms", () => {
  it("catches a one-person bin (adversarial)", () => {
    const h = histogram(rows(["x"], [...repeat(20, () => [5]), [95]]), "x", [0, 50, 100]);
    expect(rules(checkAnalysis(policy, h))).toEqual([["threshold", "fail"]]);
  });
});

describe("summary statistics", () => {
  it("fails a minimum that is one person's value (adversarial), passes counts behind both ends", () => {
    const one = summaryTable(
      rows(["x"], [[1], ...repeat(20, () => [5]), ...repeat(10, () => [9])]),
      "x",
    );
    const c = checkAnalysis(policy, one);
    expect(c.findings).toMatchObject([{ rule: "min-max", outcome: "fail", where: "all, min" }]);
    const both = summaryTable(
      rows(["x"], [...repeat(10, () => [1]), ...repeat(10, () => [9])]),
      "x",
    );
    expect(checkAnalysis(policy, both).outcome).toBe("pass");
  });

  it("applies N-K (2, 90 %) and p % (10 %) to sums and means", () => {
    // 10 at 1, 10 at 2, one income of 1000: the largest two make 1002 / 1030 = 97 % > 90 %
    const dominated = summaryTable(
      rows(["x"], [...repeat(10, () => [1]), ...repeat(10, () => [2]), [1000]]),
      "x",
    );
    const c = checkAnalysis(policy, dominated);
    expect(c.findings.map((f) => f.rule)).toEqual(["min-max", "dominance-nk", "p-percent"]);
    // hand computed p %: x1 = 1000, x2 = 2, rest = 28 < 10 % of 1000
    expect(c.findings[2]?.reason).toContain("10 %");
  });

  it("fails a group under the threshold", () => {
    const s = summaryTable(
      rows(["g", "x"], [...repeat(20, () => ["a", 5]), ...repeat(3, () => ["b", 5])]),
      "x",
      "g",
    );
    // b's 3 records also hold its minimum and maximum
    expect(checkAnalysis(policy, s).findings).toMatchObject([
      { rule: "threshold", where: "g=b" },
      { rule: "min-max", where: "g=b, min" },
      { rule: "min-max", where: "g=b, max" },
    ]);
  });
});

describe("regressions", () => {
  it("fails a regression with 2 residual degrees of freedom (adversarial), passes 10", () => {
    const small = rows(
      ["y", "x"],
      [
        [1, 1],
        [2, 2.1],
        [2.9, 3],
        [4.2, 4],
      ],
    );
    expect(rules(checkAnalysis(policy, linearModel(small, "y", ["x"])))).toEqual([
      ["residual-df", "fail"],
    ]);
    const twelve = rows(
      ["y", "x"],
      repeat(12, (i) => [i + Math.sin(i), i]),
    );
    expect(checkAnalysis(policy, linearModel(twelve, "y", ["x"])).outcome).toBe("pass");
  });

  it("treats a logistic model's outcome counts as cells", () => {
    const data = rows(
      ["y", "x"],
      [...repeat(30, (i) => [0, i]), ...repeat(5, (i) => [1, i * 6 + 1])],
    );
    const c = checkAnalysis(policy, logisticModel(data, "y", ["x"]));
    expect(c.findings).toMatchObject([{ rule: "threshold", where: "y=1" }]);
  });
});

describe("survival tables", () => {
  it("fails steps with fewer than 10 at risk and flags exact times of few events", () => {
    const data = rows(
      ["t", "e"],
      repeat(25, (i) => [i + 1, i % 2]),
    );
    const c = checkAnalysis(policy, survivalTable(data, "t", "e"));
    expect(c.outcome).toBe("fail");
    const atRisk = c.findings.find((f) => f.rule === "survival-at-risk");
    // at risk at time t is 26 - t: under 10 from time 17
    expect(atRisk?.where).toBe("all, from time 17");
    expect(c.findings.find((f) => f.rule === "survival-events")?.outcome).toBe("review");
  });
});

describe("differencing", () => {
  it("flags two nested tables whose difference is one person (adversarial)", () => {
    const all = frequencyTable(
      rows(["sex"], [...repeat(40, () => ["F"]), ...repeat(30, () => ["M"])]),
      ["sex"],
    );
    const oneLess = frequencyTable(
      rows(["sex"], [...repeat(39, () => ["F"]), ...repeat(30, () => ["M"])]),
      ["sex"],
    );
    expect(checkAnalysis(policy, oneLess).outcome).toBe("pass");
    const c = checkAnalysis(policy, oneLess, [{ id: "P-o1", result: all }]);
    expect(c.findings).toMatchObject([{ rule: "differencing", outcome: "review" }]);
    expect(c.findings[0]?.where).toContain("P-o1");
    // the same table again differs by nothing: no finding
    expect(checkAnalysis(policy, all, [{ id: "P-o1", result: all }]).outcome).toBe("pass");
  });
});

describe("free files", () => {
  it("always needs a checker", () => {
    expect(checkFreeFile(policy, "figure.svg").outcome).toBe("review");
  });
});

describe("per deployment", () => {
  it("takes the threshold and zero handling from kaivo.json", () => {
    const strict = outputPolicyFrom(
      parseConfig({ version: 1, outputChecks: { threshold: 20, zeros: "fail" } }, "kaivo.json"),
    );
    expect(strict.version).toContain("t=20 zeros=fail");
    const t = frequencyTable(
      rows(
        ["g"],
        repeat(15, () => ["a"]),
      ),
      ["g"],
    );
    expect(checkAnalysis(strict, t).outcome).toBe("fail");
  });
});
