import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "../src/auth/roles.js";
import { addUser } from "../src/auth/users.js";
import {
  searchCatalogService as searchCatalog,
  showCatalog,
} from "../src/catalog/catalog-service.js";
import {
  attrition,
  type Ctx,
  cohortContext,
  cohortSql,
  explainCohort,
  materialise,
  runCohort,
  validateCohort,
} from "../src/cohort/cohort-service.js";
import { compileCohort } from "../src/cohort/compile.js";
import { type CohortDefinition, parseDefinition } from "../src/cohort/definition.js";
import { feasibility } from "../src/feasibility/feasibility-service.js";
import type { Home } from "../src/home/home.js";
import { Lake } from "../src/lake/lake.js";
import {
  activatePermit,
  approvePermit,
  draftPermit,
  reviewPermit,
  submitPermit,
} from "../src/permits/permit-service.js";
import { createRelease } from "../src/release/release-service.js";
import { type ControlStore, openControlStore } from "../src/store/control-store.js";
import { ROWS } from "./support/cohort-rows.js";
import { fixtureLake } from "./support/fixture-lake.js";
import { tempDir } from "./support/stores.js";

/*
 * The attacks of issue 15, finding 1, run through the services a researcher or a steward calls.
 * Each payload breaks out of what the old compiler wrote (a `--` comment holding a rule's name,
 * a step named after sex or municipality values) and either reads `keys/lake.key` into a DuckDB
 * error or changes the lake. After any of them the key must appear in no output or error, and
 * the lake and key files must be byte for byte as before.
 */

const researcher: Actor = { name: "riku", role: "researcher" };
const steward: Actor = { name: "stina", role: "steward" };
const tmp = tempDir("kaivo-inject-");
afterAll(() => tmp.remove());
let home: Home;
let store: ControlStore;
let keyPath: string;

beforeAll(async () => {
  home = await fixtureLake(join(tmp.dir, "home"), ROWS);
  // No rate limit here: the limit has tests of its own; these runs are the attacks themselves.
  home = { ...home, config: { ...home.config, feasibility: { perMinute: 1e6, perDay: 1e6 } } };
  store = await openControlStore(home);
  keyPath = join(home.dir, "keys", "lake.key");
});
afterAll(async () => {
  await store?.close();
});

const ctx = (actor: Actor): Ctx => ({ home, store, actor });
const fileHash = (f: string) => createHash("sha256").update(readFileSync(f)).digest("hex");
const protectedFiles = () => ["lake.duckdb", "keys/lake.key", "keys/vault.key"];
const hashes = () => protectedFiles().map((f) => fileHash(join(home.dir, f)));

/** Every 8-character piece of a key file, and of its bytes in hex: none may appear anywhere. */
function keyPieces(): string[] {
  const pieces: string[] = [];
  for (const f of ["keys/lake.key", "keys/vault.key"]) {
    const text = readFileSync(join(home.dir, f), "utf8").trim();
    const hex = Buffer.from(text, "base64").toString("hex");
    for (const s of [text, hex])
      for (let i = 0; i + 8 <= s.length; i++) pieces.push(s.slice(i, i + 8));
  }
  return pieces;
}

function leaks(output: string): string[] {
  return keyPieces().filter((p) => output.includes(p));
}

/** Runs a call and returns what it printed or threw, as one string. */
async function outcome(work: () => Promise<unknown>): Promise<string> {
  try {
    return JSON.stringify(await work());
  } catch (error) {
    return `${(error as Error).name}: ${(error as Error).message} ${(error as { hint?: string }).hint ?? ""}`;
  }
}

const base = () => ({
  name: "ra",
  codeSets: { ra: { system: "icd10", codes: ["M05*", "M06*"] } },
  entry: { events: { table: "clinical.diagnosis", codeSet: "ra" } },
  inclusion: [] as unknown[],
});

const readKey = () => `(select content from read_text('${keyPath}'))`;
const municipalities = () =>
  `select municipality from clinical.person where load_to is null order by pseudo_id`;

