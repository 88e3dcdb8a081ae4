import type { Resource } from "./fhir-types.js";
import { Rng } from "./rng.js";
import { DAY, fhirDateTime } from "./time.js";

export const DEFECT_KINDS = [
  "malformed_json",
  "wrong_type",
  "invalid_hetu",
  "missing_subject",
  "unknown_code",
  "future_date",
  "duplicate_resource",
  "truncated_last_line",
] as const;
export type DefectKind = (typeof DEFECT_KINDS)[number];

/** One planted defect: where it is and what it is. `line` is 1-based (the CSV header is line 1). */
export interface Defect {
  file: string;
  line: number;
  kind: DefectKind;
  resourceType?: string;
  id?: string;
}

const RECORD_DEFECTS: ReadonlyArray<readonly [DefectKind, number]> = [
  ["malformed_json", 2],
  ["wrong_type", 2],
  ["missing_subject", 2],
  ["unknown_code", 2],
  ["future_date", 2],
  ["duplicate_resource", 2],
];

/** Decides, per record and independently of everything else, whether it carries a defect. */
export class DefectPlanner {
  constructor(
    private readonly seed: number,
    readonly rate: number,
    private readonly asOf: number,
  ) {}

  /** Whether this person's Patient record carries an invalid identity code. */
  invalidHetu(personIndex: number): boolean {
    return this.rate > 0 && Rng.derive(this.seed, "defect-person", personIndex).chance(this.rate);
  }

  /** The defect planted in a (non-Patient) record, if any. Deterministic per record id. */
  recordDefect(resource: Resource): DefectKind | null {
    if (this.rate <= 0 || resource.resourceType === "Patient") return null;
    const rng = Rng.derive(this.seed, "defect", resource.resourceType, resource.id);
    if (!rng.chance(this.rate)) return null;
    const applicable = RECORD_DEFECTS.filter(([kind]) => applies(kind, resource));
    return applicable.length > 0 ? rng.weighted(applicable) : null;
  }

  /** The lines to write for a record with a defect (a duplicate writes two). */
  corrupt(resource: Resource, kind: DefectKind, json: string): string[] {
    const rng = Rng.derive(this.seed, "defect-shape", resource.id);
    const copy = structuredClone(resource) as Record<string, unknown>;
    switch (kind) {
      case "malformed_json":
        // A broken writer: the object is cut off and something else follows.
        return [`${json.slice(0, Math.max(10, Math.floor(json.length * rng.float())))}},"`];
      case "duplicate_resource":
        return [json, json];
      case "missing_subject":
        delete copy.subject;
        return [JSON.stringify(copy)];
      case "wrong_type":
        wrongType(copy);
        return [JSON.stringify(copy)];
      case "unknown_code":
        unknownCode(copy);
        return [JSON.stringify(copy)];
      case "future_date":
        futureDate(copy, fhirDateTime(this.asOf + rng.int(60, 5 * 365) * DAY));
        return [JSON.stringify(copy)];
      default:
        throw new Error(`not a record defect: ${kind}`);
    }
  }
}

function applies(kind: DefectKind, r: Resource): boolean {
  switch (kind) {
    case "missing_subject":
      return "subject" in r;
    case "unknown_code":
      return ["Condition", "Observation", "MedicationRequest"].includes(r.resourceType);
    case "future_date":
      return ["Condition", "Observation", "Encounter", "Procedure"].includes(r.resourceType);
    case "wrong_type":
      return ["Observation", "Encounter"].includes(r.resourceType) || "subject" in r;
    default:
      return r.resourceType !== "Organization" && r.resourceType !== "Location";
  }
}

function wrongType(r: Record<string, unknown>): void {
  const q = r.valueQuantity as { value?: unknown } | undefined;
  if (q && typeof q.value === "number") {
    q.value = String(q.value).replace(".", ","); // a decimal comma, as a string
  } else if (r.resourceType === "Encounter") {
    const period = r.period as { start?: unknown };
    period.start = Date.parse(String(period.start)); // epoch milliseconds instead of dateTime
  } else {
    r.subject = (r.subject as { reference?: string } | undefined)?.reference ?? "Patient"; // string, not Reference
  }
}

function unknownCode(r: Record<string, unknown>): void {
  const concept = (r.code ?? r.medicationCodeableConcept) as {
    coding: Array<{ code: string; display?: string }>;
  };
  const coding = concept.coding[0];
  if (!coding) return;
  if (r.resourceType === "Condition")
    coding.code = `${coding.code[0]}O${coding.code.slice(2)}`; // letter O for a digit
  else if (r.resourceType === "Observation") coding.code = "99999";
  else coding.code = "Y99YY99"; // no ATC anatomical group starts with Y
}

function futureDate(r: Record<string, unknown>, when: string): void {
  for (const key of ["recordedDate", "effectiveDateTime", "performedDateTime"])
    if (key in r) r[key] = when;
  if (r.resourceType === "Encounter") r.period = { start: when, end: when };
}
