import { z } from "zod";

/**
 * The catalog's model: registry -> table -> variable. Filled at ingest from what the mappings
 * carry (ViewDefinitions and tables.json for FHIR tables, registry mapping files for CSVs) and
 * overlaid with stewards' annotations.
 */

/** Registry-level description, as written in tables.json or a registry mapping file. */
export const RegistryCatalogSchema = z.strictObject({
  title: z.string(),
  titleFi: z.string().optional(),
  description: z.string().optional(),
  descriptionFi: z.string().optional(),
  owner: z.string().optional(),
  sourceSystem: z.string().optional(),
  updateFrequency: z.enum(["daily", "weekly", "monthly", "quarterly", "annual", "irregular"]),
  keywords: z.array(z.string()).default([]),
});
export type RegistryCatalog = z.infer<typeof RegistryCatalogSchema>;

/** Measurements (labs): per code, which columns hold the value and the unit. */
export const MeasurementSchema = z.strictObject({
  code: z.string(),
  value: z.string(),
  unit: z.string(),
});

/** Tables whose rows are periods (visits): start and end columns, for plausibility checks. */
export const PeriodSchema = z.strictObject({ start: z.string(), end: z.string() });

export interface RegistryMeta extends RegistryCatalog {
  registry: string;
  /** The registry's table of persons (birth and death), for plausibility checks. */
  persons?:
    | { table: string; birthDate: string; deathDate: string; sex: string; municipality: string }
    | undefined;
}

export interface TableMeta {
  registry: string;
  table: string;
  title: string;
  titleFi?: string | undefined;
  description?: string | undefined;
  descriptionFi?: string | undefined;
  /** The column holding the lake pseudo-ID; absent for reference tables (units, hospitals). */
  personColumn?: string | undefined;
  /** The column that dates a row (`event_date`), and the source column it is taken from. */
  eventColumn?: string | undefined;
  eventSource?: string | undefined;
  keywords: string[];
  measurement?: z.infer<typeof MeasurementSchema> | undefined;
  period?: z.infer<typeof PeriodSchema> | undefined;
}

export type VariableRole = "person" | "event" | "key" | "lineage" | "value";

export interface VariableMeta {
  registry: string;
  table: string;
  variable: string;
  /** DuckDB type in the lake. */
  type: string;
  /** Type in the source mapping (FHIR type or CSV type): tells dates kept as ISO text apart. */
  sourceType?: string | undefined;
  role: VariableRole;
  title?: string | undefined;
  titleFi?: string | undefined;
  description?: string | undefined;
  descriptionFi?: string | undefined;
  unit?: string | undefined;
  /** Vocabulary system of the codes (icd10, atc, ncsp, lab, ...): titles and code checks. */
  codeSystem?: string | undefined;
  /** A keyed reference to another table's record_key (`registry.table`), e.g. a visit's unit. */
  references?: string | undefined;
  /** Few distinct values: the profile lists the most frequent. Never set for free text. */
  categorical: boolean;
}

export interface RegistryDescription {
  registry: RegistryMeta;
  tables: TableMeta[];
  variables: VariableMeta[];
}

/** The columns every lake table has (src/lake/lake.ts META_COLUMNS), described once. */
export const META_DESCRIPTIONS: Record<
  string,
  { role: VariableRole; description: string; descriptionFi: string }
> = {
  record_key: {
    role: "key",
    description: "Keyed pseudonym of the source record (never the source id)",
    descriptionFi: "Lähdetietueen avainnettu pseudonyymi",
  },
  pseudo_id: {
    role: "person",
    description: "Lake pseudo-ID of the person: the same across registries",
    descriptionFi: "Henkilön pseudonyymi, sama kaikissa rekistereissä",
  },
  event_date: {
    role: "event",
    description: "Date that places the row in time",
    descriptionFi: "Rivin tapahtumapäivä",
  },
  source: {
    role: "lineage",
    description: "Source system the row came from",
    descriptionFi: "Lähdejärjestelmä",
  },
  record_hash: {
    role: "lineage",
    description: "Content hash of the record version",
    descriptionFi: "Tietueversion sisällön tiiviste",
  },
  load_from: {
    role: "lineage",
    description: "Load (snapshot) that added this version",
    descriptionFi: "Lataus, jossa versio lisättiin",
  },
  load_to: {
    role: "lineage",
    description: "Load that replaced or deleted this version; empty while current",
    descriptionFi: "Lataus, jossa versio korvattiin tai poistettiin",
  },
};

/** Free text (clinical notes): released only when a permit allows notes. */
export function isFreeText(v: Pick<VariableMeta, "sourceType">): boolean {
  return v.sourceType === "base64Binary";
}

export function metaVariable(
  registry: string,
  table: string,
  variable: string,
  type: string,
): VariableMeta {
  const meta = META_DESCRIPTIONS[variable];
  return {
    registry,
    table,
    variable,
    type,
    role: meta?.role ?? "value",
    description: meta?.description,
    descriptionFi: meta?.descriptionFi,
    categorical: variable === "source",
  };
}
