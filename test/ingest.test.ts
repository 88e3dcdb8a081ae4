import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "../src/auth/roles.js";
import { initHome } from "../src/home/home.js";
import { containsHetuLike } from "../src/identity/hetu.js";
import { Vault } from "../src/identity/vault.js";
import type { LoadProgress } from "../src/ingest/fhir-ingest.js";
import {
  ingest,
  lakeTables,
  listQuarantine,
  retryQuarantined,
  showQuarantined,
} from "../src/ingest/ingest-service.js";
import { Lake } from "../src/lake/lake.js";
import { openControlStore } from "../src/store/control-store.js";
import { DEFAULT_SYNTH_OPTIONS, runSynth } from "../src/synth/synth.js";
import type { Facts } from "../src/synth/truth.js";
import { tempDir } from "./support/stores.js";

const steward: Actor = { name: "stina", role: "steward" };
const tmp = tempDir("kaivo-ingest-");
afterAll(() => tmp.remove());
const out = join(tmp.dir, "synth");

async function withDeployment<T>(
  dir: string,
  env: NodeJS.ProcessEnv,
  work: (ctx: Parameters<typeof ingest>[0]) => Promise<T>,
): Promise<T> {
  const { home } = initHome(dir, env);
  const store = await openControlStore(home);
  try {
    return await work({ home, store, actor: steward });
  } finally {
    await store.close();
  }
}

async function query(homeDir: string, sql: string): Promise<Array<Record<string, unknown>>> {
  const lake = await Lake.open(initHome(homeDir, {}).home);
  try {
    return (await lake.connection.runAndReadAll(sql)).getRowObjectsJson() as Array<
      Record<string, unknown>
    >;
  } finally {
    lake.close();
  }
}

const REASON_OF: Record<string, RegExp> = {
  malformed_json: /^malformed JSON$/,
  truncated_last_line: /^malformed JSON$/,
  wrong_type: /^wrong type/,
  invalid_hetu: /^invalid identity code/,
  missing_subject: /^missing subject$/,
  unknown_code: /^unknown code: (code|atc|local_code) shaped "[A9 .\-_/+*#&:?]+" is not /,
  future_date: /^date in the future$/,
  duplicate_resource: /^duplicate record$/,
};

