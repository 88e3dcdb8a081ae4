import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROWS } from "../../test/support/cohort-rows.js";
import { fixtureLake } from "../../test/support/fixture-lake.js";
import { tempDir } from "../../test/support/stores.js";
import type { Home } from "../home/home.js";
import { Lake } from "../lake/lake.js";
import { sql } from "../lake/sql.js";
import { type ControlStore, openControlStore } from "../store/control-store.js";
import { attrition, cohortContext, materialise, saveDefinition } from "./cohort-service.js";
import { compileCohort } from "./compile.js";
import { parseDefinition } from "./definition.js";
import { validateDefinition } from "./validate.js";

const tmp = tempDir("kaivo-cohort-");
let home: Home;
let store: ControlStore;

beforeAll(async () => {
  const rows = {
    ...ROWS,
    "clinical.diagnosis": [
      ...ROWS["clinical.diagnosis"],
      {
        pseudo_id: "P7",
        event_date: "2022-01-01",
        code: "M05.8",
        encounter_id: null,
        load_from: 2,
      },
    ],
  };
  home = await fixtureLake(tmp.dir, rows, [
    { id: 1, transactionTime: "2025-12-31T23:59:00+02:00" },
    { id: 2, transactionTime: "2026-01-01T23:59:00+02:00" },
  ]);
  store = await openControlStore(home);
});
afterAll(async () => {
  await store.close();
  tmp.remove();
});

const RA = { ra: { system: "icd10", codes: ["M05*", "M06*"] } };
const raEntry = { events: { table: "clinical.diagnosis", codeSet: "ra" } };

async function run(definition: unknown, snapshot?: number) {
  const lake = await Lake.open(home);
  try {
    const def = parseDefinition(definition);
    const compiled = compileCohort(def, await cohortContext(lake, store, def, snapshot));
    await materialise(lake, compiled);
    const rows = await lake.query(
      sql`select pseudo_id, index_date, exit_date from cohort_members order by 1, 2`,
    );
    return {
      members: rows.map((r) => `${r.pseudo_id} ${r.index_date}`),
      exits: rows.map((r) => `${r.pseudo_id} ${r.exit_date}`),
      attrition: await attrition(lake, compiled),
      sql: compiled.sql.compile().text,
    };
  } finally {
    lake.close();
  }
}

