import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "../src/auth/roles.js";
import { type Ctx, listCohorts, runCohort } from "../src/cohort/cohort-service.js";
import { definitionJsonSchema } from "../src/cohort/definition.js";
import { FORCED_CAP } from "../src/disclosure/family.js";
import { type FeasibilityResult, feasibility } from "../src/feasibility/feasibility-service.js";
import { initHome } from "../src/home/home.js";
import { ingest } from "../src/ingest/ingest-service.js";
import { Lake } from "../src/lake/lake.js";
import { RateLimitError } from "../src/shared/errors.js";
import { openControlStore } from "../src/store/control-store.js";
import { DEFAULT_SYNTH_OPTIONS, runSynth } from "../src/synth/synth.js";
import { lakeRows } from "./support/lake-rows.js";
import { tempDir } from "./support/stores.js";

const steward: Actor = { name: "stina", role: "steward" };
const researcher: Actor = { name: "riku", role: "researcher" };
const tmp = tempDir("kaivo-cohorts-");
afterAll(() => tmp.remove());
const data = join(tmp.dir, "synth");
const homeDir = join(tmp.dir, "home");
const EXAMPLES = join(import.meta.dirname, "../examples/cohorts");
const example = (name: string) =>
  JSON.parse(readFileSync(join(EXAMPLES, `${name}.json`), "utf8")) as unknown;

async function as<T>(actor: Actor, work: (ctx: Ctx) => Promise<T>): Promise<T> {
  const { home } = initHome(homeDir, {});
  const store = await openControlStore(home);
  try {
    // No rate limit here: the rate limit has a test of its own.
    const unlimited = {
      ...home,
      config: { ...home.config, feasibility: { perMinute: 1e6, perDay: 1e6 } },
    };
    return await work({ home: unlimited, store, actor });
  } finally {
    await store.close();
  }
}

type Rows = Array<Record<string, unknown>>;
async function current(sql: string): Promise<Rows> {
  const lake = await Lake.open(initHome(homeDir, {}).home);
  try {
    return await lakeRows(lake, sql);
  } finally {
    lake.close();
  }
}

// Plain date arithmetic, independent of the compiler and of DuckDB.
const day = (d: unknown) =>
  Math.floor(Date.parse(`${String(d).slice(0, 10)}T00:00:00Z`) / 86_400_000);
const byPerson = (rows: Rows) => {
  const map = new Map<string, Rows>();
  for (const r of rows) map.set(String(r.pseudo_id), [...(map.get(String(r.pseudo_id)) ?? []), r]);
  return map;
};
const firstDay = (rows: Rows) => Math.min(...rows.map((r) => day(r.event_date)));
function fullYears(birth: string, at: number): number {
  const b = new Date(`${birth.slice(0, 10)}T00:00:00Z`);
  const d = new Date(at * 86_400_000);
  let years = d.getUTCFullYear() - b.getUTCFullYear();
  if (
    d.getUTCMonth() < b.getUTCMonth() ||
    (d.getUTCMonth() === b.getUTCMonth() && d.getUTCDate() < b.getUTCDate())
  )
    years--;
  return years;
}