describe("ingest of kaivo synth output (500 people, 2 days, 2 % defects)", () => {
  const home = join(tmp.dir, "home");
  const progress: LoadProgress[] = [];
  beforeAll(async () => {
    await runSynth({ ...DEFAULT_SYNTH_OPTIONS, patients: 500, seed: 5, days: 2, dirty: 0.02, out });
    await withDeployment(home, {}, (ctx) =>
      ingest(ctx, out, { onProgress: (p) => progress.push(p) }),
    );
  }, 120_000);

  it("reports each export's progress, checked ahead of loaded, to its end", () => {
    const labels = [...new Set(progress.map((p) => p.label))];
    expect(labels).toEqual([
      "fhir",
      "day-1/fhir",
      "day-2/fhir",
      "registries/diabetesrekisteri.csv",
      "registries/reumarekisteri.csv",
    ]);
    for (const label of labels) {
      const seen = progress.filter((p) => p.label === label);
      for (const [i, p] of seen.entries()) {
        expect(p.checkedBytes).toBeGreaterThanOrEqual(p.loadedBytes);
        if (i > 0) {
          expect(p.loadedBytes).toBeGreaterThanOrEqual(seen[i - 1]?.loadedBytes ?? 0);
          expect(p.checkedBytes).toBeGreaterThanOrEqual(seen[i - 1]?.checkedBytes ?? 0);
        }
      }
      const last = seen.at(-1);
      expect(last?.doing).toBe("merging into the lake");
      expect(last?.loadedBytes).toBe(last?.totalBytes);
      expect(last?.checkedBytes).toBe(last?.totalBytes);
      if (label.endsWith("fhir"))
        expect(seen.some((p) => p.doing.startsWith("Observation"))).toBe(true);
    }
  });

  it("quarantines every planted defect with the right reason", () => {
    const defects = (
      JSON.parse(readFileSync(join(out, "defects.json"), "utf8")) as {
        defects: Array<{ file: string; line: number; kind: string }>;
      }
    ).defects;
    const vault = Vault.open(initHome(home, {}).home);
    try {
      const quarantined = new Map(
        vault.listQuarantine().map((q) => [`${q.file}:${q.line}`, q.reason]),
      );
      expect(defects.length).toBeGreaterThan(50);
      for (const d of defects) {
        const reason = quarantined.get(`${d.file}:${d.line}`);
        expect(reason, `${d.file}:${d.line} (${d.kind})`).toMatch(REASON_OF[d.kind] as RegExp);
      }
      expect(quarantined.size).toBe(defects.length); // and nothing clean was quarantined
    } finally {
      vault.close();
    }
  });

  it("agrees with truth.json after the last load", async () => {
    const truth = JSON.parse(readFileSync(join(out, "truth.json"), "utf8")) as {
      exports: Array<{ facts: Facts }>;
    };
    const facts = truth.exports[truth.exports.length - 1]?.facts as Facts;
    const one = async (sql: string) => Number((await query(home, sql))[0]?.n);
    expect(await one("select count(*) n from clinical.person where load_to is null")).toBe(
      facts.patients,
    );
    expect(
      await one("select count(*) n from clinical.person where load_to is null and sex = 'male'"),
    ).toBe(facts.bySex.male);
    expect(
      await one(
        "select count(*) n from clinical.person where load_to is null and deceased_at is not null",
      ),
    ).toBe(facts.deceased);
    for (const [table, type] of [
      ["visit", "Encounter"],
      ["diagnosis", "Condition"],
      ["lab", "Observation"],
      ["note", "DocumentReference"],
      ["procedure", "Procedure"],
      ["medication_request", "MedicationRequest"],
    ] as const) {
      expect(
        await one(
          `select count(distinct record_key) n from clinical.${table} where load_to is null`,
        ),
        table,
      ).toBe(facts.resources[type]);
    }
    const categories = await query(
      home,
      "select substr(code, 1, 3) c, count(distinct pseudo_id) n from clinical.diagnosis where load_to is null group by 1",
    );
    expect(Object.fromEntries(categories.map((r) => [r.c, Number(r.n)]))).toEqual(
      facts.peopleByDiagnosisCategory,
    );
    const visits = await query(
      home,
      "select u.unit_code, substr(v.start, 1, 4) y, count(*) n from clinical.visit v join clinical.unit u on u.record_key = v.location_id and u.load_to is null where v.load_to is null group by 1, 2",
    );
    const byUnit: Record<string, Record<string, number>> = {};
    for (const r of visits) {
      const unit = String(r.unit_code);
      byUnit[unit] ??= {};
      byUnit[unit][String(r.y)] = Number(r.n);
    }
    expect(byUnit).toEqual(facts.visitsByUnitYear);
  });

  it("loads the registry CSVs: rows and people as truth.json counts them", async () => {
    const truth = JSON.parse(readFileSync(join(out, "truth.json"), "utf8")) as {
      exports: Array<{ facts: Facts }>;
    };
    const first = truth.exports[0];
    if (!first) throw new Error("truth.json has no exports");
    const registries = first.facts.registries;
    for (const [registry, table] of [
      ["reuma", "visit"],
      ["diabetes", "follow_up"],
    ] as const) {
      const rows = await query(
        home,
        `select count(*) n, count(distinct pseudo_id) p from ${registry}.${table} where load_to is null`,
      );
      expect({ rows: Number(rows[0]?.n), people: Number(rows[0]?.p) }, registry).toEqual(
        registries[registry],
      );
    }
    // One pseudo-ID links the registries: every diabetes registry person is a person in the lake.
    const orphans = await query(
      home,
      "select count(*) n from diabetes.follow_up f where not exists (select 1 from clinical.person p where p.pseudo_id = f.pseudo_id)",
    );
    expect(Number(orphans[0]?.n)).toBe(0);
  });

  it("leaves no identity code, patient or relative name, phone or e-mail anywhere in the lake", async () => {
    const names = new Set<string>();
    const phones = new Set<string>();
    for (const dir of ["fhir", "day-1/fhir", "day-2/fhir"]) {
      const manifest = JSON.parse(readFileSync(join(out, dir, "manifest.json"), "utf8")) as {
        output: Array<{ type: string; url: string }>;
      };
      for (const o of manifest.output.filter((x) => x.type === "Patient")) {
        for (const line of readFileSync(join(out, dir, o.url), "utf8").split("\n")) {
          if (!line.trim()) continue;
          let p: {
            name?: Array<{ family: string; given: string[] }>;
            telecom?: Array<{ value: string }>;
            contact?: Array<{
              name: { family: string; given: string[] };
              telecom: Array<{ value: string }>;
            }>;
          };
          try {
            p = JSON.parse(line);
          } catch {
            continue;
          }
          for (const n of [...(p.name ?? []), ...(p.contact ?? []).map((c) => c.name)])
            for (const w of [n.family, ...n.given]) names.add(w);
          for (const t of [...(p.telecom ?? []), ...(p.contact ?? []).flatMap((c) => c.telecom)])
            phones.add(t.value);
        }
      }
    }
    expect(names.size).toBeGreaterThan(50);
    const tables = await query(
      home,
      "select table_schema s, table_name t from information_schema.tables where table_schema <> 'main'",
    );
    let values = 0;
    const nameWord = new RegExp(`(?<!\\p{L})(${[...names].join("|")})(?!\\p{L})`, "u");
    for (const { s, t } of tables) {
      const columns = await query(
        home,
        `select column_name c from information_schema.columns where table_schema = '${s}' and table_name = '${t}' and data_type in ('VARCHAR', 'JSON')`,
      );
      for (const { c } of columns) {
        const rows = await query(
          home,
          `select distinct "${c}"::varchar v from "${s}"."${t}" where "${c}" is not null`,
        );
        for (const { v } of rows) {
          const text = String(v);
          values++;
          expect(containsHetuLike(text), `${s}.${t}.${c}`).toBe(false);
          expect(text, `${s}.${t}.${c}`).not.toMatch(/@[A-Za-z0-9-]+\.[A-Za-z]{2,}/);
          expect(text, `${s}.${t}.${c}`).not.toMatch(/\b0\d{1,2}[\s-]\d{3}[\s-]\d{3,5}\b/);
          for (const phone of phones)
            if (text.includes(phone)) throw new Error(`${s}.${t}.${c} holds a phone number`);
          if (c !== "name" && c !== "specialty_name")
            expect(text, `${s}.${t}.${c}`).not.toMatch(nameWord);
        }
      }
    }
    expect(values).toBeGreaterThan(1000);
  });

  it("loading the same exports again changes nothing", async () => {
    const before = await withDeployment(home, {}, (ctx) => lakeTables(ctx));
    const reports = await withDeployment(home, {}, (ctx) => ingest(ctx, out));
    expect(reports.every((r) => r.alreadyLoaded)).toBe(true);
    expect(await withDeployment(home, {}, (ctx) => lakeTables(ctx))).toEqual(before);
  });

  it("keeps every version: corrections and deletions are visible as of each load", async () => {
    const asOf = async (load: number) =>
      Number(
        (
          await query(
            home,
            `select count(distinct record_key) n from clinical.lab where load_from <= ${load} and (load_to is null or load_to > ${load})`,
          )
        )[0]?.n,
      );
    const latest = Number(
      (
        await query(
          home,
          "select count(distinct record_key) n from clinical.lab where load_to is null",
        )
      )[0]?.n,
    );
    const closed = await query(
      home,
      "select load_from, load_to from clinical.lab where load_to is not null",
    );
    expect(closed.length).toBeGreaterThan(0); // a correction or a deletion closed a version
    expect(await asOf(3)).toBe(latest);
    expect(await asOf(1)).toBeLessThanOrEqual(await asOf(2));
  });
});

