import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** The ViewDefinitions that define the lake's FHIR tables, shipped in the repository's views/fhir. */
export const LAKE_VIEWS_DIR = join(import.meta.dirname, "../../views/fhir");

/** Every ViewDefinition in the folder (other JSON there, such as tables.json, is configuration). */
export function loadLakeViews(dir = LAKE_VIEWS_DIR): Array<{ name: string; view: unknown }> {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => ({
      name: f.replace(/\.json$/, ""),
      view: JSON.parse(readFileSync(join(dir, f), "utf8")) as unknown,
    }))
    .filter(({ view }) => (view as { resourceType?: string }).resourceType === "ViewDefinition");
}
