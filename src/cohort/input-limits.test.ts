import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixtureLake } from "../../test/support/fixture-lake.js";
import { tempDir } from "../../test/support/stores.js";
import type { Home } from "../home/home.js";
import { Lake } from "../lake/lake.js";
import { ValidationError } from "../shared/errors.js";
import { printable } from "../shared/printable.js";
import { type ControlStore, openControlStore } from "../store/control-store.js";
import { type Ctx, cohortContext, saveDefinition, validateCohort } from "./cohort-service.js";
import { compileCohort } from "./compile.js";
import { type CohortDefinition, parseDefinition } from "./definition.js";
import { explainDefinition } from "./explain.js";
import { validateDefinition } from "./validate.js";

const tmp = tempDir("kaivo-cohort-limits-");
let home: Home;
let store: ControlStore;
beforeAll(async () => {
  home = await fixtureLake(tmp.dir, {});
  store = await openControlStore(home);
}, 120_000);
afterAll(async () => {
  await store.close();
  tmp.remove();
});

const ctxOf = (): Ctx => ({ home, store, actor: { name: "riku", role: "researcher" } });
const base = () => ({
  name: "limits",
  codeSets: { ra: { system: "icd10", codes: ["M05*"] } },
  entry: { events: { table: "clinical.diagnosis", codeSet: "ra" } },
});
const ra = { events: { table: "clinical.diagnosis", codeSet: "ra" } };