describe("quarantine retry", () => {
  it("loads a quarantined record again as a load of its own and marks the entry retried", async () => {
    const home = join(tmp.dir, "home");
    const entries = await withDeployment(home, {}, (ctx) => listQuarantine(ctx));
    const bad = entries.find((e) => e.reason.startsWith("invalid identity code"));
    if (!bad) throw new Error("expected an invalid identity code in quarantine");
    const raw = await withDeployment(home, {}, (ctx) => showQuarantined(ctx, bad.id));
    expect(JSON.parse(raw).resourceType).toBe("Patient");
    const report = await withDeployment(home, {}, (ctx) => retryQuarantined(ctx, bad.id));
    expect(report.tables.person).toMatchObject({ read: 1, inserted: 0 });
    expect(Object.keys(report.tables.person?.quarantined ?? {})[0]).toMatch(
      /^invalid identity code/,
    );
    const after = await withDeployment(home, {}, (ctx) => listQuarantine(ctx));
    expect(after.find((e) => e.id === bad.id)?.status).toBe("retried");
  });
});

describe("another country's identifier system", () => {
  it("loads an export keyed by a US SSN by configuration alone", async () => {
    const dir = join(tmp.dir, "us-export");
    mkdirSync(dir, { recursive: true });
    const ssn = "http://hl7.org/fhir/sid/us-ssn";
    writeFileSync(
      join(dir, "Patient-1.ndjson"),
      `${JSON.stringify({ resourceType: "Patient", id: "p1", identifier: [{ system: ssn, value: "123-45-6789" }], gender: "female", birthDate: "1970-01-01", name: [{ family: "Smith", given: ["Jane"] }] })}\n`,
    );
    writeFileSync(
      join(dir, "Observation-1.ndjson"),
      `${JSON.stringify({ resourceType: "Observation", id: "o1", status: "final", subject: { reference: "Patient/p1" }, code: { coding: [{ system: "https://fhir.hus.example/CodeSystem/laboratoriotutkimus", code: "4541" }] }, effectiveDateTime: "2020-01-01T10:00:00Z", valueQuantity: { value: 5, unit: "mg/l" } })}\n`,
    );
    writeFileSync(
      join(dir, "manifest.json"),
      JSON.stringify({
        transactionTime: "2024-01-01T00:00:00Z",
        output: [
          { type: "Patient", url: "Patient-1.ndjson" },
          { type: "Observation", url: "Observation-1.ndjson" },
        ],
      }),
    );
    const finnish = join(tmp.dir, "home-fi");
    const [fi] = await withDeployment(finnish, {}, (ctx) => ingest(ctx, dir));
    expect(fi?.tables.person?.quarantined).toEqual({ "no person identifier": 1 });

    const us = join(tmp.dir, "home-us");
    initHome(us, {});
    writeFileSync(
      join(us, "kaivo.json"),
      JSON.stringify({ version: 1, identity: { personIdentifierSystem: ssn } }),
    );
    const [report] = await withDeployment(us, {}, (ctx) => ingest(ctx, dir));
    expect(report?.tables.person).toMatchObject({ read: 1, inserted: 1 });
    expect(report?.tables.lab).toMatchObject({ read: 1, inserted: 1 });
    const rows = await query(us, "select pseudo_id from clinical.person");
    expect(String(rows[0]?.pseudo_id)).toMatch(/^[a-z2-7]{16}$/);
  });
});

