import { type RegistryMapping, registryColumns } from "../ingest/csv-ingest.js";
import { lakeColumns } from "../ingest/record-mapping.js";
import type { LakeRegistry, LakeTable } from "../ingest/table-config.js";
import type { Column } from "../views/model.js";
import {
  META_DESCRIPTIONS,
  metaVariable,
  type RegistryDescription,
  type TableMeta,
  type VariableMeta,
} from "./metadata.js";

/** The view's column definitions by name, wherever they sit in the select tree. */
function viewColumns(table: LakeTable): Map<string, Column> {
  const out = new Map<string, Column>();
  const walk = (selects: typeof table.plan.view.select) => {
    for (const s of selects) {
      for (const c of s.column ?? []) out.set(c.name, c);
      walk([...(s.select ?? []), ...(s.unionAll ?? [])]);
    }
  };
  walk(table.plan.view.select);
  return out;
}

const tag = (c: Column | undefined, name: string) => c?.tag?.find((t) => t.name === name)?.value;

/** What the FHIR registry's views and tables.json say about its tables and variables. */
export function describeFhirRegistry(lake: LakeRegistry): RegistryDescription {
  const tables: TableMeta[] = [];
  const variables: VariableMeta[] = [];
  for (const t of lake.tables) {
    const columns = viewColumns(t);
    const hasPerson = columns.has("patient_id") || t.name === lake.persons.table;
    tables.push({
      registry: lake.registry,
      table: t.name,
      title: t.plan.view.title ?? t.name,
      titleFi: t.catalog.titleFi,
      description: t.plan.view.description,
      descriptionFi: t.catalog.descriptionFi,
      personColumn: hasPerson ? "pseudo_id" : undefined,
      eventColumn: t.eventDate ? "event_date" : undefined,
      eventSource: t.eventDate,
      keywords: t.catalog.keywords,
      measurement: t.catalog.measurement,
      period: t.catalog.period,
    });
    for (const [name, type] of lakeColumns(t)) {
      if (META_DESCRIPTIONS[name]) {
        if ((name === "pseudo_id" && !hasPerson) || (name === "event_date" && !t.eventDate))
          continue;
        variables.push(metaVariable(lake.registry, t.name, name, type));
        continue;
      }
      // The text column of notes is stored scrubbed under the name `text`.
      const column = columns.get(
        name === "text" || name === "redactions" ? (t.text?.column ?? name) : name,
      );
      const codeSystem = tag(column, "codeSystem");
      variables.push({
        registry: lake.registry,
        table: t.name,
        variable: name,
        type,
        role: name.endsWith("_id") ? "key" : "value",
        sourceType: name === "redactions" ? "json" : column?.type,
        title: name === "redactions" ? "Redactions" : undefined,
        description:
          name === "redactions"
            ? "How many identifiers of each kind were replaced in the text"
            : column?.description,
        descriptionFi:
          name === "redactions" ? "Poistettujen tunnisteiden määrä lajeittain" : tag(column, "fi"),
        unit: tag(column, "unit"),
        codeSystem,
        references: tag(column, "references"),
        categorical:
          !!codeSystem ||
          tag(column, "categorical") === "true" ||
          (column?.type === "code" && name !== "text"),
      });
    }
  }
  return {
    registry: { registry: lake.registry, ...lake.catalog, persons: lake.persons },
    tables,
    variables,
  };
}

/** What a registry mapping file says about its one table. */
export function describeCsvRegistry(m: RegistryMapping): RegistryDescription {
  const { registry, title, titleFi, description, descriptionFi, owner, sourceSystem } = m;
  const byName = new Map(m.columns.map((c) => [c.name, c]));
  return {
    registry: {
      registry,
      title,
      titleFi,
      description,
      descriptionFi,
      owner,
      sourceSystem,
      updateFrequency: m.updateFrequency,
      keywords: m.keywords,
    },
    tables: [
      {
        registry,
        table: m.table,
        title,
        titleFi,
        description,
        descriptionFi,
        personColumn: "pseudo_id",
        eventColumn: m.eventDate ? "event_date" : undefined,
        eventSource: m.eventDate,
        keywords: m.keywords,
      },
    ],
    variables: registryColumns(m)
      .filter(([name]) => name !== "event_date" || m.eventDate)
      .map(([name, type]): VariableMeta => {
        const c = byName.get(name);
        if (!c) return metaVariable(registry, m.table, name, type);
        return {
          registry,
          table: m.table,
          variable: name,
          type,
          role: "value",
          sourceType: c.type,
          title: c.label,
          titleFi: c.label,
          description: c.description,
          unit: c.unit,
          codeSystem: c.codeSystem,
          categorical: c.categorical || !!c.codeSystem,
        };
      }),
  };
}
