import type { Shown } from "../disclosure/engine.js";
import type { DisclosurePolicy } from "../disclosure/policy.js";
import type { KaivoConfig } from "../home/config.js";
import type { Catalog } from "./catalog-store.js";
import type { RegistryMeta, TableMeta } from "./metadata.js";
import { discloseProfile, type ResearcherProfile } from "./present.js";
import type { TableProfile } from "./profile.js";
import type { RegistryPublished } from "./published.js";

const FREQUENCY: Record<RegistryMeta["updateFrequency"], string> = {
  daily: "DAILY",
  weekly: "WEEKLY",
  monthly: "MONTHLY",
  quarterly: "QUARTERLY",
  annual: "ANNUAL",
  irregular: "IRREG",
};

const EU = "http://publications.europa.eu/resource/authority/";

/** Inline context: the export must expand without fetching anything. */
const CONTEXT = {
  dcat: "http://www.w3.org/ns/dcat#",
  dct: "http://purl.org/dc/terms/",
  foaf: "http://xmlns.com/foaf/0.1/",
  vcard: "http://www.w3.org/2006/vcard/ns#",
  xsd: "http://www.w3.org/2001/XMLSchema#",
  healthdcatap: "http://healthdataportal.eu/ns/health#",
};

const texts = (en: string | undefined, fi: string | undefined) => [
  ...(en ? [{ "@value": en, "@language": "en" }] : []),
  ...(fi ? [{ "@value": fi, "@language": "fi" }] : []),
];

const count = (shown: Shown) =>
  typeof shown === "number"
    ? { "@value": String(shown), "@type": "xsd:nonNegativeInteger" }
    : undefined;

/** The first or last year whose published persons reach k. */
function extentYear(perYear: Record<string, Shown>, end: "first" | "last"): string | null {
  const years = Object.entries(perYear)
    .filter(([, s]) => typeof s === "number")
    .map(([y]) => Number(y));
  if (years.length === 0) return null;
  return String(end === "first" ? Math.min(...years) : Math.max(...years));
}

/**
 * The catalog as HealthDCAT-AP (DCAT-AP health extension) JSON-LD: one dcat:Dataset per registry,
 * one dcat:Distribution per table. Published outside the service, so its figures are the published
 * ones (refresh.ts): unique individuals perturbed and held by the catalog ledger, the temporal
 * coverage in years whose persons reach k; no record counts (rows are shown to stewards only).
 * Each dataset notes the disclosure policy its figures were made under.
 */
export function healthDcat(
  catalog: Catalog,
  published: RegistryPublished[],
  config: KaivoConfig["catalog"],
  policy: DisclosurePolicy,
): object {
  const base = config.baseIri.endsWith("/") ? config.baseIri : `${config.baseIri}/`;
  const publisher = { "@type": "foaf:Agent", "foaf:name": config.publisher };
  const contactPoint = {
    "@type": "vcard:Kind",
    "vcard:fn": config.publisher,
    "vcard:hasEmail": { "@id": `mailto:${config.contactEmail}` },
  };
  const datasets = catalog.registries.map((r) => {
    const p = published.find((x) => x.registry === r.registry);
    const f = p && {
      first: extentYear(p.perYear, "first"),
      last: extentYear(p.perYear, "last"),
      lastLoad: p.lastLoad,
    };
    const tables = catalog.tables.filter((t) => t.registry === r.registry);
    const dataset: Record<string, unknown> = {
      "@id": `${base}${r.registry}`,
      "@type": "dcat:Dataset",
      "dct:identifier": r.registry,
      "dct:title": texts(r.title, r.titleFi),
      "dct:description": texts(r.description, r.descriptionFi),
      "dcat:keyword": r.keywords,
      "dcat:theme": { "@id": `${EU}data-theme/HEAL` },
      "dct:publisher": publisher,
      "dcat:contactPoint": contactPoint,
      "dct:accessRights": { "@id": `${EU}access-right/NON_PUBLIC` },
      "dct:accrualPeriodicity": { "@id": `${EU}frequency/${FREQUENCY[r.updateFrequency]}` },
      "dcat:distribution": tables.map((t) => distribution(base, t)),
    };
    if (r.sourceSystem) dataset["dct:source"] = r.sourceSystem;
    if (f?.first || f?.last)
      dataset["dct:temporal"] = {
        "@type": "dct:PeriodOfTime",
        ...(f.first ? { "dcat:startDate": { "@value": f.first, "@type": "xsd:gYear" } } : {}),
        ...(f.last ? { "dcat:endDate": { "@value": f.last, "@type": "xsd:gYear" } } : {}),
      };
    if (f?.lastLoad) dataset["dct:modified"] = { "@value": f.lastLoad, "@type": "xsd:dateTime" };
    const persons = p ? count(p.persons) : undefined;
    if (persons) dataset["healthdcatap:numberOfUniqueIndividuals"] = persons;
    if (p)
      dataset["dct:conformsTo"] = {
        "@type": "dct:Standard",
        "dct:title": texts(
          `Figures under statistical disclosure control: ${p.policy} (cell-key perturbation; counts below ${policy.minCount} read <${policy.minCount}).`,
          undefined,
        ),
      };
    return dataset;
  });
  return {
    "@context": CONTEXT,
    "@id": `${base}catalog`,
    "@type": "dcat:Catalog",
    "dct:title": texts(`${config.publisher}: research data catalog`, undefined),
    "dct:publisher": publisher,
    "dcat:dataset": datasets,
  };
}