describe("no user text reaches SQL (issue 15, finding 1)", () => {
  it("a newline in an inclusion rule's name cannot end the comment and read the lake key", async () => {
    const before = hashes();
    const def = {
      ...base(),
      inclusion: [
        {
          name: `x\n    cast(${readKey()} as integer) as leak,\n    --`,
          criteria: { events: { table: "clinical.diagnosis", codeSet: "ra" } },
        },
      ],
    };
    const seen = await outcome(() => feasibility(ctx(researcher), def));
    expect(leaks(seen)).toEqual([]);
    expect(hashes()).toEqual(before);
  });

  it("a newline in a sex or municipality value cannot end the comment either", async () => {
    const before = hashes();
    const payload = `female\n    cast(${readKey()} as integer) as leak,\n    --`;
    for (const demographics of [{ sex: [payload] }, { municipality: [payload] }]) {
      const seen = await outcome(() => feasibility(ctx(researcher), { ...base(), demographics }));
      expect(leaks(seen)).toEqual([]);
    }
    expect(hashes()).toEqual(before);
  });

  it("a rule's name cannot add statements: no UPDATE of the lake through feasibility or a cohort run", async () => {
    const before = hashes();
    const update = `x\n true as s0 from episodes i) select * from flags; update clinical.person set municipality = '000'; create or replace temp table cohort_flags as with flags as (select 1 as episode, null as pseudo_id, null::date as index_date, null as index_visit, null::date as exit_date,\n --`;
    const def = {
      ...base(),
      inclusion: [
        { name: update, criteria: { events: { table: "clinical.diagnosis", codeSet: "ra" } } },
      ],
    };
    const was = await cohortRowsOf(municipalities());
    await outcome(() => feasibility(ctx(researcher), def));
    expect(hashes()).toEqual(before);
    // A steward's cohort run writes the lake (its members), but still only what it means to.
    await outcome(() => runCohort(ctx(steward), { ...def, name: "ra-run" }));
    expect(await cohortRowsOf(municipalities())).toEqual(was);
  });

  it("refuses a query that tries to write, through every query path's connection", async () => {
    const { withLake } = await import("../src/lake/access.js");
    const { sql } = await import("../src/lake/sql.js");
    for (const permission of ["feasibility.run", "cohort.read", "catalog.read"] as const) {
      const write = withLake(ctx(steward), permission, (lake) =>
        lake.query(sql`update clinical.person set municipality = '000'`),
      );
      await expect(write).rejects.toThrow(/read-only/);
    }
    expect(await cohortRowsOf(municipalities())).not.toContainEqual({ municipality: "000" });
  });

  it("names the steps beside the statement, never inside it", async () => {
    const name = "it's a rule -- with a /* comment */ in it";
    const def = {
      ...base(),
      inclusion: [{ name, criteria: { events: { table: "clinical.diagnosis", codeSet: "ra" } } }],
    };
    const { text, params, steps } = await cohortSql(ctx(researcher), def);
    expect(text).not.toContain("rule");
    expect(text).toContain("-- step 1");
    expect(params).not.toContain(name);
    expect(steps).toEqual([{ name, column: "s1" }]);
  });

  it("refuses to read a file, even on a writable lake", async () => {
    const { sql } = await import("../src/lake/sql.js");
    const lake = await Lake.open(home);
    try {
      const read = lake.query(sql`select content from read_text(${keyPath})`);
      await expect(read).rejects.toThrow(/disabled by configuration/);
      const write = lake.query(sql`copy (select 1) to ${join(tmp.dir, "out.csv")}`);
      await expect(write).rejects.toThrow(/disabled by configuration/);
      await expect(lake.query(sql`set enable_external_access = true`)).rejects.toThrow();
    } finally {
      lake.close();
    }
  });
});

describe("a release of a saved cohort that carries a payload (issue 15, finding 1)", () => {
  it("releases the cohort's people only, and leaks no key, whoever saved the definition", async () => {
    const system: Actor = { name: "system", role: "admin" };
    const reviewer: Actor = { name: "reija", role: "reviewer" };
    for (const a of [researcher, reviewer, steward])
      await addUser(store, system, { name: a.name, role: a.role }).catch(() => undefined);
    const named = (name: string) => ({
      ...base(),
      name: "ra-payload",
      inclusion: [{ name, criteria: { events: { table: "clinical.diagnosis", codeSet: "ra" } } }],
    });
    // A newline is refused as the definition is read (docs/cohorts.md, Limits), so it is never
    // saved; a quote is printable text, saved, and must stay a value all the way to the release.
    const refused = await outcome(() =>
      validateCohort(
        ctx(researcher),
        named(`x\n    cast(${readKey()} as integer) as leak,\n    --`),
      ),
    );
    expect(refused).toMatch(
      /^ValidationError: .*inclusion\[0\]\.name: contains a control character/,
    );
    expect(leaks(refused)).toEqual([]);
    const def = named(`x' || cast(${readKey()} as integer) || '`);
    const { hash } = await validateCohort(ctx(researcher), def);
    const exact = await feasibility(ctx(steward), def);
    expect(exact.persons).toBe(2);
    const id = "P-INJECT";
    await draftPermit(ctx(researcher), {
      id,
      title: "Rheumatoid arthritis follow-up",
      organisation: "University of Helsinki",
      legalBasis: "Secondary Use Act 552/2019, scientific research",
      purpose: "How treatment develops after diagnosis.",
      validUntil: new Date(Date.now() + 365 * 86_400_000).toISOString().slice(0, 10),
      scope: {
        cohort: { name: "ra-payload", hash },
        tables: { "clinical.diagnosis": ["event_date", "code"] },
        period: { from: "1990-01-01", to: "2025-12-31" },
        formats: ["parquet"],
      },
    });
    await submitPermit(ctx(researcher), id, "ready");
    await reviewPermit(ctx(reviewer), id, "taking it");
    await approvePermit(ctx(reviewer), id, "fine");
    await activatePermit(ctx(steward), id, "go");
    const before = hashes();
    const seen = await outcome(() => createRelease(ctx(steward), id));
    expect(leaks(seen)).toEqual([]);
    expect(JSON.parse(seen).persons).toBe(2);
    expect(hashes()).toEqual(before);
  }, 120_000);
});

