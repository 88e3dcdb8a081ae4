import { describe, expect, it } from "vitest";
import {
  analyse,
  frequencyTable,
  histogram,
  linearModel,
  logisticModel,
  type QueryRows,
  releasable,
  summaryTable,
  survivalTable,
} from "./analyses.js";
import { normalQuantile, tPValue, tQuantile } from "./distributions.js";

const rows = (names: string[], data: unknown[][]): QueryRows => ({
  columns: names.map((name) => ({ name, type: "DOUBLE" })),
  rows: data,
});

/**
 * R's `mtcars` (Henderson and Velleman 1981, from Motor Trend 1974): mpg, hp, wt, am for the 32
 * cars, in R's order (Mazda RX4 ... Volvo 142E).
 */
const MTCARS: Array<[number, number, number, number]> = [
  [21.0, 110, 2.62, 1],
  [21.0, 110, 2.875, 1],
  [22.8, 93, 2.32, 1],
  [21.4, 110, 3.215, 0],
  [18.7, 175, 3.44, 0],
  [18.1, 105, 3.46, 0],
  [14.3, 245, 3.57, 0],
  [24.4, 62, 3.19, 0],
  [22.8, 95, 3.15, 0],
  [19.2, 123, 3.44, 0],
  [17.8, 123, 3.44, 0],
  [16.4, 180, 4.07, 0],
  [17.3, 180, 3.73, 0],
  [15.2, 180, 3.78, 0],
  [10.4, 205, 5.25, 0],
  [10.4, 215, 5.424, 0],
  [14.7, 230, 5.345, 0],
  [32.4, 66, 2.2, 1],
  [30.4, 52, 1.615, 1],
  [33.9, 65, 1.835, 1],
  [21.5, 97, 2.465, 0],
  [15.5, 150, 3.52, 0],
  [15.2, 150, 3.435, 0],
  [13.3, 245, 3.84, 0],
  [19.2, 175, 3.845, 0],
  [27.3, 66, 1.935, 1],
  [26.0, 91, 2.14, 1],
  [30.4, 113, 1.513, 1],
  [15.8, 264, 3.17, 1],
  [19.7, 175, 2.77, 1],
  [15.0, 335, 3.57, 1],
  [21.4, 109, 2.78, 1],
];
const mtcars = rows(["mpg", "hp", "wt", "am"], MTCARS);

describe("distributions", () => {
  it("gives the quantiles and p-values of R's qt, qnorm and pt", () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 6); // qnorm(0.975)
    expect(tQuantile(0.975, 29)).toBeCloseTo(2.04523, 5); // qt(0.975, 29)
    expect(tQuantile(0.975, 10)).toBeCloseTo(2.228139, 5); // qt(0.975, 10)
    expect(tPValue(2.04523, 29)).toBeCloseTo(0.05, 6);
  });
});

describe("linear regression", () => {
  it("matches R's summary(lm(mpg ~ wt + hp, data = mtcars))", () => {
    // R 4.x: (Intercept) 37.22727 (1.59879), wt -3.87783 (0.63273), hp -0.03177 (0.00903);
    // residual standard error 2.593 on 29 degrees of freedom; R² 0.8268, adjusted 0.8148;
    // p for wt 1.12e-06, for hp 0.00145. Confidence intervals from confint(): wt -5.17191 to
    // -2.58374, hp -0.05024 to -0.01330.
    const m = linearModel(mtcars, "mpg", ["wt", "hp"]);
    expect(m.n).toBe(32);
    expect(m.residualDf).toBe(29);
    const [b0, wt, hp] = m.terms;
    expect(b0?.estimate).toBeCloseTo(37.22727, 4);
    expect(b0?.se).toBeCloseTo(1.59879, 4);
    expect(wt?.estimate).toBeCloseTo(-3.87783, 4);
    expect(wt?.se).toBeCloseTo(0.63273, 4);
    expect(hp?.estimate).toBeCloseTo(-0.03177, 5);
    expect(hp?.se).toBeCloseTo(0.00903, 5);
    expect(wt?.p).toBeCloseTo(1.12e-6, 7);
    expect(hp?.p).toBeCloseTo(0.00145, 5);
    expect(wt?.lower).toBeCloseTo(-5.17191, 3);
    expect(wt?.upper).toBeCloseTo(-2.58374, 3);
    expect(hp?.lower).toBeCloseTo(-0.05024, 4);
    expect(hp?.upper).toBeCloseTo(-0.0133, 4);
    expect(m.sigma).toBeCloseTo(2.593, 3);
    expect(m.rSquared).toBeCloseTo(0.8268, 4);
    expect(m.adjustedRSquared).toBeCloseTo(0.8148, 4);
  });

  it("counts rows left out for a null and refuses collinear predictors", () => {
    const data = rows(
      ["y", "x", "x2"],
      [
        [1, 1, 2],
        [2, 2, 4],
        [3.5, 3, 6],
        [3.9, 4, 8],
        [null, 5, 10],
      ],
    );
    expect(linearModel(data, "y", ["x"]).excluded).toBe(1);
    expect(linearModel(data, "y", ["x"]).residualDf).toBe(2);
    expect(() => linearModel(data, "y", ["x", "x2"])).toThrow(/collinear/);
    expect(() => linearModel(data, "y", ["nope"])).toThrow(/no column "nope"/);
  });
});