describe("the person's own identifier values in notes", () => {
  it("scrubs the patient number and SSN of the Patient resource wherever the note writes them", async () => {
    const source = join(tmp.dir, "identifier-source");
    await runSynth({ ...DEFAULT_SYNTH_OPTIONS, patients: 5, seed: 31, out: source });
    const lines = (name: string) =>
      readFileSync(join(source, "fhir", name), "utf8")
        .split("\n")
        .filter((l) => l.trim())
        .map((l) => JSON.parse(l) as Record<string, unknown> & { id: string });
    const patient = lines("Patient-1.ndjson")[0] as Record<string, unknown> & { id: string };
    const ssnSystem = "http://hl7.org/fhir/sid/us-ssn";
    const identifiers = patient.identifier as Array<{ system: string; value: string }>;
    identifiers.push({ system: ssnSystem, value: "123-45-6789" });
    const mrn = identifiers.find((i) => i.system.endsWith("potilasnumero"))?.value ?? "";
    expect(mrn).toMatch(/\d{5,}/);
    const note = lines("DocumentReference-1.ndjson").find(
      (d) => (d.subject as { reference: string }).reference === `Patient/${patient.id}`,
    );
    if (!note) throw new Error("expected a note of the first patient");
    const spaced = mrn.replace(/(\d{3})(?=\d)/g, "$1 ");
    const text = `Potilasnumero ${mrn}. Lähete (MRN ${spaced}). SSN 123 45 6789, toinen 123456789.`;
    const [content] = note.content as Array<{ attachment: { data: string } }>;
    if (!content) throw new Error("expected the note's content");
    content.attachment.data = Buffer.from(text).toString("base64");
    const dir = join(tmp.dir, "identifier-export");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "Patient.ndjson"), `${JSON.stringify(patient)}\n`);
    writeFileSync(join(dir, "DocumentReference.ndjson"), `${JSON.stringify(note)}\n`);
    const home = join(tmp.dir, "home-identifiers");
    const [report] = await withDeployment(home, {}, (ctx) => ingest(ctx, dir));
    expect(report?.tables.note).toMatchObject({ read: 1, inserted: 1 });
    const [row] = await query(home, "select text from clinical.note");
    expect(row?.text).toBe("Potilasnumero [ID]. Lähete (MRN [ID]). SSN [ID], toinen [ID].");
  });
});

describe("loose NDJSON files", () => {
  it("loads a folder of NDJSON files without a manifest, and the same files again change nothing", async () => {
    const source = join(tmp.dir, "loose-source");
    await runSynth({ ...DEFAULT_SYNTH_OPTIONS, patients: 30, seed: 21, out: source });
    const dir = join(tmp.dir, "loose");
    mkdirSync(dir, { recursive: true });
    for (const name of ["Patient-1.ndjson", "Condition-1.ndjson", "Observation-1.ndjson"]) {
      writeFileSync(join(dir, name.replace("-1", "")), readFileSync(join(source, "fhir", name)));
    }
    const home = join(tmp.dir, "home-loose");
    const [first] = await withDeployment(home, {}, (ctx) => ingest(ctx, dir));
    expect(first?.tables.person?.inserted).toBeGreaterThan(20);
    expect(first?.tables.diagnosis?.inserted).toBeGreaterThan(0);
    expect(first?.tables.lab?.inserted).toBeGreaterThan(0);
    const [again] = await withDeployment(home, {}, (ctx) => ingest(ctx, dir));
    expect(again?.alreadyLoaded).toBe(true);
  });
});