/*
 * The fuzz: every string a definition can hold, set in turn to each hostile payload, through
 * compile and run, `cohort sql`, `explain`, `validate` and feasibility. A definition that still
 * compiles must compile to the very same statement text as with a plain value (values are
 * parameters); nothing may leak a key; the lake and keys stay as they were.
 */
const PAYLOADS = [
  "'",
  `"`,
  "x\n-- comment\n",
  "'; DROP TABLE clinical.person; --",
  "\u2028 select 1",
  "nul\u0000byte",
  "\u001b[2J\u001b[31mred",
  "x".repeat(10_000),
];

function fuzzBase() {
  return {
    name: "fuzz",
    title: "a title",
    description: "a description",
    codeSets: {
      ra: { system: "icd10", codes: ["M05*", "M06.0"] },
      crp: { system: "lab", codes: ["4541"] },
    },
    entry: {
      events: { table: "clinical.diagnosis", codeSet: "ra", codeColumn: "code" },
      occurrence: "first",
      period: { from: "2000-01-01", to: "2025-12-31" },
    },
    demographics: { sex: ["female"], municipality: ["091"], age: { min: 18 } },
    inclusion: [
      {
        name: "crp measured",
        criteria: {
          events: {
            table: "clinical.lab",
            codeSet: "crp",
            where: [
              { column: "unit", in: ["mg/l"] },
              { column: "value", gt: 1 },
            ],
          },
          window: { start: -30, end: 30 },
        },
      },
      {
        name: "joint pain",
        criteria: {
          events: { table: "clinical.note", where: [{ column: "text", contains: ["nivel"] }] },
        },
      },
      {
        name: "rheumatology clinic",
        criteria: {
          events: {
            table: "clinical.visit",
            where: [{ column: "location_id.name", in: ["Reumatologian poliklinikka"] }],
          },
        },
      },
      {
        name: "visit date",
        criteria: {
          events: { table: "clinical.visit", where: [{ column: "event_date", gte: "2010-01-01" }] },
        },
      },
    ],
    exit: { censor: { table: "clinical.procedure" } },
  };
}

/** Paths of every string in a JSON value, and of every key of the code sets (they are names). */
function stringPaths(
  value: unknown,
  path: Array<string | number> = [],
): Array<Array<string | number>> {
  if (typeof value === "string") return [path];
  if (Array.isArray(value)) return value.flatMap((v, i) => stringPaths(v, [...path, i]));
  if (value && typeof value === "object")
    return Object.entries(value).flatMap(([k, v]) => stringPaths(v, [...path, k]));
  return [];
}

function withValue(
  path: Array<string | number>,
  payload: string,
  from: unknown = fuzzBase(),
): unknown {
  const def = structuredClone(from) as Record<string | number, unknown>;
  let at = def as Record<string | number, unknown>;
  for (const p of path.slice(0, -1)) at = at[p] as Record<string | number, unknown>;
  at[path[path.length - 1] as string | number] = payload;
  return def;
}

function withCodeSetName(payload: string, from = fuzzBase()): unknown {
  const def = structuredClone(from);
  const codeSets: Record<string, unknown> = { [payload]: def.codeSets.ra, crp: def.codeSets.crp };
  return {
    ...def,
    codeSets,
    entry: { ...def.entry, events: { ...def.entry.events, codeSet: payload } },
  };
}

