import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "../src/auth/roles.js";
import {
  type Ctx,
  exportCatalog,
  listCatalog,
  showCatalog,
} from "../src/catalog/catalog-service.js";
import { readCatalog } from "../src/catalog/catalog-store.js";
import type { ResearcherProfile } from "../src/catalog/present.js";
import { profileAsOf, type TableProfile } from "../src/catalog/profile.js";
import { perturbedCount } from "../src/disclosure/engine.js";
import { measureCells } from "../src/disclosure/measure.js";
import { policyFrom } from "../src/disclosure/policy.js";
import { homeKey, initHome } from "../src/home/home.js";
import { lakePseudoId } from "../src/identity/pseudonym.js";
import { ingest } from "../src/ingest/ingest-service.js";
import { Lake } from "../src/lake/lake.js";
import { sql } from "../src/lake/sql.js";
import { addOptout } from "../src/permits/optout-service.js";
import { openControlStore } from "../src/store/control-store.js";
import { DEFAULT_SYNTH_OPTIONS, runSynth } from "../src/synth/synth.js";
import { tempDir } from "./support/stores.js";

/**
 * Issue 16, part A, for the catalog: the adversarial review's findings as tests. Researchers see
 * perturbed person counts (no row counts), margins that do not subtract to a cell, and a
 * catalog that one opt-out leaves unchanged.
 */
const steward: Actor = { name: "stina", role: "steward" };
const researcher: Actor = { name: "riku", role: "researcher" };
const tmp = tempDir("kaivo-catalog-disclosure-");
afterAll(() => tmp.remove());
const data = join(tmp.dir, "synth");
const homeDir = join(tmp.dir, "home");

async function as<T>(actor: Actor, work: (ctx: Ctx) => Promise<T>): Promise<T> {
  const { home } = initHome(homeDir, {});
  const store = await openControlStore(home);
  try {
    return await work({ home, store, actor });
  } finally {
    await store.close();
  }
}

async function withLake<T>(work: (lake: Lake) => Promise<T>): Promise<T> {
  const lake = await Lake.open(initHome(homeDir, {}).home);
  try {
    return await work(lake);
  } finally {
    lake.close();
  }
}

interface Patient {
  code: string;
  sex: string;
  birthYear: number;
}

/** The synthetic patients with their identity code, sex and birth year (the truth). */
function patients(): Patient[] {
  const dir = join(data, "fhir");
  const out: Patient[] = [];
  for (const f of readdirSync(dir).filter((f) => f.startsWith("Patient")))
    for (const line of readFileSync(join(dir, f), "utf8").split("\n").filter(Boolean)) {
      const p = JSON.parse(line) as {
        identifier: Array<{ system: string; value: string }>;
        gender: string;
        birthDate: string;
      };
      const code = p.identifier.find((i) => i.system === "urn:oid:1.2.246.21")?.value;
      if (code) out.push({ code, sex: p.gender, birthYear: Number(p.birthDate.slice(0, 4)) });
    }
  return out;
}

/** Everything the catalog shows a researcher: the listing and every table and variable. */
async function researcherCatalog(): Promise<unknown> {
  return as(researcher, async (ctx) => {
    const catalog = await withLake(readCatalog);
    const shown: unknown[] = [await listCatalog(ctx)];
    for (const t of catalog.tables) {
      shown.push(await showCatalog(ctx, `${t.registry}.${t.table}`));
      for (const v of catalog.variables.filter(
        (v) => v.registry === t.registry && v.table === t.table,
      ))
        shown.push(await showCatalog(ctx, `${v.registry}.${v.table}.${v.variable}`));
    }
    return shown;
  });
}

/** The published exports (figures as researchers see them). */
const publishedExports = () =>
  as(steward, async (ctx) => [
    await exportCatalog(ctx, "healthdcat"),
    await exportCatalog(ctx, "markdown"),
  ]);

const withoutSnapshot = (v: unknown): unknown =>
  JSON.parse(JSON.stringify(v), (key, value) => (key === "loadId" ? undefined : value));

// The policy's noise bound and k, whatever the configuration's defaults.
const policy0 = () => policyFrom(initHome(homeDir, {}).home.config);
let D = 0;
let k = 0;

beforeAll(async () => {
  await runSynth({ ...DEFAULT_SYNTH_OPTIONS, patients: 300, seed: 5, days: 1, out: data });
  await as(steward, (ctx) => ingest(ctx, data));
  D = policy0().table.parameters.maxNoise;
  k = policy0().minCount;
}, 180_000);

