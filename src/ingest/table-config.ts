import { readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { MeasurementSchema, PeriodSchema, RegistryCatalogSchema } from "../catalog/metadata.js";
import { ConfigError } from "../shared/errors.js";
import { LAKE_VIEWS_DIR } from "../views/lake-views.js";
import { planView, type ViewPlan } from "../views/plan.js";
import { type CodeFormat, type CodeSystemRegistry, codeSystemRegistry } from "./code-systems.js";

const TablesSchema = z.strictObject({
  $comment: z.string().optional(),
  registry: z.string().regex(/^[a-z][a-z0-9_]*$/),
  catalog: RegistryCatalogSchema,
  /** The table of persons and its birth and death columns, for plausibility checks. */
  persons: z.strictObject({
    table: z.string(),
    birthDate: z.string(),
    deathDate: z.string(),
    sex: z.string(),
    municipality: z.string(),
  }),
  tables: z.record(
    z.string().regex(/^[a-z][a-z0-9_]*$/),
    z.strictObject({
      view: z.string(),
      // One column, or columns in order of preference: the first with a date dates the row.
      eventDate: z.union([z.string(), z.array(z.string()).min(1)]).optional(),
      // The code column, the column with each coding's system URI (if the view keeps it), and the
      // registered system (an id of codeSystems) a coding without a system URI is taken to be in.
      codeFormat: z
        .strictObject({
          column: z.string(),
          systemColumn: z.string().optional(),
          system: z.string(),
        })
        .optional(),
      knownCodes: z.strictObject({ column: z.string(), file: z.string() }).optional(),
      text: z.strictObject({ column: z.string(), encoding: z.literal("base64") }).optional(),
      titleFi: z.string().optional(),
      descriptionFi: z.string().optional(),
      keywords: z.array(z.string()).default([]),
      measurement: MeasurementSchema.optional(),
      period: PeriodSchema.optional(),
    }),
  ),
});
type TablesFile = z.infer<typeof TablesSchema>;

/** One lake table: its view (planned once) and the checks and conversions ingest applies. */
export interface LakeTable {
  registry: string;
  name: string;
  plan: ViewPlan;
  resourceType: string;
  /** The column that dates a row, as the catalog names it: the first of eventDates. */
  eventDate?: string;
  /** The columns that date a row, in order: the first that holds a date is the row's date. */
  eventDates?: string[];
  codeFormat?: CodeFormat;
  knownCodes?: { column: string; file: string; codes: Set<string> };
  text?: { column: string };
  /** What the catalog says of the table beyond its view's title and description. */
  catalog: Pick<
    TablesFile["tables"][string],
    "titleFi" | "descriptionFi" | "keywords" | "measurement" | "period"
  >;
}

/** The registry the lake tables make up, as the catalog describes it. */
export interface LakeRegistry {
  registry: string;
  catalog: TablesFile["catalog"];
  persons: TablesFile["persons"];
  tables: LakeTable[];
}

/** Reads views/fhir/tables.json (or another folder's): adding a table is adding a view and a line here. */
export function loadLakeTables(
  dir = LAKE_VIEWS_DIR,
  codeSystems: CodeSystemRegistry = codeSystemRegistry(),
): LakeTable[] {
  return loadLakeRegistry(dir, codeSystems).tables;
}

export function loadLakeRegistry(
  dir = LAKE_VIEWS_DIR,
  codeSystems: CodeSystemRegistry = codeSystemRegistry(),
): LakeRegistry {
  const file = join(dir, "tables.json");
  const parsed = TablesSchema.safeParse(JSON.parse(readFileSync(file, "utf8")));
  if (!parsed.success) {
    throw new ConfigError(
      `${file}: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
    );
  }
  const { registry, catalog, persons } = parsed.data;
  if (!parsed.data.tables[persons.table]) {
    throw new ConfigError(`${file}: persons.table "${persons.table}" is not one of its tables.`);
  }
  const tables = Object.entries(parsed.data.tables).map(([name, t]): LakeTable => {
    const plan = planView(JSON.parse(readFileSync(join(dir, t.view), "utf8")));
    const eventDates = t.eventDate === undefined ? [] : [t.eventDate].flat();
    for (const column of [
      ...eventDates,
      t.codeFormat?.column,
      t.codeFormat?.systemColumn,
      t.knownCodes?.column,
      t.text?.column,
      t.measurement?.code,
      t.measurement?.value,
      t.measurement?.unit,
      t.period?.start,
      t.period?.end,
      ...(name === persons.table
        ? [persons.birthDate, persons.deathDate, persons.sex, persons.municipality]
        : []),
    ]) {
      if (column && !plan.columns.some((c) => c.name === column)) {
        throw new ConfigError(
          `${file}: table ${name} names column "${column}", which ${t.view} does not have.`,
        );
      }
    }
    const system = t.codeFormat ? codeSystems.byId(t.codeFormat.system) : undefined;
    if (t.codeFormat && !system) {
      throw new ConfigError(
        `${file}: table ${name} expects code system "${t.codeFormat.system}", which codeSystems does not define (${codeSystems.systems.map((s) => s.id).join(", ")}).`,
      );
    }
    const known = t.knownCodes
      ? (
          JSON.parse(readFileSync(join(dir, t.knownCodes.file), "utf8")) as {
            codes: Array<{ code: string }>;
          }
        ).codes
      : undefined;
    return {
      registry,
      name,
      plan,
      resourceType: plan.resource,
      ...(eventDates[0] ? { eventDate: eventDates[0], eventDates } : {}),
      ...(t.codeFormat && system
        ? {
            codeFormat: {
              column: t.codeFormat.column,
              ...(t.codeFormat.systemColumn ? { systemColumn: t.codeFormat.systemColumn } : {}),
              system,
              registry: codeSystems,
            },
          }
        : {}),
      ...(t.knownCodes && known
        ? {
            knownCodes: {
              column: t.knownCodes.column,
              file: t.knownCodes.file,
              codes: new Set(known.map((c) => c.code)),
            },
          }
        : {}),
      ...(t.text ? { text: { column: t.text.column } } : {}),
      catalog: {
        titleFi: t.titleFi,
        descriptionFi: t.descriptionFi,
        keywords: t.keywords,
        measurement: t.measurement,
        period: t.period,
      },
    };
  });
  return { registry, catalog, persons, tables };
}
