import {
  cpSync,
  readdirSync,
  readFileSync,
  rmSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "../src/auth/roles.js";
import { readCatalog } from "../src/catalog/catalog-store.js";
import { runQualityChecks } from "../src/catalog/quality.js";
import { initHome } from "../src/home/home.js";
import { containsHetuLike } from "../src/identity/hetu.js";
import { ingest } from "../src/ingest/ingest-service.js";
import type { LoadReport } from "../src/ingest/report.js";
import { Lake } from "../src/lake/lake.js";
import { openControlStore } from "../src/store/control-store.js";
import { DEFAULT_SYNTH_OPTIONS, runSynth } from "../src/synth/synth.js";
import { lakeRows } from "./support/lake-rows.js";
import { tempDir } from "./support/stores.js";

// Issue 20, "nothing silently lost": a listed file that is missing, a loose file whose first
// lines name no type, a corrected loose file of the same size, gzipped files, and registry
// extracts without a date of their own were each lost or misdated without a word.

const steward: Actor = { name: "stina", role: "steward" };
const tmp = tempDir("kaivo-nothing-lost-");
afterAll(() => tmp.remove());
let source = "";
let homes = 0;

async function load(path: string, homeDir = join(tmp.dir, `home-${++homes}`)) {
  const { home } = initHome(homeDir, {});
  const store = await openControlStore(home);
  try {
    return await ingest({ home, store, actor: steward }, path);
  } finally {
    await store.close();
  }
}

async function loadCount(homeDir: string): Promise<number> {
  const { home } = initHome(homeDir, {});
  const lake = await Lake.open(home);
  try {
    return (await lake.snapshots()).length;
  } finally {
    lake.close();
  }
}

const inserted = (r: LoadReport | undefined) =>
  Object.fromEntries(Object.entries(r?.tables ?? {}).map(([t, x]) => [t, x.inserted]));

/** A copy of the export's NDJSON files without its manifest: a loose folder. */
function looseCopy(name: string): string {
  const dir = join(tmp.dir, name);
  cpSync(join(source, "fhir"), dir, { recursive: true });
  unlinkSync(join(dir, "manifest.json"));
  return dir;
}

beforeAll(async () => {
  source = join(tmp.dir, "synth");
  await runSynth({
    ...DEFAULT_SYNTH_OPTIONS,
    patients: 20,
    seed: 3,
    days: 0,
    dirty: 0,
    out: source,
  });
}, 120_000);

describe("a load loses nothing without saying so", () => {
  it("refuses an export whose manifest lists a missing file, naming it, before loading anything", async () => {
    const dir = join(tmp.dir, "missing-file");
    cpSync(join(source, "fhir"), dir, { recursive: true });
    unlinkSync(join(dir, "Encounter-1.ndjson"));
    const homeDir = join(tmp.dir, "home-missing");
    await expect(load(dir, homeDir)).rejects.toThrow(/lists Encounter-1\.ndjson.*no such file/);
    expect(await loadCount(homeDir)).toBe(0);
  }, 60_000);

  it("loads a corrected loose file of the same size as a new export", async () => {
    const dir = looseCopy("loose-corrected");
    const homeDir = join(tmp.dir, "home-corrected");
    const [first] = await load(dir, homeDir);
    expect(first?.alreadyLoaded).toBe(false);
    const [again] = await load(dir, homeDir);
    expect(again?.alreadyLoaded).toBe(true);
    const file = join(dir, "Encounter-1.ndjson");
    const text = readFileSync(file, "utf8");
    const at = text.search(/"start":"\d{4}-/);
    expect(at).toBeGreaterThan(0);
    const year = at + '"start":"'.length + 3;
    const corrected = `${text.slice(0, year)}${text[year] === "1" ? "2" : "1"}${text.slice(year + 1)}`;
    expect(corrected.length).toBe(text.length);
    writeFileSync(file, corrected);
    const [third] = await load(dir, homeDir);
    expect(third?.alreadyLoaded).toBe(false);
    expect(third?.tables.visit?.updated).toBe(1);
  }, 120_000);

  it("types a loose file by its first readable line however far in, and lists a file with none", async () => {
    const dir = looseCopy("loose-unreadable");
    const file = join(dir, "Encounter-1.ndjson");
    const junk = Array.from({ length: 25 }, (_, i) => `{"note":"header line ${i}"}`).join("\n");
    writeFileSync(file, `${junk}\n${readFileSync(file, "utf8")}`);
    writeFileSync(join(dir, "log.ndjson"), '{"level":"info"}\n{"level":"warn"}\nnot json\n');
    const [report] = await load(dir);
    expect(report?.unreadable).toEqual({ "loose-unreadable/log.ndjson": 3 });
    const encounters = report?.tables.visit;
    expect(encounters?.inserted).toBeGreaterThan(20);
    expect(Object.values(encounters?.quarantined ?? {}).reduce((a, b) => a + b, 0)).toBe(25);
    expect(encounters?.read).toBe((encounters?.inserted ?? 0) + 25);
  }, 120_000);

  it("dates a loose folder by its files, not by the day of the load", async () => {
    const dir = looseCopy("loose-dated");
    const when = new Date("2025-11-30T10:00:00Z");
    for (const f of readdirSync(dir)) utimesSync(join(dir, f), when, when);
    const [report] = await load(dir);
    expect(report?.transactionTime).toBe(when.toISOString());
  }, 120_000);

  it("reads gzipped NDJSON, listed in a manifest or loose, as it reads plain files", async () => {
    const [plain] = await load(join(source, "fhir"));
    const dir = join(tmp.dir, "gzipped");
    cpSync(join(source, "fhir"), dir, { recursive: true });
    const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as {
      output: Array<{ url: string }>;
    };
    for (const o of manifest.output) {
      const file = join(dir, o.url);
      writeFileSync(`${file}.gz`, gzipSync(readFileSync(file)));
      unlinkSync(file);
      o.url = `${o.url}.gz`;
    }
    writeFileSync(join(dir, "manifest.json"), JSON.stringify(manifest));
    const [gzipped] = await load(dir);
    expect(inserted(gzipped)).toEqual(inserted(plain));
    unlinkSync(join(dir, "manifest.json"));
    const [loose] = await load(dir);
    expect(inserted(loose)).toEqual(inserted(plain));
  }, 180_000);
});

describe("event dates", () => {
  it("date a row by its table's date fields in order: performedPeriod, an onset, effectivePeriod", async () => {
    const dir = looseCopy("dates-fallback");
    const first = (prefix: string) => {
      const file = readdirSync(dir).find((f) => f.startsWith(prefix)) as string;
      return JSON.parse(readFileSync(join(dir, file), "utf8").split("\n")[0] as string);
    };
    const procedure = first("Procedure");
    delete procedure.performedDateTime;
    const condition = first("Condition");
    delete condition.recordedDate;
    const lab = first("Observation");
    delete lab.effectiveDateTime;
    delete lab.issued;
    const undated = { ...first("Procedure"), id: "undated-procedure" };
    delete undated.performedDateTime;
    // A loose file holds one resource type: one file each.
    const files = {
      "Extra-Procedure.ndjson": [
        {
          ...procedure,
          id: "period-procedure",
          performedPeriod: { start: "2020-03-04T10:00:00+02:00" },
        },
        undated,
      ],
      "Extra-Condition.ndjson": [
        { ...condition, id: "onset-condition", onsetDateTime: "2019-02-03" },
      ],
      "Extra-Observation.ndjson": [
        { ...lab, id: "period-lab", effectivePeriod: { start: "2018-07-08T08:00:00+03:00" } },
      ],
    };
    for (const [name, lines] of Object.entries(files))
      writeFileSync(join(dir, name), `${lines.map((l) => JSON.stringify(l)).join("\n")}\n`);
    const homeDir = join(tmp.dir, "home-dates");
    const [report] = await load(dir, homeDir);
    for (const table of ["procedure", "diagnosis", "lab"])
      expect(report?.tables[table]?.quarantined ?? {}, table).toEqual({});
    expect(report?.tables.procedure?.inserted).toBeGreaterThan(2);
    const { home } = initHome(homeDir, {});
    const lake = await Lake.open(home);
    try {
      const dated = async (table: string, day: string) =>
        Number(
          (
            await lakeRows(
              lake,
              `select count(*) as n from clinical.${table} where event_date = date '${day}'`,
            )
          )[0]?.n,
        );
      expect(await dated("procedure", "2020-03-04")).toBeGreaterThanOrEqual(1);
      expect(await dated("diagnosis", "2019-02-03")).toBeGreaterThanOrEqual(1);
      expect(await dated("lab", "2018-07-08")).toBeGreaterThanOrEqual(1);
      const catalog = await readCatalog(lake);
      const [latest] = await lakeRows(lake, "select max(load_id) as l from main._loads");
      const results = await runQualityChecks(lake, catalog, Number(latest?.l), "2026-06-01");
      const missing = results.find(
        (r) => r.check === "event_date_missing" && r.table === "procedure",
      );
      // The one procedure with no date in any field is counted, not dropped.
      expect(missing?.failing).toBe(1);
      expect(
        results.filter((r) => r.check === "event_date_missing" && r.table !== "procedure"),
      ).toSatisfy((rs: Array<{ failing: number }>) => rs.every((r) => r.failing === 0));
    } finally {
      lake.close();
    }
  }, 120_000);
});

describe("registry extracts", () => {
  it("are refused without a date of their own, before anything loads, and dated by extract.json", async () => {
    const dir = join(tmp.dir, "registries-only", "registries");
    cpSync(join(source, "registries"), dir, { recursive: true });
    const asOf = (JSON.parse(readFileSync(join(dir, "extract.json"), "utf8")) as { asOf: string })
      .asOf;
    rmSync(join(dir, "extract.json"));
    // A small population may have nobody in one registry: an empty extract is refused on its own.
    for (const f of readdirSync(dir).filter((f) => f.endsWith(".csv")))
      if (readFileSync(join(dir, f), "utf8").trim().split("\n").length < 2) rmSync(join(dir, f));
    const homeDir = join(tmp.dir, "home-registries");
    await expect(load(dir, homeDir)).rejects.toThrow(/say nowhere when they were taken/);
    expect(await loadCount(homeDir)).toBe(0);
    writeFileSync(join(dir, "extract.json"), JSON.stringify({ asOf }));
    const reports = await load(dir, homeDir);
    expect(reports.length).toBeGreaterThan(0);
    for (const r of reports) {
      expect(r.transactionTime).toBe(new Date(asOf).toISOString());
      // Each registry's rows carry the registry as their source, not the EHR.
      expect(r.source).toBe(Object.keys(r.tables)[0]?.split(".")[0]);
    }
  }, 120_000);
});

describe("person identifier systems", () => {
  const PATIENT_FILE = "Patient-1.ndjson";
  const configured = (homeDir: string, identity: Record<string, unknown>) => {
    initHome(homeDir, {});
    writeFileSync(join(homeDir, "kaivo.json"), JSON.stringify({ version: 1, identity }));
    return homeDir;
  };

  it("key a Patient by the first listed system it has, so one with only a temporary code is kept", async () => {
    const dir = join(tmp.dir, "temporary-code");
    cpSync(join(source, "fhir"), dir, { recursive: true });
    const lines = readFileSync(join(dir, PATIENT_FILE), "utf8").split("\n");
    const first = JSON.parse(lines[0] as string) as { identifier: Array<{ system: string }> };
    first.identifier = [{ system: "urn:oid:1.2.246.10.1234.1", value: "T-20250001" } as never];
    lines[0] = JSON.stringify(first);
    writeFileSync(join(dir, PATIENT_FILE), lines.join("\n"));
    const [national] = await load(dir);
    expect(national?.tables.person?.quarantined).toEqual({ "no person identifier": 1 });
    const homeDir = configured(join(tmp.dir, "home-temporary"), {
      personIdentifierSystems: ["urn:oid:1.2.246.21", "urn:oid:1.2.246.10.1234.1"],
    });
    const [both] = await load(dir, homeDir);
    expect(both?.tables.person?.quarantined).toEqual({});
    expect(both?.tables.person?.inserted).toBe(national?.tables.person?.read);
    expect(Object.values(both?.tables.visit?.quarantined ?? {})).toEqual([]);
  }, 120_000);

  it("refuse a load in which most Patients have none of them, naming the systems the export has", async () => {
    const homeDir = configured(join(tmp.dir, "home-wrong-system"), {
      personIdentifierSystems: ["http://hl7.org/fhir/sid/us-ssn"],
    });
    const failure = await load(join(source, "fhir"), homeDir).catch((e: Error) => e);
    expect(failure).toBeInstanceOf(Error);
    const message = `${(failure as Error).message} ${(failure as { hint?: string }).hint ?? ""}`;
    expect(message).toMatch(/of \d+ Patients .*us-ssn/);
    expect(message).toMatch(/urn:oid:1\.2\.246\.21 \(\d+\)/);
    expect(message).toMatch(/identity\.personIdentifierSystems/);
    expect(containsHetuLike(message)).toBe(false);
    expect(await loadCount(homeDir)).toBe(0);
  }, 120_000);
});
