import type { Catalog } from "../catalog/catalog-store.js";
import type { TableMeta, VariableMeta } from "../catalog/metadata.js";
import { type CohortDefinition, codeSetOf, type Events } from "./definition.js";

/** What the compiler knows of the lake: the catalog, the snapshot, codes, other cohorts. */
export interface CohortContext {
  catalog: Catalog;
  /** The load the cohort reads the lake as of. */
  snapshot: number;
  /** The snapshot is the latest load: current rows are simply those not yet closed. */
  latest: boolean;
  /** The day the data ends (the snapshot's export time): follow-up ends here at the latest. */
  endOfData: string;
  /** Codes per vocabulary system, for checking code sets. */
  codes: ReadonlyMap<string, ReadonlySet<string>>;
  /**
   * Saved versions of the cohorts the definition uses as criteria (and those they use), by name
   * and full hash.
   */
  cohorts: Array<{ name: string; hash: string; definition: CohortDefinition }>;
  /**
   * Text columns the lake's word index covers (`registry.table.column` to its table id); a
   * `contains` on another column, or on a lake from before the index, scans the text.
   */
  wordIndex?: ReadonlyMap<string, number>;
}

export interface Issue {
  path: string;
  message: string;
}

export interface PersonsMeta {
  table: TableMeta;
  birth: string;
  death: string;
  sex: string;
  municipality: string;
}

export function personsOf(catalog: Catalog): PersonsMeta | undefined {
  const registry = catalog.registries.find((r) => r.persons);
  const p = registry?.persons;
  const table = catalog.tables.find(
    (t) => t.registry === registry?.registry && t.table === p?.table,
  );
  if (!p || !table) return undefined;
  return {
    table,
    birth: p.birthDate,
    death: p.deathDate,
    sex: p.sex,
    municipality: p.municipality,
  };
}

/** Tables a cohort can draw events from: a person and a time column. */
export function eventTables(catalog: Catalog): TableMeta[] {
  return catalog.tables.filter((t) => t.personColumn && t.eventColumn);
}

export function variablesOf(catalog: Catalog, t: TableMeta): VariableMeta[] {
  return catalog.variables.filter((v) => v.registry === t.registry && v.table === t.table);
}

export function findTable(catalog: Catalog, name: string): TableMeta | undefined {
  return catalog.tables.find((t) => `${t.registry}.${t.table}` === name);
}

/** The column that says which visit a row belongs to (visits are the tables with a period). */
export function visitColumn(catalog: Catalog, t: TableMeta): string | undefined {
  if (t.period) return "record_key";
  const visits = new Set(
    catalog.tables.filter((x) => x.period).map((x) => `${x.registry}.${x.table}`),
  );
  return variablesOf(catalog, t).find((v) => v.references && visits.has(v.references))?.variable;
}

/** The code column a code set applies to in a table. */
export function codeColumnFor(
  catalog: Catalog,
  def: CohortDefinition,
  events: Events,
): { column?: string; problem?: string } {
  const table = findTable(catalog, events.table);
  const set = codeSetOf(def, events.codeSet);
  if (!table || !set) return {};
  const coded = variablesOf(catalog, table).filter((v) => v.codeSystem);
  if (events.codeColumn) {
    return coded.some((v) => v.variable === events.codeColumn)
      ? { column: events.codeColumn }
      : {
          problem: `${events.table} has no code column "${events.codeColumn}"; code columns: ${coded.map((v) => `${v.variable} (${v.codeSystem})`).join(", ") || "none"}`,
        };
  }
  const matching = coded.filter((v) => v.codeSystem === set.system);
  if (matching.length === 1) return { column: matching[0]?.variable as string };
  if (matching.length === 0)
    return {
      problem: `${events.table} has no column coded in ${set.system}; code columns: ${coded.map((v) => `${v.variable} (${v.codeSystem})`).join(", ") || "none"}`,
    };
  return {
    problem: `${events.table} has several ${set.system} columns (${matching.map((v) => v.variable).join(", ")}): name one with codeColumn`,
  };
}

/** A filter's column: a variable of the table, or `ref.column` through a reference. */
export function filterColumn(
  catalog: Catalog,
  table: TableMeta,
  column: string,
): {
  variable?: VariableMeta;
  via?: { reference: VariableMeta; table: TableMeta };
  problem?: string;
} {
  const own = variablesOf(catalog, table);
  const [first, second, ...rest] = column.split(".");
  const valid = () =>
    own
      .filter((v) => v.role === "value" || v.references)
      .map((v) => (v.references ? `${v.variable}.<column of ${v.references}>` : v.variable))
      .join(", ");
  if (rest.length > 0) return { problem: `"${column}" goes through more than one reference` };
  const variable = own.find((v) => v.variable === first);
  if (!variable)
    return {
      problem: `${table.registry}.${table.table} has no column "${first}"; columns: ${valid()}`,
    };
  if (second === undefined) return { variable };
  const target = variable.references ? findTable(catalog, variable.references) : undefined;
  if (!target)
    return {
      problem: `${first} is not a reference to another table; references: ${
        own
          .filter((v) => v.references)
          .map((v) => v.variable)
          .join(", ") || "none"
      }`,
    };
  const remote = variablesOf(catalog, target).find((v) => v.variable === second);
  if (!remote)
    return {
      problem: `${target.registry}.${target.table} has no column "${second}"; columns: ${variablesOf(
        catalog,
        target,
      )
        .filter((v) => v.role === "value")
        .map((v) => v.variable)
        .join(", ")}`,
    };
  return { variable: remote, via: { reference: variable, table: target } };
}

/** A code pattern (`M05*` or `M05.8`) against the vocabulary of its system. */
export function codeMatches(codes: ReadonlySet<string> | undefined, pattern: string): boolean {
  if (!codes) return true; // no vocabulary for the system: nothing to check against
  if (pattern.endsWith("*")) {
    const prefix = pattern.slice(0, -1);
    for (const c of codes) if (c.startsWith(prefix)) return true;
    return false;
  }
  return codes.has(pattern);
}