/** Each example cohort counted again in TypeScript over the lake's current rows. */
const INDEPENDENT: Record<string, () => Promise<number>> = {
  "ra-methotrexate": async () => {
    const ra = byPerson(
      await current(
        "select pseudo_id, event_date from clinical.diagnosis where load_to is null and (code like 'M05%' or code like 'M06%')",
      ),
    );
    const mtx = byPerson(
      await current(
        "select pseudo_id, event_date from clinical.medication_request where load_to is null and atc = 'L04AX03'",
      ),
    );
    let n = 0;
    for (const [p, rows] of ra) {
      const index = firstDay(rows);
      if (
        (mtx.get(p) ?? []).some(
          (r) => day(r.event_date) >= index && day(r.event_date) <= index + 90,
        )
      )
        n++;
    }
    return n;
  },
  "ms-neurology-ward-2018-2020": async () => {
    const wards = new Set(
      (
        await current("select record_key from clinical.unit where load_to is null and kind = 'wa'")
      ).map((r) => r.record_key),
    );
    const visits = (
      await current(
        "select pseudo_id, event_date, location_id from clinical.visit where load_to is null and specialty = '77'",
      )
    ).filter(
      (r) =>
        wards.has(r.location_id) &&
        String(r.event_date) >= "2018-01-01" &&
        String(r.event_date) <= "2020-12-31",
    );
    const ms = new Set(
      (
        await current(
          "select pseudo_id from clinical.diagnosis where load_to is null and code = 'G35'",
        )
      ).map((r) => r.pseudo_id),
    );
    return new Set(visits.filter((v) => ms.has(v.pseudo_id)).map((v) => v.pseudo_id)).size;
  },
  "t2d-hba1c": async () => {
    const t2d = byPerson(
      await current(
        "select pseudo_id, event_date from clinical.diagnosis where load_to is null and code like 'E11%'",
      ),
    );
    const t1d = new Set(
      (
        await current(
          "select pseudo_id from clinical.diagnosis where load_to is null and code like 'E10%'",
        )
      ).map((r) => r.pseudo_id),
    );
    const high = byPerson(
      (
        await current(
          "select pseudo_id, event_date, value, unit from clinical.lab where load_to is null and local_code = '17863'",
        )
      ).filter((r) => r.value !== null && Number(r.value) > 53 && r.unit === "mmol/mol"),
    );
    let n = 0;
    for (const [p, rows] of t2d) {
      if (t1d.has(p)) continue;
      const index = firstDay(rows);
      const days = new Set(
        (high.get(p) ?? [])
          .map((r) => day(r.event_date))
          .filter((d) => d >= index && d <= index + 365),
      );
      if (days.size >= 2) n++;
    }
    return n;
  },
  "mi-pci": async () => {
    const mi = byPerson(
      await current(
        "select pseudo_id, event_date from clinical.diagnosis where load_to is null and code like 'I21%'",
      ),
    );
    const pci = byPerson(
      await current(
        "select pseudo_id, event_date from clinical.procedure where load_to is null and code = 'FNG05'",
      ),
    );
    const people = new Map(
      (
        await current(
          "select pseudo_id, birth_date, deceased_at from clinical.person where load_to is null",
        )
      ).map((r) => [r.pseudo_id, r]),
    );
    let n = 0;
    for (const [p, rows] of mi) {
      const index = firstDay(rows);
      const person = people.get(p);
      if (!person?.birth_date) continue;
      const age = fullYears(String(person.birth_date), index);
      if (age < 40 || age > 80) continue;
      if (
        !(pci.get(p) ?? []).some(
          (r) => day(r.event_date) >= index && day(r.event_date) <= index + 7,
        )
      )
        continue;
      const death = person.deceased_at ? day(person.deceased_at) : null;
      if (death !== null && death >= index && death <= index + 30) continue;
      n++;
    }
    return n;
  },
  "joint-pain-crp": async () => {
    const words = ["nivelkipu", "nivelkivut", "ledbesvär", "joint pain", "polyarthritis"];
    const notes = byPerson(
      (
        await current("select pseudo_id, event_date, text from clinical.note where load_to is null")
      ).filter((r) =>
        words.some((w) =>
          String(r.text ?? "")
            .toLowerCase()
            .includes(w),
        ),
      ),
    );
    const crp = byPerson(
      (
        await current(
          "select pseudo_id, event_date, value from clinical.lab where load_to is null and local_code = '4541'",
        )
      ).filter((r) => r.value !== null && Number(r.value) > 10),
    );
    let n = 0;
    for (const [p, rows] of notes) {
      const index = firstDay(rows);
      if ((crp.get(p) ?? []).some((r) => Math.abs(day(r.event_date) - index) <= 30)) n++;
    }
    return n;
  },
};

beforeAll(async () => {
  await runSynth({ ...DEFAULT_SYNTH_OPTIONS, patients: 3000, seed: 7, days: 1, out: data });
  // The initial export first, so snapshot pinning can be checked against the daily load.
  await as(steward, (ctx) => ingest(ctx, join(data, "fhir")));
}, 180_000);

