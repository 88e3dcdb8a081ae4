import MiniSearch from "minisearch";
import type { Catalog } from "./catalog-store.js";
import type { CodeTitle } from "./vocabulary.js";

export type HitKind = "registry" | "table" | "variable" | "code" | "value";

/** The values a table's profile lists, per variable (as the searching role sees them). */
export interface ListedValues {
  registry: string;
  table: string;
  values: Record<string, string[]>;
}

export interface SearchHit {
  kind: HitKind;
  /** `registry`, `registry.table`, `registry.table.variable`, or `system:code`. */
  name: string;
  title: string;
  /** Where a code or value is used: the variables that hold it. */
  usedIn: string[];
  score: number;
}

interface Doc {
  id: number;
  kind: HitKind;
  name: string;
  title: string;
  text: string;
  usedIn: string[];
}

const words = (...parts: Array<string | undefined | null | string[]>) =>
  parts
    .flat()
    .filter((p): p is string => !!p)
    .join(" ");

/**
 * Full-text search over the catalog in every language it holds (Finnish, Swedish, English):
 * registries, tables, variables, vocabulary codes and the frequent values of categorical
 * variables (hospital and unit names). BM25 ranking with prefix and light fuzzy matching, so
 * "Jorvi" finds "Jorvin sairaala" and "hemoglob" finds HbA1c.
 */
export function searchCatalog(
  catalog: Catalog,
  codes: CodeTitle[],
  profiles: ListedValues[],
  text: string,
  limit = 20,
): SearchHit[] {
  const docs: Doc[] = [];
  const add = (d: Omit<Doc, "id">) => docs.push({ id: docs.length, ...d });
  for (const r of catalog.registries)
    add({
      kind: "registry",
      name: r.registry,
      title: r.title,
      text: words(r.titleFi, r.description, r.descriptionFi, r.owner, r.sourceSystem, r.keywords),
      usedIn: [],
    });
  for (const t of catalog.tables)
    add({
      kind: "table",
      name: `${t.registry}.${t.table}`,
      title: t.title,
      text: words(t.table, t.titleFi, t.description, t.descriptionFi, t.keywords),
      usedIn: [],
    });
  const bySystem = new Map<string, string[]>();
  for (const v of catalog.variables) {
    const name = `${v.registry}.${v.table}.${v.variable}`;
    if (v.codeSystem) bySystem.set(v.codeSystem, [...(bySystem.get(v.codeSystem) ?? []), name]);
    add({
      kind: "variable",
      name,
      title: v.title ?? v.description ?? v.variable,
      text: words(v.variable, v.titleFi, v.description, v.descriptionFi, v.unit, v.codeSystem),
      usedIn: [],
    });
  }
  for (const c of codes)
    add({
      kind: "code",
      name: `${c.system}:${c.code}`,
      title: c.titleFi ?? c.titleEn ?? c.code,
      text: words(c.code, c.titleEn, c.system),
      usedIn: bySystem.get(c.system) ?? [],
    });
  // Frequent values of categorical variables without a code system (hospital, unit names).
  const values = new Map<string, Set<string>>();
  for (const p of profiles) {
    for (const [variable, listed] of Object.entries(p.values)) {
      const meta = catalog.variables.find(
        (m) => m.registry === p.registry && m.table === p.table && m.variable === variable,
      );
      if (!meta || meta.codeSystem) continue;
      for (const value of listed) {
        const used = values.get(value) ?? new Set<string>();
        used.add(`${p.registry}.${p.table}.${variable}`);
        values.set(value, used);
      }
    }
  }
  for (const [value, used] of values)
    add({ kind: "value", name: value, title: value, text: "", usedIn: [...used] });

  const index = new MiniSearch<Doc>({
    fields: ["name", "title", "text"],
    storeFields: ["kind", "name", "title", "usedIn"],
  });
  index.addAll(docs);
  return index
    .search(text, { prefix: true, fuzzy: 0.2, boost: { title: 2, name: 2 }, combineWith: "AND" })
    .slice(0, limit)
    .map((r) => ({
      kind: r.kind as HitKind,
      name: String(r.name),
      title: String(r.title),
      usedIn: r.usedIn as string[],
      score: Math.round(r.score * 100) / 100,
    }));
}
