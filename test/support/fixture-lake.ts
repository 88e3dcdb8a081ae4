import { ensureCatalogSchema, saveRegistryDescription } from "../../src/catalog/catalog-store.js";
import { describeCsvRegistry, describeFhirRegistry } from "../../src/catalog/describe.js";
import { loadShippedVocabularies } from "../../src/catalog/vocabulary.js";
import { assignRecordKeys } from "../../src/disclosure/record-keys.js";
import { type Home, initHome } from "../../src/home/home.js";
import { loadRegistryMappings, registryColumns } from "../../src/ingest/csv-ingest.js";
import { lakeColumns } from "../../src/ingest/record-mapping.js";
import { loadLakeRegistry } from "../../src/ingest/table-config.js";
import { Lake } from "../../src/lake/lake.js";

export type Row = Record<string, string | number | null>;

const lit = (v: string | number | null | undefined) =>
  v === null || v === undefined
    ? "null"
    : typeof v === "number"
      ? String(v)
      : `'${v.replace(/'/g, "''")}'`;

/**
 * A lake written by hand: the real table layouts and catalog, with a few rows whose cohort
 * membership can be worked out on paper. Rows default to load 1; `load_from`/`load_to` set others.
 */
export async function fixtureLake(
  dir: string,
  rows: Record<string, Row[]>,
  loads: Array<{ id: number; transactionTime: string }> = [
    { id: 1, transactionTime: "2025-12-31T23:59:00+02:00" },
  ],
): Promise<Home> {
  const { home } = initHome(dir, {});
  const lake = await Lake.open(home);
  try {
    const fhir = loadLakeRegistry();
    const mappings = loadRegistryMappings();
    const columns = new Map<string, Array<[string, string]>>();
    for (const t of fhir.tables) columns.set(`${t.registry}.${t.name}`, lakeColumns(t));
    for (const m of mappings) columns.set(`${m.registry}.${m.table}`, registryColumns(m));
    for (const [name, cols] of columns) {
      const [registry] = name.split(".");
      await lake.connection.run(`create schema if not exists "${registry}"`);
      await lake.connection.run(
        `create table ${name} (${cols.map(([n, t]) => `"${n}" ${t}`).join(", ")})`,
      );
    }
    let key = 0;
    for (const [table, list] of Object.entries(rows)) {
      for (const r of list) {
        const row: Row = {
          record_key: `k${++key}`,
          load_from: 1,
          load_to: null,
          source: "fixture",
          ...r,
        };
        const names = Object.keys(row);
        await lake.connection.run(
          `insert into ${table} (${names.map((n) => `"${n}"`).join(", ")}) values (${names.map((n) => lit(row[n])).join(", ")})`,
        );
      }
    }
    for (const l of loads)
      await lake.connection.run(
        `insert into main._loads values (${l.id}, 'fixture', 'f${l.id}', 'now', 'now', '${JSON.stringify({ transactionTime: l.transactionTime })}')`,
      );
    await assignRecordKeys(lake);
    await ensureCatalogSchema(lake);
    await saveRegistryDescription(lake, describeFhirRegistry(fhir));
    for (const m of mappings) await saveRegistryDescription(lake, describeCsvRegistry(m));
    await loadShippedVocabularies(lake);
  } finally {
    lake.close();
  }
  return home;
}
