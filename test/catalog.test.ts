import { copyFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import jsonld from "jsonld";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "../src/auth/roles.js";
import {
  annotateCatalog,
  type Ctx,
  exportCatalog,
  listCatalog,
  loadVocabulary,
  lookupCodes,
  qualityReport,
  searchCatalogService,
  showCatalog,
} from "../src/catalog/catalog-service.js";
import { readCatalog } from "../src/catalog/catalog-store.js";
import { profileAsOf } from "../src/catalog/profile.js";
import { runQualityChecks, status } from "../src/catalog/quality.js";
import { initHome } from "../src/home/home.js";
import { ingest } from "../src/ingest/ingest-service.js";
import { Lake } from "../src/lake/lake.js";
import { openControlStore } from "../src/store/control-store.js";
import { DEFAULT_SYNTH_OPTIONS, runSynth } from "../src/synth/synth.js";
import { lakeRows } from "./support/lake-rows.js";
import { tempDir } from "./support/stores.js";

const steward: Actor = { name: "stina", role: "steward" };
const researcher: Actor = { name: "riku", role: "researcher" };
const tmp = tempDir("kaivo-catalog-");
afterAll(() => tmp.remove());
const data = join(tmp.dir, "synth");
const homeDir = join(tmp.dir, "home");

async function as<T>(actor: Actor, work: (ctx: Ctx) => Promise<T>, dir = homeDir): Promise<T> {
  const { home } = initHome(dir, {});
  const store = await openControlStore(home);
  try {
    return await work({ home, store, actor });
  } finally {
    await store.close();
  }
}

async function withLake<T>(work: (lake: Lake) => Promise<T>, dir = homeDir): Promise<T> {
  const lake = await Lake.open(initHome(dir, {}).home);
  try {
    return await work(lake);
  } finally {
    lake.close();
  }
}

const num = (v: unknown) => Number(v ?? 0);

/** Every count a response shows, wherever it sits. */
function shownCounts(value: unknown, out: unknown[] = []): unknown[] {
  if (Array.isArray(value)) for (const v of value) shownCounts(v, out);
  else if (value && typeof value === "object")
    for (const [k, v] of Object.entries(value)) {
      if (["rows", "persons", "nonNull", "withValue"].includes(k)) out.push(v);
      shownCounts(v, out);
    }
  return out;
}

beforeAll(async () => {
  await runSynth({ ...DEFAULT_SYNTH_OPTIONS, patients: 400, seed: 11, days: 1, out: data });
  await as(steward, (ctx) => ingest(ctx, data));
}, 120_000);

describe("catalog of a synthetic lake", () => {
  it("describes every lake table and variable from the views and mappings, in two languages", async () => {
    const { catalog, tables } = await withLake(async (lake) => ({
      catalog: await readCatalog(lake),
      tables: await lake.tables(),
    }));
    expect(catalog.registries.map((r) => r.registry).sort()).toEqual([
      "clinical",
      "diabetes",
      "reuma",
    ]);
    for (const t of tables)
      expect(
        catalog.tables.some((c) => c.registry === t.registry && c.table === t.table),
        `${t.registry}.${t.table}`,
      ).toBe(true);
    const code = catalog.variables.find((v) => v.table === "diagnosis" && v.variable === "code");
    expect(code).toMatchObject({ codeSystem: "icd10", descriptionFi: "Diagnoosikoodi, ICD-10" });
    const das28 = catalog.variables.find((v) => v.registry === "reuma" && v.variable === "das28");
    expect(das28?.description).toMatch(/Disease activity score/);
  });

  it("profiles every table with figures equal to direct SQL counts", async () => {
    await withLake(async (lake) => {
      const catalog = await readCatalog(lake);
      for (const t of catalog.tables) {
        const p = await profileAsOf(lake, t.registry, t.table);
        expect(p, `${t.registry}.${t.table}`).toBeDefined();
        if (!p) continue;
        const from = `"${t.registry}"."${t.table}" where load_to is null`;
        const [direct] = await lakeRows(
          lake,
          `select count(*) n, count(distinct pseudo_id) p, min(${t.eventColumn ? "event_date" : "null"}) f, max(${t.eventColumn ? "event_date" : "null"}) l from ${from}`,
        );
        expect(p.rows).toBe(num(direct?.n));
        expect(p.persons).toBe(t.personColumn ? num(direct?.p) : 0);
        expect(p.firstEvent).toBe(direct?.f ?? null);
        expect(p.lastEvent).toBe(direct?.l ?? null);
        if (t.eventColumn) {
          const years = await lakeRows(
            lake,
            `select year(event_date) y, count(*) n from ${from} and event_date is not null group by 1 order by 1`,
          );
          expect(p.perYear.map((y) => [y.year, y.rows])).toEqual(
            years.map((y) => [num(y.y), num(y.n)]),
          );
        }
      }
      const lab = await profileAsOf(lake, "clinical", "lab");
      const [values] = await lakeRows(
        lake,
        `select count(value) n, min(value) lo, max(value) hi from clinical.lab where load_to is null`,
      );
      expect(lab?.variables.value).toMatchObject({
        nonNull: num(values?.n),
        min: num(values?.lo),
        max: num(values?.hi),
      });
      const hba1c = lab?.measurements?.find((m) => m.code === "17863");
      const [h] = await lakeRows(
        lake,
        `select count(*) n, count(distinct pseudo_id) p from clinical.lab where load_to is null and local_code = '17863'`,
      );
      expect(hba1c).toMatchObject({ rows: num(h?.n), persons: num(h?.p), unit: "mmol/mol" });
      const diagnosis = await profileAsOf(lake, "clinical", "diagnosis");
      const top = await lakeRows(
        lake,
        `select code, count(*) n from clinical.diagnosis where load_to is null group by 1 order by n desc, code limit 3`,
      );
      expect(diagnosis?.variables.code?.top?.slice(0, 3).map((t) => [t.value, t.rows])).toEqual(
        top.map((r) => [r.code, num(r.n)]),
      );
    });
  });

  it("keeps a profile per snapshot: an earlier snapshot shows the table as it was", async () => {
    await withLake(async (lake) => {
      const first = await profileAsOf(lake, "clinical", "visit", 1);
      const latest = await profileAsOf(lake, "clinical", "visit");
      const [was] = await lakeRows(
        lake,
        "select count(*) n from clinical.visit where load_from <= 1 and (load_to is null or load_to > 1)",
      );
      expect(first?.rows).toBe(num(was?.n));
      expect(latest?.loadId).toBeGreaterThan(1);
      expect(latest?.rows).not.toBe(first?.rows);
    });
  });

  it("stays silent on clean data: every check passes", async () => {
    const report = await as(steward, (ctx) => qualityReport(ctx));
    expect(report.results.length).toBeGreaterThan(20);
    const noisy = report.results.filter((r) => r.status !== "pass");
    expect(noisy).toEqual([]);
    expect(report.failed).toBe(false);
  });

  it("fires each quality check on a planted defect, with the planted count", async () => {
    const copy = join(tmp.dir, "defects");
    initHome(copy, {});
    copyFileSync(join(homeDir, "lake.duckdb"), join(copy, "lake.duckdb"));
    await withLake(async (lake) => {
      const c = lake.connection;
      const count = async (sql: string) => num((await lakeRows(lake, sql))[0]?.n);
      const sample = "load_to is null and hash(record_key) % 20 = 0";
      const planted: Record<string, { table: string; n: number }> = {};
      planted.event_before_birth = {
        table: "diagnosis",
        n: await count(`select count(*) n from clinical.diagnosis where ${sample}`),
      };
      await c.run(`update clinical.diagnosis set event_date = date '1850-01-01' where ${sample}`);
      planted.future_date = {
        table: "lab",
        n: await count(`select count(*) n from clinical.lab where ${sample}`),
      };
      await c.run(`update clinical.lab set event_date = date '2099-01-01' where ${sample}`);
      const died = `load_to is null and pseudo_id in (select pseudo_id from clinical.person where load_to is null and deceased_at is not null)`;
      planted.event_after_death = {
        table: "visit",
        n: await count(`select count(*) n from clinical.visit where ${died}`),
      };
      await c.run(`update clinical.visit set event_date = date '2090-01-01' where ${died}`);
      const started = `${sample} and start is not null`;
      planted.event_date_missing = {
        table: "note",
        n: await count(`select count(*) n from clinical.note where ${sample}`),
      };
      await c.run(`update clinical.note set event_date = null where ${sample}`);
      planted.end_before_start = {
        table: "visit",
        n: await count(`select count(*) n from clinical.visit where ${started}`),
      };
      await c.run(`update clinical.visit set "end" = '1800-01-01T00:00:00+02:00' where ${started}`);
      planted.implausible_value = {
        table: "lab",
        n: await count(
          "select count(*) n from clinical.lab where load_to is null and local_code = '17863' and value is not null",
        ),
      };
      await c.run(
        "update clinical.lab set value = 100000 where load_to is null and local_code = '17863' and value is not null",
      );
      planted.unit_mix = {
        table: "lab",
        n: await count(
          "select count(*) n from clinical.lab where load_to is null and local_code = '1468' and value is not null",
        ),
      };
      await c.run(
        "update clinical.lab set unit = 'mg/dl' where load_to is null and local_code = '1468' and value is not null",
      );
      planted.unknown_code = {
        table: "procedure",
        n: await count(
          `select count(*) n from clinical.procedure where ${sample} and code is not null`,
        ),
      };
      await c.run(
        `update clinical.procedure set code = 'ZZZ99' where ${sample} and code is not null`,
      );
      const before = await count(
        "select count(*) n from clinical.person p where load_to is null and not exists (select 1 from clinical.visit v where v.pseudo_id = p.pseudo_id and v.load_to is null)",
      );
      expect(before).toBeGreaterThanOrEqual(0);
      planted.person_without_event = {
        table: "person",
        n: await count("select count(*) n from clinical.person where load_to is null"),
      };
      await c.run(
        "insert into clinical.person select * replace (pseudo_id || 'X' as pseudo_id, record_key || 'X' as record_key) from clinical.person where load_to is null",
      );

      const catalog = await readCatalog(lake);
      const [load] = await lakeRows(lake, `select max(load_id) l from main._loads`);
      const results = await runQualityChecks(lake, catalog, num(load?.l), "2026-06-01");
      for (const [check, { table, n }] of Object.entries(planted)) {
        const hits = results.filter((r) => r.check === check && r.table === table);
        const failing = hits.reduce((a, r) => a + r.failing, 0);
        if (check === "person_without_event") expect(failing, check).toBeGreaterThanOrEqual(n);
        else expect(failing, check).toBe(n);
        expect(n, check).toBeGreaterThan(0);
        expect(
          hits.some((r) => status(r) !== "pass"),
          check,
        ).toBe(true);
      }
    }, copy);
  });

  it("suppresses small counts for researchers and shows exact ones to stewards", async () => {
    const k = 5;
    const researcherViews = await as(researcher, async (ctx) => [
      await listCatalog(ctx),
      await showCatalog(ctx, "reuma.visit"),
      await showCatalog(ctx, "reuma.visit.treatment"),
      await showCatalog(ctx, "clinical.lab.local_code"),
      await showCatalog(ctx, "clinical.biobank_sample"),
    ]);
    const counts = shownCounts(researcherViews);
    expect(counts.length).toBeGreaterThan(50);
    expect(counts.filter((c) => typeof c === "number" && c > 0 && c < k)).toEqual([]);
    expect(counts).toContain(`<${k}`);
    const stewardViews = await as(steward, async (ctx) => [
      await showCatalog(ctx, "reuma.visit"),
      await showCatalog(ctx, "clinical.lab.local_code"),
    ]);
    const exact = shownCounts(stewardViews);
    expect(exact.some((c) => typeof c === "number" && c > 0 && c < k)).toBe(true);
    expect(exact).not.toContain(`<${k}`);
    // Researchers do not see single values at the edges.
    const value = (await as(researcher, (ctx) =>
      showCatalog(ctx, "clinical.lab.value"),
    )) as unknown as {
      profile: Record<string, unknown>;
    };
    expect(value.profile).not.toHaveProperty("min");
    expect(value.profile).not.toHaveProperty("max");
  });

  it("shows researchers years with at least k people, never the first and last dates (issue 16)", async () => {
    const k = 5;
    type Listing = { registries: Array<{ tables: Array<Record<string, unknown>> }> };
    const tables = (l: Listing) => l.registries.flatMap((r) => r.tables);
    const shown = tables((await as(researcher, (ctx) => listCatalog(ctx))) as Listing);
    const exact = tables((await as(steward, (ctx) => listCatalog(ctx))) as Listing);
    const person = exact.find((t) => t.table === "person");
    // The steward's first date is one person's birth date; a researcher sees a year.
    expect(String(person?.firstEvent)).toMatch(/^\d{4}-\d\d-\d\d$/);
    for (const t of shown)
      for (const edge of [t.firstEvent, t.lastEvent])
        if (edge !== null) expect(String(edge), String(t.table)).toMatch(/^\d{4}$/);
    const profile = (await as(steward, (ctx) => showCatalog(ctx, "clinical.person"))) as {
      profile: { perYear: Array<{ year: number; persons: number }> };
    };
    const seen = shown.find((t) => t.table === "person");
    // The first year shown is the first whose disclosed (perturbed) count reads as a number, so
    // at least k; its exact count may be a little under k, never zero.
    const disclosed = (await as(researcher, (ctx) => showCatalog(ctx, "clinical.person"))) as {
      profile: { perYear: Array<{ year: number; persons: number | string }> };
    };
    const firstShown = disclosed.profile.perYear.find((y) => typeof y.persons === "number");
    expect(firstShown?.year).toBe(Number(seen?.firstEvent));
    expect(Number(firstShown?.persons)).toBeGreaterThanOrEqual(k);
    const year = profile.profile.perYear.find((y) => y.year === Number(seen?.firstEvent));
    expect(year?.persons).toBeGreaterThan(0);
    // The public HealthDCAT export gives the same years.
    const dcat = (await as(steward, (ctx) => exportCatalog(ctx, "healthdcat"))) as string;
    expect(dcat).not.toMatch(/"@type": "xsd:date"/);
    expect(dcat).toMatch(/"@type": "xsd:gYear"/);
  });

  it("finds a variable by a word of its Finnish description, and codes and hospitals by name", async () => {
    const hits = await as(researcher, (ctx) => searchCatalogService(ctx, "kotikunta"));
    expect(
      hits
        .slice(0, 3)
        .some((h) => h.kind === "variable" && h.name === "clinical.person.municipality"),
    ).toBe(true);
    const hba1c = await as(researcher, (ctx) => searchCatalogService(ctx, "HbA1c"));
    expect(hba1c.map((h) => h.name)).toEqual(
      expect.arrayContaining(["lab:17863", "diabetes.follow_up.hba1c"]),
    );
    expect(hba1c.find((h) => h.name === "lab:17863")?.usedIn).toContain("clinical.lab.local_code");
    const jorvi = await as(researcher, (ctx) => searchCatalogService(ctx, "Jorvi"));
    expect(jorvi.some((h) => h.kind === "value" && h.title === "Jorvin sairaala")).toBe(true);
  });

  it("exports HealthDCAT-AP JSON-LD that expands and holds every registry", async () => {
    const text = await as(steward, (ctx) => exportCatalog(ctx, "healthdcat"));
    const expanded = (await jsonld.expand(JSON.parse(text))) as Array<Record<string, unknown>>;
    const DCAT = "http://www.w3.org/ns/dcat#";
    const datasets = expanded.filter((n) =>
      (n["@type"] as string[] | undefined)?.includes(`${DCAT}Dataset`),
    );
    const catalogNode = expanded.find((n) => (n["@type"] as string[]).includes(`${DCAT}Catalog`));
    const listed = (catalogNode?.[`${DCAT}dataset`] as Array<Record<string, unknown>>) ?? datasets;
    const ids = listed.map((d) => String(d["@id"]));
    for (const r of ["clinical", "diabetes", "reuma"])
      expect(
        ids.some((id) => id.endsWith(`/${r}`)),
        r,
      ).toBe(true);
    const clinical = listed.find((d) => String(d["@id"]).endsWith("/clinical")) as Record<
      string,
      unknown
    >;
    const H = "http://healthdataportal.eu/ns/health#";
    expect(
      Number(
        (clinical[`${H}numberOfUniqueIndividuals`] as Array<{ "@value": string }>)[0]?.["@value"],
      ),
    ).toBeGreaterThan(300);
    expect(clinical["http://purl.org/dc/terms/accessRights"]).toEqual([
      { "@id": "http://publications.europa.eu/resource/authority/access-right/NON_PUBLIC" },
    ]);
    const markdown = await as(steward, (ctx) => exportCatalog(ctx, "markdown"));
    expect(markdown).toMatch(/## reuma: Rheumatology quality registry/);
    expect(markdown).not.toMatch(/\b[1-4] (rows|persons)\b/);
  });

  it("applies a steward's annotation, audits it, and refuses it to a researcher", async () => {
    await as(steward, (ctx) =>
      annotateCatalog(ctx, "clinical.lab.value", { descriptionFi: "Tuloksen lukuarvo" }),
    );
    const shown = await as(researcher, (ctx) => showCatalog(ctx, "clinical.lab.value"));
    expect(shown.level === "variable" && shown.variable.descriptionFi).toBe("Tuloksen lukuarvo");
    const entry = await as(steward, (ctx) =>
      ctx.store.db
        .selectFrom("audit_log")
        .selectAll()
        .where("action", "=", "catalog.annotate")
        .executeTakeFirst(),
    );
    expect(entry?.target).toBe("catalog:clinical.lab.value");
    await expect(
      as(researcher, (ctx) => annotateCatalog(ctx, "clinical.lab.value", { title: "x" })),
    ).rejects.toThrow(/may not catalog.annotate/);
    const unknown = await as(steward, (ctx) =>
      annotateCatalog(ctx, "clinical.lab.nope", { title: "x" }),
    ).catch((e: unknown) => e as { message: string; hint?: string });
    expect(unknown).toMatchObject({ message: 'No variable "nope" in clinical.lab.' });
    expect((unknown as { hint?: string }).hint).toMatch(/Variables: .*local_code/);
  });

  it("loads a national code list and resolves prefix queries through it", async () => {
    const file = join(tmp.dir, "icd10-part.csv");
    writeFileSync(
      file,
      "\ufeffcode;title_fi;title_en\nM05.0;Feltyn oireyhtymä;Felty's syndrome\nM05.3;Nivelreuma, johon liittyy muiden elinten tai elinjärjestelmien sairaus;Rheumatoid arthritis with involvement of other organs\n",
    );
    const loaded = await as(steward, (ctx) => loadVocabulary(ctx, file, "icd10"));
    expect(loaded.codes).toBe(2);
    const [m05] = await as(researcher, (ctx) => lookupCodes(ctx, "icd10", ["M05*"]));
    expect(m05?.codes.map((c) => c.code)).toEqual(["M05.0", "M05.3", "M05.8"]);
    writeFileSync(file, "koodi;nimi\nX;y\n");
    await expect(as(steward, (ctx) => loadVocabulary(ctx, file, "icd10"))).rejects.toThrow(
      /header must name "code"/,
    );
  });
});
