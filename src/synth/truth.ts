import type { Resource } from "./fhir-types.js";

/**
 * Facts a correct ingest must reproduce, counted from the clean records as they are written:
 * defective records are not counted (a correct ingest quarantines them), duplicates count once.
 * Facts are cumulative: after loading an export and every one before it.
 */
export interface Facts {
  patients: number;
  bySex: { male: number; female: number };
  deceased: number;
  temporaryHetu: number;
  /** Current records per resource type. */
  resources: Record<string, number>;
  /** Distinct people with at least one diagnosis in each ICD-10 category (first three characters). */
  peopleByDiagnosisCategory: Record<string, number>;
  /** Encounters per unit code and local calendar year of the start. */
  visitsByUnitYear: Record<string, Record<string, number>>;
  /** Rows and distinct people per CSV registry. */
  registries: Record<string, { rows: number; people: number }>;
}

export function emptyFacts(): Facts {
  return {
    patients: 0,
    bySex: { male: 0, female: 0 },
    deceased: 0,
    temporaryHetu: 0,
    resources: {},
    peopleByDiagnosisCategory: {},
    visitsByUnitYear: {},
    registries: {},
  };
}

const bump = (map: Record<string, number>, key: string, by = 1) => {
  map[key] = (map[key] ?? 0) + by;
};

export class TruthCounter {
  readonly facts: Facts = emptyFacts();

  constructor(private readonly unitOfLocation: (locationId: string) => string | undefined) {}

  patient(sex: "male" | "female", deceased: boolean, temporaryHetu: boolean): void {
    this.facts.patients++;
    this.facts.bySex[sex]++;
    if (deceased) this.facts.deceased++;
    if (temporaryHetu) this.facts.temporaryHetu++;
  }

  death(): void {
    this.facts.deceased++;
  }

  /** A clean record was written (or, with by = -1, deleted). */
  record(resource: Resource, by = 1): void {
    bump(this.facts.resources, resource.resourceType, by);
    if (resource.resourceType === "Encounter") {
      const locationRef =
        (resource.location as Array<{ location: { reference: string } }>)[0]?.location.reference ??
        "";
      const unit = this.unitOfLocation(locationRef.replace("Location/", "")) ?? "unknown";
      const year = (resource.period as { start: string }).start.slice(0, 4); // local time already
      this.facts.visitsByUnitYear[unit] ??= {};
      bump(this.facts.visitsByUnitYear[unit], year, by);
    }
  }

  /** The distinct diagnosis categories of one person's clean Conditions. */
  diagnosisCategories(categories: Iterable<string>): void {
    for (const c of categories) bump(this.facts.peopleByDiagnosisCategory, c);
  }

  registry(name: string, rows: number): void {
    this.facts.registries[name] ??= { rows: 0, people: 0 };
    this.facts.registries[name].rows += rows;
    this.facts.registries[name].people += 1;
  }

  /** A deep copy, for writing the state after one export. */
  snapshot(): Facts {
    return structuredClone(this.facts);
  }
}

export function diagnosisCategory(resource: Resource): string | undefined {
  const code = (resource.code as { coding?: Array<{ code?: string }> } | undefined)?.coding?.[0]
    ?.code;
  return code?.slice(0, 3);
}
