import { readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { ConfigError } from "../shared/errors.js";
import { LAKE_VIEWS_DIR } from "../views/lake-views.js";
import { planView, type ViewPlan } from "../views/plan.js";

const TablesSchema = z.strictObject({
  $comment: z.string().optional(),
  registry: z.string().regex(/^[a-z][a-z0-9_]*$/),
  tables: z.record(
    z.string().regex(/^[a-z][a-z0-9_]*$/),
    z.strictObject({
      view: z.string(),
      eventDate: z.string().optional(),
      codeFormat: z.strictObject({ column: z.string(), pattern: z.string() }).optional(),
      knownCodes: z.strictObject({ column: z.string(), file: z.string() }).optional(),
      text: z.strictObject({ column: z.string(), encoding: z.literal("base64") }).optional(),
    }),
  ),
});

/** One lake table: its view (planned once) and the checks and conversions ingest applies. */
export interface LakeTable {
  registry: string;
  name: string;
  plan: ViewPlan;
  resourceType: string;
  eventDate?: string;
  codeFormat?: { column: string; pattern: RegExp };
  knownCodes?: { column: string; codes: Set<string> };
  text?: { column: string };
}

/** Reads views/fhir/tables.json (or another folder's): adding a table is adding a view and a line here. */
export function loadLakeTables(dir = LAKE_VIEWS_DIR): LakeTable[] {
  const file = join(dir, "tables.json");
  const parsed = TablesSchema.safeParse(JSON.parse(readFileSync(file, "utf8")));
  if (!parsed.success) {
    throw new ConfigError(
      `${file}: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
    );
  }
  return Object.entries(parsed.data.tables).map(([name, t]) => {
    const plan = planView(JSON.parse(readFileSync(join(dir, t.view), "utf8")));
    for (const column of [
      t.eventDate,
      t.codeFormat?.column,
      t.knownCodes?.column,
      t.text?.column,
    ]) {
      if (column && !plan.columns.some((c) => c.name === column)) {
        throw new ConfigError(
          `${file}: table ${name} names column "${column}", which ${t.view} does not have.`,
        );
      }
    }
    const known = t.knownCodes
      ? (
          JSON.parse(readFileSync(join(dir, t.knownCodes.file), "utf8")) as {
            codes: Array<{ code: string }>;
          }
        ).codes
      : undefined;
    return {
      registry: parsed.data.registry,
      name,
      plan,
      resourceType: plan.resource,
      ...(t.eventDate ? { eventDate: t.eventDate } : {}),
      ...(t.codeFormat
        ? { codeFormat: { column: t.codeFormat.column, pattern: new RegExp(t.codeFormat.pattern) } }
        : {}),
      ...(t.knownCodes && known
        ? { knownCodes: { column: t.knownCodes.column, codes: new Set(known.map((c) => c.code)) } }
        : {}),
      ...(t.text ? { text: { column: t.text.column } } : {}),
    };
  });
}