describe("the catalog on the disclosure engine (issue 16)", () => {
  it("shows researchers perturbed person counts, no row counts, and stewards exact ones", async () => {
    const exact = await withLake(async (lake) => {
      const out = new Map<string, TableProfile>();
      for (const t of (await readCatalog(lake)).tables) {
        const p = await profileAsOf(lake, t.registry, t.table);
        if (p) out.set(`${t.registry}.${t.table}`, p);
      }
      return out;
    });
    const pairs: Array<[number, number | string | null]> = [];
    for (const [name, p] of exact) {
      const shown = (await as(researcher, (ctx) => showCatalog(ctx, name))) as {
        profile: ResearcherProfile;
      };
      const r = shown.profile;
      expect(r.exact).toBe(false);
      expect(r.policy).toMatch(/^kaivo-sdc\/2 /);
      expect(r.rows).toBeNull();
      if (r.persons === null) continue;
      pairs.push([p.persons, r.persons]);
      for (const y of p.perYear)
        pairs.push([y.persons, r.perYear.find((x) => x.year === y.year)?.persons ?? null]);
      for (const [variable, v] of Object.entries(p.variables)) {
        const rv = r.variables[variable];
        expect(rv, `${name}.${variable}`).toBeDefined();
        expect(rv).not.toHaveProperty("nonNull");
        pairs.push([v.persons ?? -1, rv?.persons ?? null]);
        for (const t of v.top ?? []) {
          const listed = rv?.top?.find((x) => x.value === t.value);
          if (listed) pairs.push([t.persons, listed.persons]);
          expect(listed ?? {}, `${name}.${variable}`).not.toHaveProperty("rows");
        }
      }
      for (const m of p.measurements ?? []) {
        const rm = r.measurements?.find((x) => x.code === m.code && x.unit === m.unit);
        if (rm) pairs.push([m.persons, rm.persons]);
      }
    }
    expect(pairs.length).toBeGreaterThan(200);
    let moved = 0;
    for (const [n, shown] of pairs) {
      expect(shown).not.toBeNull();
      if (typeof shown === "number") {
        // A perturbation of at most D, of a set that later loads may have changed by up to k-1
        // people (the figure is held); a shown number is at least k.
        expect(Math.abs(shown - n)).toBeLessThanOrEqual(D + k - 1);
        expect(shown).toBeGreaterThanOrEqual(k);
        if (shown !== n) moved++;
      } else expect(shown).toBe(`<${k}`);
    }
    // Perturbed, not exact: most numbers differ from the truth.
    expect(moved / pairs.filter(([, s]) => typeof s === "number").length).toBeGreaterThan(0.4);
    // Stewards see the exact figures, rows included.
    const s = (await as(steward, (ctx) => showCatalog(ctx, "clinical.visit"))) as {
      profile: TableProfile & { exact: boolean };
    };
    expect(s.profile.exact).toBe(true);
    expect(s.profile.persons).toBe(exact.get("clinical.visit")?.persons);
    expect(s.profile.rows).toBe(exact.get("clinical.visit")?.rows);
  });

  it("perturbs a variable's total and each value on their own, and lists every value of a small list", async () => {
    const shown = (await as(researcher, (ctx) =>
      showCatalog(ctx, "diabetes.follow_up.treatment"),
    )) as {
      profile: { persons: number | string; top: Array<{ value: string; persons: unknown }> };
    };
    const exact = await withLake((lake) => profileAsOf(lake, "diabetes", "follow_up"));
    const treatment = exact?.variables.treatment;
    // Every value the data holds is listed (few values): how many are listed tells nothing.
    expect(shown.profile.top.map((t) => t.value).sort()).toEqual(
      (treatment?.top ?? []).map((t) => t.value).sort(),
    );
    // Total minus the listed values is noise, not the remainder: over the catalog's variables
    // the researcher's remainder misses the true one.
    const remainders: Array<[number, number]> = [];
    const catalog = await withLake(readCatalog);
    for (const t of catalog.tables) {
      const p = (await as(researcher, (ctx) => showCatalog(ctx, `${t.registry}.${t.table}`))) as {
        profile: ResearcherProfile | null;
      };
      const e = await withLake((lake) => profileAsOf(lake, t.registry, t.table));
      if (!p.profile || !e || p.profile.persons === null) continue;
      for (const [name, v] of Object.entries(p.profile.variables)) {
        const top = v.top ?? [];
        const ev = e.variables[name];
        if (top.length < 2 || typeof v.persons !== "number" || !ev?.top) continue;
        if (top.some((x) => typeof x.persons !== "number")) continue;
        const listed = top.reduce((a, x) => a + (x.persons as number), 0);
        const exactListed = top.reduce(
          (a, x) => a + (ev.top?.find((y) => y.value === x.value)?.persons ?? 0),
          0,
        );
        remainders.push([v.persons - listed, (ev.persons ?? 0) - exactListed]);
      }
    }
    expect(remainders.length).toBeGreaterThan(3);
    expect(remainders.filter(([shown, truth]) => shown !== truth).length).toBeGreaterThan(
      remainders.length / 2,
    );
  });

  it("gives the same researcher catalog and published exports before and after one opt-out", async () => {
    const before = await researcherCatalog();
    const exportsBefore = await publishedExports();
    const [target] = patients();
    const exactBefore = await withLake((lake) => profileAsOf(lake, "clinical", "person"));
    await as(steward, (ctx) => addOptout(ctx, target?.code as string));
    // The steward's exact figures moved (the refresh ran, without the person) ...
    const person = await withLake((lake) => profileAsOf(lake, "clinical", "person"));
    expect((before as unknown[]).length).toBeGreaterThan(30);
    expect(person?.persons).toBe((exactBefore?.persons ?? 0) - 1);
    // ... what researchers and the published catalog show did not.
    // (The snapshot a table's profile is "as of" becomes the latest: not a figure.)
    expect(withoutSnapshot(await researcherCatalog())).toEqual(withoutSnapshot(before));
    const snapshots = (texts: string[]) => texts.map((t) => t.replace(/\(snapshot \d+\)/g, ""));
    expect(snapshots(await publishedExports())).toEqual(snapshots(exportsBefore));
  }, 120_000);

  it("lets no diff of the catalog over 50 opt-outs guess a person's sex or age band better than chance", async () => {
    const policy = policyFrom(initHome(homeDir, {}).home.config);
    const targets = patients().slice(1, 51);
    const band = (year: number) => Math.floor(year / 20);
    const majority = <T>(xs: T[]) => {
      const counts = new Map<T, number>();
      for (const x of xs) counts.set(x, (counts.get(x) ?? 0) + 1);
      return [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] as T;
    };
    const sexGuessDefault = majority(targets.map((t) => t.sex));
    const bandDefault = majority(targets.map((t) => band(t.birthYear)));
    const view = async () => {
      const sex = (await as(researcher, (ctx) => showCatalog(ctx, "clinical.person.sex"))) as {
        profile: { top: Array<{ value: string; persons: number | string }> };
      };
      const person = (await as(researcher, (ctx) => showCatalog(ctx, "clinical.person"))) as {
        profile: ResearcherProfile;
      };
      return {
        sex: new Map(sex.profile.top.map((t) => [t.value, t.persons])),
        years: new Map(person.profile.perYear.map((y) => [y.year, y.persons])),
      };
    };
    /** The guess from a diff: the category whose figure fell most, else the most common one. */
    const guess = <K>(a: Map<K, number | string>, b: Map<K, number | string>, fallback: K) => {
      let best: K = fallback;
      let drop = 0;
      for (const [key, x] of a) {
        const y = b.get(key);
        const d = (typeof x === "number" ? x : 0) - (typeof y === "number" ? y : 0);
        if (d > drop) {
          drop = d;
          best = key;
        }
      }
      return best;
    };
    // The same diff without the ledger (perturbation alone), measured from the lake directly.
    const home = initHome(homeDir, {}).home;
    const pseudoOf = (code: string) =>
      lakePseudoId(homeKey(home, "lake"), home.config.identity.personIdentifierSystem, code);
    const unheld = (optouts: string[]) =>
      withLake(async (lake) => {
        await lake.tempIds("_out", optouts);
        const base = sql`select pseudo_id from clinical.person where load_to is null and pseudo_id not in (select pseudo_id from _out)`;
        const cells = await measureCells(lake, [
          { id: "female", persons: sql`${base} and sex = 'female'` },
          { id: "male", persons: sql`${base} and sex = 'male'` },
        ]);
        return new Map([...cells].map(([id, c]) => [id, perturbedCount(c, policy)]));
      });
    const optedOut = [pseudoOf(patients()[0]?.code as string)];
    let sexHits = 0;
    let bandHits = 0;
    let unheldHits = 0;
    let changed = 0;
    let previous = await view();
    let previousUnheld = await unheld(optedOut);
    for (const t of targets) {
      await as(steward, (ctx) => addOptout(ctx, t.code));
      optedOut.push(pseudoOf(t.code));
      const now = await view();
      const nowUnheld = await unheld(optedOut);
      const text = (v: typeof now) => JSON.stringify([[...v.sex], [...v.years]]);
      if (text(now) !== text(previous)) changed++;
      if (guess(previous.sex, now.sex, sexGuessDefault) === t.sex) sexHits++;
      const year = guess(previous.years, now.years, Number.NaN);
      if ((Number.isNaN(year) ? bandDefault : band(year)) === band(t.birthYear)) bandHits++;
      if (guess(previousUnheld, nowUnheld, sexGuessDefault) === t.sex) unheldHits++;
      previous = now;
      previousUnheld = nowUnheld;
    }
    const sexBaseline = targets.filter((t) => t.sex === sexGuessDefault).length / targets.length;
    const bandBaseline =
      targets.filter((t) => band(t.birthYear) === bandDefault).length / targets.length;
    console.log(
      `catalog opt-out diff over ${targets.length} opt-outs: ${changed} changed a researcher figure; sex guessed ${sexHits}/${targets.length} (baseline ${sexBaseline}; perturbation without the ledger: ${unheldHits}/${targets.length}), 20-year birth band ${bandHits}/${targets.length} (baseline ${bandBaseline})`,
    );
    expect(changed).toBe(0);
    expect(sexHits / targets.length).toBeLessThanOrEqual(sexBaseline);
    expect(bandHits / targets.length).toBeLessThanOrEqual(bandBaseline);
  }, 600_000);
});