function distribution(base: string, t: TableMeta) {
  return {
    "@id": `${base}${t.registry}/${t.table}`,
    "@type": "dcat:Distribution",
    "dct:title": texts(t.title, t.titleFi),
    "dct:description": texts(t.description, t.descriptionFi),
    "dct:format": { "@id": `${EU}file-type/PARQUET` },
    "dcat:accessURL": { "@id": `${base}${t.registry}/${t.table}/apply` },
  };
}

const cell = (v: unknown) =>
  String(v ?? "")
    .replace(/\|/g, "\\|")
    .replace(/\n/g, " ");

/** A browsable catalog document: every registry, table and variable, with disclosed figures. */
export function catalogMarkdown(
  catalog: Catalog,
  profiles: TableProfile[],
  policy: DisclosurePolicy,
): string {
  const out: string[] = ["# Data catalog", ""];
  out.push(
    `Counts are of persons, under disclosure control (${policy.version}): each is perturbed by at most ${policy.table.parameters.maxNoise}, counts below ${policy.minCount} read \`<${policy.minCount}\`, and a figure stays as published while its people change by fewer than ${policy.minCount}. "Missing" is the share of the table's persons with no value. Generated by \`kaivo catalog export --format markdown\`.`,
    "",
  );
  for (const r of catalog.registries) {
    out.push(`## ${r.registry}: ${r.title}${r.titleFi ? ` (${r.titleFi})` : ""}`, "");
    if (r.description) out.push(r.description, "");
    if (r.descriptionFi) out.push(`*${r.descriptionFi}*`, "");
    out.push(
      `Owner: ${r.owner ?? "-"}. Source: ${r.sourceSystem ?? "-"}. Updated: ${r.updateFrequency}. Keywords: ${r.keywords.join(", ") || "-"}.`,
      "",
    );
    for (const t of catalog.tables.filter((t) => t.registry === r.registry)) {
      const stored = profiles.find((p) => p.registry === t.registry && p.table === t.table);
      const p = stored ? (discloseProfile(stored, "researcher") as ResearcherProfile) : undefined;
      out.push(`### ${t.registry}.${t.table}: ${t.title}`, "");
      if (t.titleFi || t.descriptionFi)
        out.push(`*${[t.titleFi, t.descriptionFi].filter(Boolean).join(": ")}*`, "");
      if (p)
        out.push(
          `${p.persons ?? "no"} persons, events ${p.firstEvent ?? "-"} to ${p.lastEvent ?? "-"} (snapshot ${p.loadId}).`,
          "",
        );
      out.push(
        "| variable | type | description | kuvaus | unit | codes | missing |",
        "| --- | --- | --- | --- | --- | --- | ---: |",
      );
      for (const v of catalog.variables.filter(
        (v) => v.registry === t.registry && v.table === t.table,
      )) {
        const missing = p?.variables[v.variable]?.missingShare;
        out.push(
          `| ${cell(v.variable)} | ${cell(v.type)} | ${cell(v.description)} | ${cell(v.descriptionFi ?? v.titleFi)} | ${cell(v.unit)} | ${cell(v.codeSystem)} | ${typeof missing === "number" ? `${Math.round(missing * 1000) / 10} %` : ""} |`,
        );
      }
      out.push("");
    }
  }
  return `${out.join("\n")}\n`;
}