describe("logistic regression", () => {
  it("matches R's summary(glm(am ~ wt, family = binomial, data = mtcars))", () => {
    // (Intercept) 12.040 (4.510), wt -4.024 (1.436); z 2.670 and -2.801; p 0.00759, 0.00509;
    // null deviance 43.230 on 31 df, residual deviance 19.176 on 30 df, AIC 23.176.
    const m = logisticModel(mtcars, "am", ["wt"]);
    const [b0, wt] = m.terms;
    expect(b0?.estimate).toBeCloseTo(12.04, 2);
    expect(b0?.se).toBeCloseTo(4.51, 2);
    expect(wt?.estimate).toBeCloseTo(-4.024, 3);
    expect(wt?.se).toBeCloseTo(1.436, 2); // R prints 4 significant digits
    expect(wt?.statistic).toBeCloseTo(-2.801, 3);
    expect(wt?.p).toBeCloseTo(0.00509, 4);
    expect(m.nullDeviance).toBeCloseTo(43.23, 2);
    expect(m.deviance).toBeCloseTo(19.176, 3);
    expect(m.aic).toBeCloseTo(23.176, 3);
    expect(m.residualDf).toBe(30);
    expect(m.outcomeCounts).toEqual({ zero: 19, one: 13 });
  });

  it("matches R's glm(am ~ hp + wt, family = binomial, data = mtcars)", () => {
    // (Intercept) 18.86630 (7.44356), hp 0.03626 (0.01773), wt -8.08348 (3.06868); residual
    // deviance 10.059 on 29 df, AIC 16.059.
    const m = logisticModel(mtcars, "am", ["hp", "wt"]);
    const [b0, hp, wt] = m.terms;
    expect(b0?.estimate).toBeCloseTo(18.8663, 3);
    expect(b0?.se).toBeCloseTo(7.44356, 3);
    expect(hp?.estimate).toBeCloseTo(0.03626, 4);
    expect(hp?.se).toBeCloseTo(0.01773, 4);
    expect(wt?.estimate).toBeCloseTo(-8.08348, 3);
    expect(wt?.se).toBeCloseTo(3.06868, 3);
    expect(m.deviance).toBeCloseTo(10.059, 3);
    // Wald interval, as confint.default: estimate ± qnorm(0.975) · se.
    expect(wt?.lower).toBeCloseTo(-8.08348 - 1.959964 * 3.06868, 2);
  });
});

describe("summary statistics", () => {
  it("matches R's mean, sd, median, quantile and range of mtcars$mpg", () => {
    // mean 20.09062, sd 6.026948, median 19.2, quantile(type 7) 25 % 15.425 and 75 % 22.8,
    // range 10.4 to 33.9 (10.4 twice: Cadillac Fleetwood, Lincoln Continental; 33.9 once).
    const s = summaryTable(mtcars, "mpg");
    const g = s.groups[0];
    expect(g?.n).toBe(32);
    expect(g?.mean).toBeCloseTo(20.09062, 5);
    expect(g?.sd).toBeCloseTo(6.026948, 6);
    expect(g?.median).toBe(19.2);
    expect(g?.quantiles).toEqual([
      { p: 0.25, value: expect.closeTo(15.425, 9) },
      { p: 0.75, value: expect.closeTo(22.8, 9) },
    ]);
    expect([g?.min, g?.max]).toEqual([10.4, 33.9]);
    expect(g?.evidence).toMatchObject({ minCount: 2, maxCount: 1, largest: [33.9, 32.4] });
  });

  it("gives n per group, and the evidence never leaves through releasable", () => {
    const s = summaryTable(mtcars, "mpg", "am");
    // tapply(mtcars$mpg, mtcars$am, mean): 17.14737 (automatic, 19 cars), 24.39231 (manual, 13)
    expect(s.groups.map((g) => [g.group, g.n])).toEqual([
      ["0", 19],
      ["1", 13],
    ]);
    expect(s.groups[0]?.mean).toBeCloseTo(17.14737, 5);
    expect(s.groups[1]?.mean).toBeCloseTo(24.39231, 5);
    expect(JSON.stringify(releasable(s))).not.toContain("largest");
  });
});