describe("example cohorts on a synthetic lake", () => {
  it("has one independent count per example", () => {
    expect(
      readdirSync(EXAMPLES)
        .map((f) => f.replace(/\.json$/, ""))
        .sort(),
    ).toEqual(Object.keys(INDEPENDENT).sort());
  });

  it("counts each example exactly as plain TypeScript over the same rows does", async () => {
    let nonEmpty = 0;
    for (const [name, count] of Object.entries(INDEPENDENT)) {
      const result = await as(steward, (ctx) => feasibility(ctx, example(name), { source: name }));
      const expected = await count();
      expect(result.persons, name).toBe(expected);
      if (expected > 0) nonEmpty++;
    }
    expect(nonEmpty).toBeGreaterThanOrEqual(4);
  });

  it("never shows a researcher a count from 0 to 4, perturbs the rest within the published bound, and lists every category", async () => {
    const data = ["clinical.lab.value", "clinical.procedure", "clinical.note"];
    const pairs: Array<{ shown: FeasibilityResult; exact: FeasibilityResult }> = [];
    for (const name of Object.keys(INDEPENDENT))
      pairs.push({
        shown: await as(researcher, (ctx) => feasibility(ctx, example(name), { data })),
        exact: await as(steward, (ctx) => feasibility(ctx, example(name), { data })),
      });
    const numbers: number[] = [];
    const errors: number[] = [];
    const compare = (shown: unknown, exact: unknown, path: string) => {
      if (typeof exact === "number") {
        if (typeof shown === "number") {
          numbers.push(shown);
          // Perturbation moves a count by at most D = 5 (kaivo.json disclosure.perturbation). An
          // answer made of w draws (given again, combined or forced by the ledger) is within
          // wD + (w - 1)(k - 1), and w is at most FORCED_CAP; most answers are fresh.
          errors.push(Math.abs(shown - exact));
          expect(Math.abs(shown - exact), path).toBeLessThanOrEqual(
            FORCED_CAP * 5 + (FORCED_CAP - 1) * 4,
          );
        } else {
          expect(shown, path).toBe("<5");
          expect(exact, path).toBeLessThan(5 + FORCED_CAP * 5 + (FORCED_CAP - 1) * 4);
        }
      } else if (Array.isArray(exact) && Array.isArray(shown))
        for (const [i, x] of exact.entries()) compare(shown[i], x, `${path}[${i}]`);
      else if (exact && typeof exact === "object" && shown && typeof shown === "object")
        for (const [k, x] of Object.entries(exact))
          if (!["snapshot", "firstYear", "lastYear", "label", "exact"].includes(k))
            compare((shown as Record<string, unknown>)[k], x, `${path}.${k}`);
    };
    for (const { shown: r, exact } of pairs) {
      expect(r.exact).toBe(false);
      if (r.exact || !exact.exact) continue;
      expect(r.policy).toMatch(/^kaivo-sdc\/2 k=5 /);
      if (r.bySex.length === 0) {
        // No breakdown at all for a cohort shown under breakdownMin (20).
        expect(typeof r.persons === "string" || r.persons < 20).toBe(true);
        expect([r.byAgeBand, r.byIndexYear, r.sexByAgeBand.cells]).toEqual([[], [], []]);
        continue;
      }
      compare(r, exact, r.name);
      // Every category is listed, empty or not (issue 16): which labels appear says nothing.
      expect(r.bySex.map((c) => c.label)).toEqual(["female", "male", "other", "unknown"]);
      expect(r.byAgeBand.map((c) => c.label)).toEqual([
        "0-17",
        "18-39",
        "40-59",
        "60-79",
        "80+",
        "unknown",
      ]);
      const years = r.byIndexYear.map((c) => Number(c.label));
      expect(years).toEqual(years.map((_, i) => (years[0] ?? 0) + i));
      // The years listed for a data group are the table's, whoever is in the cohort.
      for (const [i, d] of r.data.entries())
        expect(d.byYear.map((y) => y.label)).toEqual(exact.data[i]?.byYear.map((y) => y.label));
    }
    expect(numbers.length).toBeGreaterThan(20);
    const histogram = new Map<number, number>();
    for (const e of errors) histogram.set(e, (histogram.get(e) ?? 0) + 1);
    // The ledger has each answer's exact size and how many draws it is made of: a fresh draw is
    // within D; an answer of w draws within wD + w(k - 1) (given again: k - 1 more).
    const rows = await as(researcher, (ctx) =>
      ctx.store.db
        .selectFrom("disclosure_ledger")
        .select(["persons", "shown", "weight", "policy"])
        .where("scope", "=", "query")
        .where("actor", "=", researcher.name)
        .execute(),
    );
    const shownRows = rows.filter(
      (r) => !r.policy.endsWith("(implied)") && !r.shown.startsWith("<"),
    );
    for (const r of shownRows) {
      const error = Math.abs(Number(r.shown) - r.persons);
      expect(error, `${r.policy} w=${r.weight}`).toBeLessThanOrEqual(
        r.weight === 1 && !r.policy.endsWith("(reused)") ? 5 : r.weight * 5 + r.weight * 4,
      );
    }
    const fresh = shownRows.filter((r) => r.weight === 1).length;
    console.log(
      `errors of shown counts: ${[...histogram]
        .sort((a, b) => a[0] - b[0])
        .map(([e, n]) => `${e}:${n}`)
        .join(" ")}; ${fresh} of ${shownRows.length} ledger answers one draw`,
    );
    // Most answers are one draw: only cells tied to earlier ones (the last of a partition, a
    // difference already known) are made of more.
    expect(fresh).toBeGreaterThan(shownRows.length / 2);
    // 0 to 4 all read "<5": not even a zero is shown.
    expect(numbers.filter((n) => n < 5)).toEqual([]);
    expect(JSON.stringify(pairs.map((p) => p.shown))).toMatch(/"<5"/);
  });

  it("gives stewards exact counts, and audits every query with the definition's hash", async () => {
    const exact = await as(steward, (ctx) => feasibility(ctx, example("t2d-hba1c")));
    expect(exact.exact).toBe(true);
    if (!exact.exact) return;
    expect(exact.bySex.reduce((a, c) => a + c.persons, 0)).toBe(exact.persons);
    const audit = await as(steward, (ctx) =>
      ctx.store.db
        .selectFrom("audit_log")
        .selectAll()
        .where("action", "=", "feasibility.run")
        .execute(),
    );
    expect(audit.some((e) => JSON.parse(e.details).hash === exact.hash)).toBe(true);
  });

  it("rate-limits researchers per minute, not stewards", async () => {
    const { home } = initHome(homeDir, {});
    const store = await openControlStore(home);
    try {
      const limited = {
        ...home,
        config: { ...home.config, feasibility: { perMinute: 2, perDay: 200 } },
      };
      const alice: Actor = { name: "alice-limited", role: "researcher" };
      const def = example("ra-methotrexate");
      await feasibility({ home: limited, store, actor: alice }, def);
      await feasibility({ home: limited, store, actor: alice }, def);
      await expect(feasibility({ home: limited, store, actor: alice }, def)).rejects.toBeInstanceOf(
        RateLimitError,
      );
      for (let i = 0; i < 3; i++)
        await feasibility(
          { home: limited, store, actor: { name: "stina-2", role: "steward" } },
          def,
        );
    } finally {
      await store.close();
    }
  });

  it("keeps a snapshot-pinned count after a new load, and materialises members for a snapshot", async () => {
    const def = example("t2d-hba1c");
    const before = await as(steward, (ctx) => feasibility(ctx, def, { snapshot: 1 }));
    await as(steward, (ctx) => ingest(ctx, join(data, "day-1")));
    const pinned = await as(steward, (ctx) => feasibility(ctx, def, { snapshot: 1 }));
    expect(pinned.persons).toBe(before.persons);
    expect(pinned.snapshot).toBe(1);
    const latest = await as(steward, (ctx) => feasibility(ctx, def));
    expect(latest.snapshot).toBeGreaterThan(1);
    const run = await as(steward, (ctx) => runCohort(ctx, def, 1));
    expect(run.persons).toBe(before.persons);
    const members = await current(
      `select count(distinct pseudo_id) n from _cohort.members where run_id = ${run.runId}`,
    );
    expect(Number(members[0]?.n)).toBe(before.persons);
    const listed = await as(steward, (ctx) => listCohorts(ctx));
    expect(listed.runs.some((r) => r.runId === run.runId && r.snapshot === 1)).toBe(true);
    await expect(as(researcher, (ctx) => runCohort(ctx, def))).rejects.toThrow(
      /may not cohort.run/,
    );
  });

  it("publishes the definition language's JSON Schema, and the examples follow it", async () => {
    const published = JSON.parse(
      readFileSync(join(import.meta.dirname, "../docs/cohort-definition.schema.json"), "utf8"),
    );
    expect(published).toEqual(definitionJsonSchema());
    const validate = new Ajv2020({ strict: false }).compile(published);
    for (const name of Object.keys(INDEPENDENT)) expect(validate(example(name)), name).toBe(true);
  });
});