describe("a fuzz of every string field of a cohort definition (issue 15, finding 1)", () => {
  it("keeps the statement's shape, leaks no key and changes no file, for every payload", async () => {
    const before = hashes();
    const paths = stringPaths(fuzzBase());
    expect(paths.length).toBeGreaterThan(15);
    // Each payload once through the reader (which refuses control characters and long text)
    // and once past it, into an already read definition: the compiler must hold on its own.
    const read = parseDefinition(fuzzBase());
    const cases = [false, true].flatMap((past) => [
      ...paths.flatMap((p) =>
        PAYLOADS.map((payload) => ({
          where: p.join("."),
          past,
          def: withValue(p, payload, past ? read : fuzzBase()),
        })),
      ),
      ...PAYLOADS.map((payload) => ({
        where: "codeSets.<name>",
        past,
        def: withCodeSetName(
          payload,
          past ? (read as unknown as ReturnType<typeof fuzzBase>) : fuzzBase(),
        ),
      })),
    ]);
    const compiledShapes = new Map<string, number>();
    const pastShapes = new Map<string, number>();
    // Compiled and run as feasibility runs them, on one read-only lake: opening it per case
    // would make the test slow, not stronger.
    const lake = await Lake.open(home, { readOnly: true });
    try {
      // The fuzzed definitions use no other cohort: one context serves them all.
      const cctx = await cohortContext(lake, store, parseDefinition(fuzzBase()));
      expect(compileCohort(parseDefinition(fuzzBase()), cctx).sql.compile().params.length).toBe(21);
      // The statement for a plain value in the same place ("M05*" is a prefix, "plain" is not).
      const plainText = (where: string, past: boolean) => {
        try {
          const path = where.split(".").map((p) => (/^\d+$/.test(p) ? Number(p) : p));
          const from = past ? read : fuzzBase();
          const plain =
            where === "codeSets.<name>"
              ? withCodeSetName("plain", from as unknown as ReturnType<typeof fuzzBase>)
              : withValue(path, "plain", from);
          const def = past ? (plain as CohortDefinition) : parseDefinition(plain);
          return compileCohort(def, cctx).sql.compile().text;
        } catch {
          return undefined;
        }
      };
      for (const { where, past, def } of cases) {
        const printed: string[] = [];
        try {
          const compiled = compileCohort(
            past ? (def as CohortDefinition) : parseDefinition(def),
            cctx,
          );
          const { text, params } = compiled.sql.compile();
          // Values went into parameters: the statement text is the plain value's.
          expect(text, where).toBe(plainText(where, past));
          const shapes = past ? pastShapes : compiledShapes;
          shapes.set(where, (shapes.get(where) ?? 0) + 1);
          await materialise(lake, compiled);
          printed.push(JSON.stringify(params), JSON.stringify(await attrition(lake, compiled)));
        } catch (error) {
          if ((error as Error).name === "AssertionError") throw error;
          printed.push((error as Error).message);
        }
        expect(leaks(printed.join("\n")), where).toEqual([]);
      }
    } finally {
      lake.close();
    }
    // The values a researcher chooses (filter values, words, sex, municipality, rule names,
    // titles) compiled, and to the same text; names of tables and columns were refused.
    for (const field of [
      "demographics.sex.0",
      "demographics.municipality.0",
      "inclusion.0.name",
      "inclusion.0.criteria.events.where.0.in.0",
      "inclusion.1.criteria.events.where.0.contains.0",
      "inclusion.2.criteria.events.where.0.in.0",
      "title",
    ]) {
      expect(compiledShapes.get(field), field).toBeGreaterThan(0);
      // Past the reader every payload compiles there, to the plain value's text.
      expect(pastShapes.get(field), field).toBe(PAYLOADS.length);
    }
    expect(hashes()).toEqual(before);
  }, 300_000);

  it("lets no field's payload out through the services a researcher calls", async () => {
    const before = hashes();
    const breakout = `x\n    cast(${readKey()} as integer) as leak,\n    --`;
    for (const path of stringPaths(fuzzBase())) {
      const def = withValue(path, breakout);
      const seen = [
        await outcome(() => feasibility(ctx(researcher), def)),
        await outcome(() => cohortSql(ctx(researcher), def)),
        await outcome(() => explainCohort(ctx(researcher), def)),
        await outcome(() => validateCohort(ctx(researcher), def)),
      ].join("\n");
      expect(leaks(seen), path.join(".")).toEqual([]);
    }
    expect(hashes()).toEqual(before);
  }, 300_000);

  it("leaves the catalog's words and names out of SQL too", async () => {
    const before = hashes();
    for (const payload of PAYLOADS) {
      const seen = [
        await outcome(() => searchCatalog(ctx(researcher), payload)),
        await outcome(() => showCatalog(ctx(researcher), payload)),
        await outcome(() => showCatalog(ctx(researcher), `clinical.${payload}`)),
      ].join("\n");
      expect(leaks(seen)).toEqual([]);
    }
    expect(hashes()).toEqual(before);
  });
});

async function cohortRowsOf(text: string) {
  const lake = await Lake.open(home, { readOnly: true });
  try {
    return (await lake.connection.runAndReadAll(text)).getRowObjectsJson();
  } finally {
    lake.close();
  }
}