function refusal(raw: unknown): ValidationError {
  try {
    parseDefinition(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return error as ValidationError;
  }
  throw new Error("the definition was accepted");
}

describe("definition limits, before and in the schema", () => {
  it("checks depth without recursion: 100 000 levels give an error, not a stack overflow", () => {
    let criteria: unknown = ra;
    for (let i = 0; i < 100_000; i++) criteria = { any: [criteria] };
    const e = refusal({ ...base(), inclusion: [{ name: "deep", criteria }] });
    expect(e.message).toMatch(/inclusion\[0\]\.criteria(\.any\[0\]){20}: groups nest deeper/);
    // Deep JSON anywhere else is refused too, before the schema walks it.
    let junk: unknown = 1;
    for (let i = 0; i < 100_000; i++) junk = [junk];
    expect(refusal({ ...base(), title: junk }).message).toMatch(/title(\[0\])+: .*deeper than/);
  });

  it("refuses a definition over 256 KB given as an object, without walking all of it", () => {
    const started = Date.now();
    const e = refusal({ ...base(), title: "x".repeat(58 * 1024 * 1024) });
    expect(e.message).toMatch(/larger than the limit of 256 KB/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("lists at most ten problems, and says how many more there are", () => {
    const bad = { events: { table: "no-such" } };
    const e = refusal({
      ...base(),
      inclusion: [{ name: "x", criteria: { all: Array(60).fill(bad) } }],
    });
    expect(e.message.split("; ")).toHaveLength(11);
    expect(e.message).toMatch(/and 50 more problems/);
  });

  it("bounds names, titles, lists and counts", () => {
    expect(refusal({ ...base(), name: "a".repeat(101) }).message).toMatch(/^definition: name: /);
    expect(refusal({ ...base(), title: "t".repeat(1001) }).message).toMatch(/title: .*1000/);
    const codes = {
      ...base(),
      codeSets: { ra: { system: "icd10", codes: Array(1001).fill("M05") } },
    };
    expect(refusal(codes).message).toMatch(/codeSets\.ra\.codes: .*1000/);
    const rules = {
      ...base(),
      inclusion: Array.from({ length: 51 }, (_, i) => ({ name: `r${i}`, criteria: ra })),
    };
    expect(refusal(rules).message).toMatch(/inclusion: .*50/);
    // 5 rules of 50 criteria each: 250, over the 200 criteria a definition may have.
    const wide = {
      ...base(),
      inclusion: Array.from({ length: 5 }, (_, i) => ({
        name: `r${i}`,
        criteria: { any: Array(50).fill(ra) },
      })),
    };
    expect(refusal(wide).message).toMatch(/inclusion: 250 criteria; at most 200/);
    const group = { ...base(), inclusion: [{ name: "g", criteria: { atLeast: 1e6, of: [ra] } }] };
    expect(refusal(group).message).toMatch(/inclusion\[0\]\.criteria\.atLeast/);
  });

  it("takes the limits' own values: exactly at each bound is accepted", () => {
    let criteria: unknown = ra;
    for (let i = 0; i < 20; i++) criteria = { all: [criteria] };
    const ok = parseDefinition({
      ...base(),
      title: "t".repeat(1000),
      demographics: { age: { min: 0, max: 150 } },
      inclusion: [
        { name: "deep", criteria },
        { name: "w", criteria: { ...ra, window: { start: -36600, end: 36600 } } },
      ],
      exit: { offsetDays: 36600 },
    });
    expect(ok.inclusion).toHaveLength(2);
  });
});

describe("user-named keys are looked up as own properties", () => {
  it("treats a code set named like an Object property as missing, in checks and in SQL", async () => {
    const lake = await Lake.open(home);
    try {
      const cctx = await cohortContext(lake, store, parseDefinition(base()));
      for (const name of ["constructor", "toString", "valueOf", "hasOwnProperty"]) {
        const def = parseDefinition({
          name: "proto",
          entry: { events: { table: "clinical.diagnosis", codeSet: name } },
        });
        expect(validateDefinition(def, cctx).errors).toEqual([
          {
            path: "entry.events.codeSet",
            message: `no code set "${name}"; code sets: none`,
          },
        ]);
        expect(() => compileCohort(def, cctx)).toThrow(ValidationError);
      }
      expect(() =>
        parseDefinition({
          ...base(),
          entry: { events: { table: "clinical.diagnosis", codeSet: "__proto__" } },
        }),
      ).toThrow(/entry\.events\.codeSet/);
    } finally {
      lake.close();
    }
  });
});

describe("saved definitions", () => {
  it("does not save a definition that is over a limit", async () => {
    await expect(
      validateCohort(ctxOf(), { ...base(), title: "x".repeat(58 * 1024 * 1024) }),
    ).rejects.toThrow(/larger than the limit/);
    const saved = await store.db.selectFrom("cohort_definitions").select("hash").execute();
    expect(saved).toEqual([]);
  });

  it("a stored version that no longer passes breaks only its own use, never every command", async () => {
    // As left by an older Kaivo: one over the size limit, one the language no longer accepts.
    const rows = [
      {
        hash: "a".repeat(64),
        name: "huge",
        definition: JSON.stringify({ ...base(), name: "huge", title: "x".repeat(300_000) }),
      },
      {
        hash: "b".repeat(64),
        name: "old",
        definition: JSON.stringify({ ...base(), name: "old", demographics: { age: { max: -5 } } }),
      },
    ];
    for (const r of rows)
      await store.db
        .insertInto("cohort_definitions")
        .values({ ...r, title: null, created_at: new Date().toISOString(), created_by: "stina" })
        .execute();
    try {
      const report = await validateCohort(ctxOf(), base());
      expect(report.errors).toEqual([]);
      const lake = await Lake.open(home);
      try {
        for (const [name, version, problem] of [
          ["huge", "aaaaaaaa", /saved cohort huge \(aaaaaaaaaaaa\) is larger than the limit/],
          ["old", "bbbbbbbb", /saved cohort old \(bbbbbbbbbbbb\): demographics\.age\.max/],
        ] as const) {
          const def = parseDefinition({
            ...base(),
            inclusion: [{ name: "uses", criteria: { cohort: { name, version } } }],
          });
          const cctx = await cohortContext(lake, store, def);
          expect(validateDefinition(def, cctx).errors).toEqual([
            { path: "inclusion", message: expect.stringMatching(problem) },
          ]);
          expect(() => compileCohort(def, cctx)).toThrow(problem);
        }
      } finally {
        lake.close();
      }
    } finally {
      await store.db.deleteFrom("cohort_definitions").execute();
    }
  });
});

describe("cohorts used inside others", () => {
  it("counts the criteria of the cohorts a definition uses against the limit", async () => {
    const wide = parseDefinition({
      ...base(),
      name: "wide",
      inclusion: Array.from({ length: 3 }, (_, i) => ({
        name: `r${i}`,
        criteria: { any: Array(50).fill(ra) },
      })),
    });
    const hash = await saveDefinition(ctxOf(), wide);
    try {
      const lake = await Lake.open(home);
      try {
        const uses = (times: number) =>
          parseDefinition({
            ...base(),
            inclusion: Array.from({ length: times }, (_, i) => ({
              name: `uses ${i}`,
              criteria: { cohort: { name: "wide", version: hash.slice(0, 8) } },
            })),
          });
        const cctx = await cohortContext(lake, store, uses(2));
        expect(validateDefinition(uses(1), cctx).errors).toEqual([]);
        expect(validateDefinition(uses(2), cctx).errors).toEqual([
          {
            path: "inclusion",
            message:
              "over 200 criteria with those of the cohorts it uses, which are compiled into it",
          },
        ]);
      } finally {
        lake.close();
      }
    } finally {
      await store.db.deleteFrom("cohort_definitions").execute();
    }
  });
});

describe("explain", () => {
  it("escapes control characters from anywhere, the vocabulary included", () => {
    // Past the parser (which refuses these) on purpose: explain must be safe on its own.
    const def = {
      ...parseDefinition(base()),
      title: "Safe\u001b[8mhidden",
      description: "line one\nline two\u202e",
    } as CohortDefinition;
    const text = explainDefinition(
      def,
      () => [{ system: "icd10", code: "M05.8", titleFi: null, titleEn: "arthritis\u0007\u009b" }],
      "f".repeat(64),
    );
    expect(text).toContain('Cohort "limits": Safe\\u{1b}[8mhidden');
    expect(text).toContain("line one\nline two\\u{202e}\n");
    expect(text).toContain("e.g. arthritis\\u{7}\\u{9b}");
    const lines = text.split("\n");
    expect(lines.map(printable)).toEqual(lines);
  });
});