describe("frequency tables", () => {
  it("cross-tabulates with every combination of levels, zeros included", () => {
    const data = rows(
      ["sex", "group"],
      [
        ["F", "a"],
        ["F", "a"],
        ["M", "a"],
        ["F", "b"],
        [null, "b"],
      ],
    );
    const t = frequencyTable(data, ["sex", "group"]);
    expect(t.total).toBe(5);
    expect(t.cells).toEqual([
      { values: ["F", "a"], count: 2 },
      { values: ["F", "b"], count: 1 },
      { values: ["M", "a"], count: 1 },
      { values: ["M", "b"], count: 0 },
      { values: [null, "a"], count: 0 },
      { values: [null, "b"], count: 1 },
    ]);
    // table(mtcars$am): 19 and 13; numbers become their JSON text as levels.
    expect(frequencyTable(mtcars, ["am"]).cells).toEqual([
      { values: ["0"], count: 19 },
      { values: ["1"], count: 13 },
    ]);
  });
});

describe("histograms", () => {
  it("bins on the given breaks, [from, to), the last bin closed, outside counted", () => {
    // mpg in 10-wide bins: 10 ≤ x < 20: 18 cars, 20 ≤ x < 30: 10, 30 ≤ x ≤ 40: 4
    // (R: table(cut(mtcars$mpg, c(10, 20, 30, 40), right = FALSE))).
    const h = histogram(mtcars, "mpg", [10, 20, 30, 40]);
    expect(h.bins.map((b) => b.count)).toEqual([18, 10, 4]);
    expect(histogram(mtcars, "mpg", [15, 20, 33.9])).toMatchObject({
      // below 15: 14.3, 10.4, 10.4, 14.7, 13.3; 15 ≤ x < 20: 13 cars; 20 ≤ x ≤ 33.9: 14
      bins: [{ count: 13 }, { count: 14 }],
      below: 5,
      above: 0,
    });
    expect(() => histogram(mtcars, "mpg", [10])).toThrow(/two breaks/);
  });
});

describe("Kaplan-Meier survival", () => {
  it("matches R's survfit on the 6-MP arm of Gehan's leukaemia trial", () => {
    // Freireich et al. (1963), as in Gehan (1965) and MASS::gehan: weeks of remission under
    // 6-MP, + censored. summary(survfit(Surv(time, cens) ~ 1, subset(gehan, treat == "6-MP"))):
    //  time n.risk n.event survival std.err lower 95% CI upper 95% CI
    //     6     21       3    0.857  0.0764        0.720        1.000
    //     7     17       1    0.807  0.0869        0.653        0.996
    //    10     15       1    0.753  0.0963        0.586        0.968
    //    13     12       1    0.690  0.1068        0.510        0.935
    //    16     11       1    0.627  0.1141        0.439        0.896
    //    22      7       1    0.538  0.1282        0.337        0.858
    //    23      6       1    0.448  0.1346        0.249        0.807
    const weeks = "6 6 6 6+ 7 9+ 10 10+ 11+ 13 16 17+ 19+ 20+ 22 23 25+ 32+ 32+ 34+ 35+";
    const data = rows(
      ["weeks", "relapse", "arm"],
      weeks.split(" ").map((w) => [Number.parseInt(w, 10), w.endsWith("+") ? 0 : 1, "6-MP"]),
    );
    const km = survivalTable(data, "weeks", "relapse", "arm");
    const curve = km.groups[0];
    expect(curve).toMatchObject({ group: "6-MP", n: 21, events: 9, median: 23 });
    const withEvents = curve?.steps.filter((s) => s.events > 0) ?? [];
    const expected = [
      [6, 21, 3, 0.857, 0.0764, 0.72, 1.0],
      [7, 17, 1, 0.807, 0.0869, 0.653, 0.996],
      [10, 15, 1, 0.753, 0.0963, 0.586, 0.968],
      [13, 12, 1, 0.69, 0.1068, 0.51, 0.935],
      [16, 11, 1, 0.627, 0.1141, 0.439, 0.896],
      [22, 7, 1, 0.538, 0.1282, 0.337, 0.858],
      [23, 6, 1, 0.448, 0.1346, 0.249, 0.807],
    ];
    expect(withEvents).toHaveLength(expected.length);
    expected.forEach(([time, risk, events, s, se, lo, hi], i) => {
      const step = withEvents[i];
      expect([step?.time, step?.atRisk, step?.events]).toEqual([time, risk, events]);
      expect(step?.survival).toBeCloseTo(s as number, 3);
      expect(step?.se).toBeCloseTo(se as number, 4);
      expect(step?.lower).toBeCloseTo(lo as number, 3);
      expect(step?.upper).toBeCloseTo(hi as number, 3);
    });
    // Censoring-only times are steps too (the at-risk counts behind them change).
    expect(curve?.steps.find((s) => s.time === 9)).toMatchObject({
      atRisk: 16,
      events: 0,
      censored: 1,
    });
  });
});

describe("analyse", () => {
  it("runs the analysis a spec names", () => {
    expect(analyse(mtcars, { kind: "frequency", variables: ["am"] }).kind).toBe("frequency");
    expect(analyse(mtcars, { kind: "linear", outcome: "mpg", predictors: ["wt"] })).toMatchObject({
      residualDf: 30,
    });
  });
});