describe("the cohort language on a hand-made lake", () => {
  it("enters on the first, last or every coded event, with prefixes, inside a period", async () => {
    expect((await run({ name: "a", codeSets: RA, entry: raEntry })).members).toEqual([
      "P1 2015-01-10",
      "P2 2016-03-01",
      "P7 2022-01-01",
    ]);
    expect(
      (await run({ name: "a", codeSets: RA, entry: { ...raEntry, occurrence: "last" } }, 1))
        .members,
    ).toEqual(["P1 2017-01-01", "P2 2016-03-01"]);
    expect(
      (await run({ name: "a", codeSets: RA, entry: { ...raEntry, occurrence: "all" } }, 1)).members,
    ).toEqual(["P1 2015-01-10", "P1 2017-01-01", "P2 2016-03-01"]);
    expect(
      (
        await run({
          name: "a",
          codeSets: RA,
          entry: { ...raEntry, period: { from: "2016-01-01", to: "2016-12-31" } },
        })
      ).members,
    ).toEqual(["P2 2016-03-01"]);
  });

  it("reads the lake as of a snapshot: a later load does not change a pinned count", async () => {
    const def = { name: "a", codeSets: RA, entry: raEntry };
    expect((await run(def, 1)).members).toEqual(["P1 2015-01-10", "P2 2016-03-01"]);
    expect((await run(def, 2)).members).toHaveLength(3);
  });

  /** RA patients given methotrexate within 90 days of the index: P1 in, P2 out (at snapshot 1). */
  const raMethotrexate = (occurrence: "first" | "all") => ({
    name: `ra-mtx-${occurrence}`,
    codeSets: { ...RA, mtx: { system: "atc", codes: ["L04AX03"] } },
    entry: { ...raEntry, occurrence },
    inclusion: [
      {
        name: "methotrexate within 90 days",
        criteria: {
          events: { table: "clinical.medication_request", codeSet: "mtx" },
          window: { start: 0, end: 90 },
        },
      },
    ],
  });
  const raMethotrexateAttrition = {
    entered: 2,
    steps: [{ step: "methotrexate within 90 days", remaining: 1, excludedByItAlone: 1 }],
  };

  it("places criteria in windows relative to the index, and reports attrition", async () => {
    const r = await run(raMethotrexate("first"), 1);
    expect(r.members).toEqual(["P1 2015-01-10"]);
    expect(r.attrition).toEqual(raMethotrexateAttrition);
  });

  it("counts a person as excluded by a step alone only when no episode keeps them in (issue 16)", async () => {
    // P1 has two RA episodes: the first has methotrexate within 90 days, the second does not.
    // P1 stays in through the first, so only P2 is excluded by the rule alone.
    const r = await run(raMethotrexate("all"), 1);
    expect(r.members).toEqual(["P1 2015-01-10"]);
    expect(r.attrition).toEqual(raMethotrexateAttrition);
  });

  it("counts occurrences, on distinct days or not, and excludes with NONE", async () => {
    const def = (distinctDays: boolean) => ({
      name: "t2d",
      codeSets: {
        t2d: { system: "icd10", codes: ["E11*"] },
        t1d: { system: "icd10", codes: ["E10*"] },
        hba1c: { system: "lab", codes: ["17863"] },
      },
      entry: { events: { table: "clinical.diagnosis", codeSet: "t2d" } },
      inclusion: [
        {
          name: "two high HbA1c within a year",
          criteria: {
            events: {
              table: "clinical.lab",
              codeSet: "hba1c",
              where: [{ column: "value", gt: 53 }],
            },
            window: { start: 0, end: 365 },
            count: { atLeast: 2, distinctDays },
          },
        },
        {
          name: "no type 1 diabetes",
          criteria: { none: [{ events: { table: "clinical.diagnosis", codeSet: "t1d" } }] },
        },
      ],
    });
    expect((await run(def(true))).members).toEqual(["P3 2018-01-01"]);
    const sameDay = await run(def(false));
    expect(sameDay.members).toEqual(["P3 2018-01-01", "P4 2018-01-01"]);
    expect(sameDay.attrition.steps[1]).toEqual({
      step: "no type 1 diabetes",
      remaining: 2,
      excludedByItAlone: 1,
    });
  });

  it("applies age, sex, municipality and alive-at-index, each as a step", async () => {
    const t2d = { t2d: { system: "icd10", codes: ["E11*"] } };
    const entry = { events: { table: "clinical.diagnosis", codeSet: "t2d" } };
    expect(
      (
        await run({
          name: "d",
          codeSets: t2d,
          entry,
          demographics: { sex: ["female"], municipality: ["091"] },
        })
      ).members,
    ).toEqual(["P3 2018-01-01", "P5 2019-01-01"]);
    // P4's last record is dated after his death.
    const alive = await run({
      name: "d",
      codeSets: t2d,
      entry: { ...entry, occurrence: "last" },
      demographics: { aliveAtIndex: true, age: { min: 18 } },
    });
    expect(alive.members).toEqual(["P3 2018-01-01", "P5 2019-01-01"]);
    expect(alive.attrition.steps.map((s) => [s.step, s.remaining])).toEqual([
      ["aged 18+ at index", 3],
      ["alive at index", 2],
    ]);
  });

  it("expresses the MI example: age 40-80, PCI within 7 days, alive 30 days later", async () => {
    const r = await run({
      name: "mi",
      codeSets: {
        mi: { system: "icd10", codes: ["I21*"] },
        pci: { system: "ncsp", codes: ["FNG05"] },
      },
      entry: { events: { table: "clinical.diagnosis", codeSet: "mi" } },
      demographics: { age: { min: 40, max: 80 } },
      inclusion: [
        {
          name: "PCI within 7 days",
          criteria: {
            events: { table: "clinical.procedure", codeSet: "pci" },
            window: { start: 0, end: 7 },
          },
        },
        {
          name: "alive 30 days later",
          criteria: { none: [{ death: true, window: { start: 0, end: 30 } }] },
        },
      ],
      exit: { atDeath: true },
    });
    expect(r.members).toEqual(["P8 2021-01-01"]);
    expect(r.exits).toEqual(["P8 2026-01-01"]); // the data ends with load 2's export
    expect(r.attrition).toEqual({
      entered: 3,
      steps: [
        { step: "aged 40-80 at index", remaining: 2, excludedByItAlone: 1 },
        { step: "PCI within 7 days", remaining: 2, excludedByItAlone: 0 },
        { step: "alive 30 days later", remaining: 1, excludedByItAlone: 1 },
      ],
    });
  });

  it("nests ALL, ANY, AT LEAST n and NONE, over labs, notes and a registry variable", async () => {
    const codeSets = {
      ...RA,
      mtx: { system: "atc", codes: ["L04AX03"] },
      crp: { system: "lab", codes: ["4541"] },
    };
    const mtx90 = {
      events: { table: "clinical.medication_request", codeSet: "mtx" },
      window: { start: 0, end: 90 },
    };
    const mtxAny = { events: { table: "clinical.medication_request", codeSet: "mtx" } };
    const highCrp = {
      events: { table: "clinical.lab", codeSet: "crp", where: [{ column: "value", gt: 10 }] },
    };
    const jointNote = {
      events: { table: "clinical.note", where: [{ column: "text", contains: ["NIVEL"] }] },
    };
    const das28 = { events: { table: "reuma.visit", where: [{ column: "das28", gt: 5.1 }] } };
    const quiet = {
      events: { table: "clinical.note", where: [{ column: "text", contains: ["ei valituksia"] }] },
    };
    const rule = (criteria: unknown) => ({
      name: "r",
      codeSets,
      entry: raEntry,
      inclusion: [{ name: "rule", criteria }],
    });
    const members = async (criteria: unknown) => (await run(rule(criteria), 1)).members;
    expect(await members({ any: [mtx90, highCrp] })).toEqual(["P1 2015-01-10"]);
    expect(await members({ atLeast: 2, of: [mtxAny, highCrp, jointNote] })).toEqual([
      "P1 2015-01-10",
      "P2 2016-03-01",
    ]);
    expect(await members({ atLeast: 3, of: [mtxAny, highCrp, jointNote] })).toEqual([
      "P1 2015-01-10",
    ]);
    expect(await members({ all: [{ any: [mtx90, das28] }, { none: [quiet] }] })).toEqual([
      "P1 2015-01-10",
    ]);
    expect(await members({ none: [das28] })).toEqual(["P2 2016-03-01"]);
  });

  it("matches events of the same visit as the index event", async () => {
    const r = await run(
      {
        name: "v",
        codeSets: { ...RA, crp: { system: "lab", codes: ["4541"] } },
        entry: raEntry,
        inclusion: [
          {
            name: "CRP at the diagnosis visit",
            criteria: { events: { table: "clinical.lab", codeSet: "crp" }, sameVisit: true },
          },
        ],
      },
      1,
    );
    expect(r.members).toEqual(["P1 2015-01-10"]);
  });

  it("enters on notes with words, on visits to a kind of unit, and on registry values", async () => {
    const notes = await run({
      name: "n",
      entry: {
        events: { table: "clinical.note", where: [{ column: "text", contains: ["nivel"] }] },
      },
    });
    expect(notes.members).toEqual(["P1 2015-01-10", "P2 2016-02-10"]);
    const ward = await run({
      name: "w",
      codeSets: { ms: { system: "icd10", codes: ["G35"] } },
      entry: {
        events: {
          table: "clinical.visit",
          where: [
            { column: "specialty", in: ["77"] },
            { column: "location_id.kind", in: ["wa"] },
          ],
        },
        period: { from: "2018-01-01", to: "2020-12-31" },
      },
      inclusion: [
        { name: "MS", criteria: { events: { table: "clinical.diagnosis", codeSet: "ms" } } },
      ],
    });
    expect(ward.members).toEqual(["P3 2019-06-01"]);
    const registry = await run({
      name: "r",
      entry: { events: { table: "reuma.visit", where: [{ column: "das28", gt: 5.1 }] } },
    });
    expect(registry.members).toEqual(["P1 2015-06-01"]);
  });

  it("ends follow-up at an offset, at death, or at a censoring event", async () => {
    const mtx = { system: "atc", codes: ["L04AX03"] };
    expect(
      (await run({ name: "e", codeSets: RA, entry: raEntry, exit: { offsetDays: 365 } }, 1)).exits,
    ).toEqual(["P1 2016-01-10", "P2 2017-03-01"]);
    expect(
      (
        await run(
          {
            name: "e",
            codeSets: { ...RA, mtx },
            entry: raEntry,
            exit: { censor: { table: "clinical.medication_request", codeSet: "mtx" } },
          },
          1,
        )
      ).exits,
    ).toEqual(["P1 2015-02-01", "P2 2016-08-01"]);
    expect(
      (
        await run({
          name: "e",
          codeSets: { mi: { system: "icd10", codes: ["I21.0"] } },
          entry: { events: { table: "clinical.diagnosis", codeSet: "mi" } },
          exit: { atDeath: true },
        })
      ).exits,
    ).toEqual(["P6 2020-01-20", "P8 2026-01-01"]);
  });

  it("uses another saved cohort, by name and version, as a criterion", async () => {
    const ra = parseDefinition({ name: "ra-first", codeSets: RA, entry: raEntry });
    const hash = await saveDefinition(
      { home, store, actor: { name: "stina", role: "steward" } },
      ra,
    );
    const r = await run(
      {
        name: "crp-after-ra",
        codeSets: { crp: { system: "lab", codes: ["4541"] } },
        entry: { events: { table: "clinical.lab", codeSet: "crp" } },
        inclusion: [
          {
            name: "rheumatoid arthritis diagnosed before (or on) the CRP",
            criteria: {
              cohort: { name: "ra-first", version: hash.slice(0, 10) },
              window: { end: 0 },
            },
          },
        ],
      },
      1,
    );
    expect(r.members).toEqual(["P1 2015-01-10"]);
    expect(r.sql).toMatch(/"k1_entry_events" as/);
  });

  it("names the offending path and the valid choices for unknown tables, columns and codes", async () => {
    const lake = await Lake.open(home);
    try {
      // None of these uses another cohort: one context serves them all.
      const ctx = await cohortContext(
        lake,
        store,
        parseDefinition({ name: "any", codeSets: RA, entry: raEntry }),
      );
      const check = (d: unknown) => validateDefinition(parseDefinition(d), ctx);
      const table = check({ name: "x", entry: { events: { table: "clinical.nope" } } });
      expect(table.errors[0]?.path).toBe("entry.events.table");
      expect(table.errors[0]?.message).toMatch(/tables: .*clinical\.diagnosis/);
      const column = check({
        name: "x",
        entry: { events: { table: "clinical.lab", where: [{ column: "valu", gt: 1 }] } },
      });
      expect(column.errors[0]).toMatchObject({
        path: "entry.events.where[0].column",
        message: expect.stringMatching(/no column "valu"; columns: .*value/),
      });
      const system = check({
        name: "x",
        codeSets: { mtx: { system: "atc", codes: ["L04AX03"] } },
        entry: { events: { table: "clinical.diagnosis", codeSet: "mtx" } },
      });
      expect(system.errors[0]?.message).toMatch(
        /no column coded in atc; code columns: code \(icd10\)/,
      );
      const code = check({
        name: "x",
        codeSets: { ra: { system: "icd10", codes: ["M99*"] } },
        entry: { events: { table: "clinical.diagnosis", codeSet: "ra" } },
      });
      expect(code.errors).toEqual([]);
      expect(code.warnings[0]).toEqual({
        path: "codeSets.ra.codes[0]",
        message: "M99* matches no icd10 code in the vocabulary",
      });
      expect(() => parseDefinition({ name: "x", entry: { events: { table: "lab" } } })).toThrow(
        /entry\.events\.table: REGISTRY\.TABLE/,
      );
    } finally {
      lake.close();
    }
  });
});
