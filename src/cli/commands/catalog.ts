import { writeFileSync } from "node:fs";
import type { Command } from "commander";
import {
  annotateCatalog,
  type CatalogEntry,
  exportCatalog,
  listCatalog,
  loadVocabulary,
  lookupCodes,
  qualityReport,
  searchCatalogService,
  showCatalog,
} from "../../catalog/catalog-service.js";
import type { ResearcherVariable } from "../../catalog/present.js";
import type { VariableProfile } from "../../catalog/profile.js";
import { ValidationError } from "../../shared/errors.js";
import { loadNumber, printJson, printLine, withActor } from "../context.js";
import { EXIT } from "../exit-codes.js";
import { currentMode, either, remoteApi } from "../mode.js";
import { type JobOptions, jobOptions, submitJob } from "./job.js";

const out = printLine;
/** Stewards: the share of rows without a value; others: of the table's persons. */
const missing = (v: VariableProfile | ResearcherVariable) =>
  "nullShare" in v ? v.nullShare : v.missingShare;
const pct = (v: unknown) => (typeof v === "number" ? `${Math.round(v * 1000) / 10} %` : "(hidden)");

function printEntry(e: CatalogEntry): void {
  if (e.level === "registry") {
    const r = e.registry;
    out(`${r.registry}: ${r.title}${r.titleFi ? ` / ${r.titleFi}` : ""}`);
    if (r.description) out(`  ${r.description}`);
    if (r.descriptionFi) out(`  ${r.descriptionFi}`);
    out(
      `  owner: ${r.owner ?? "-"}; source: ${r.sourceSystem ?? "-"}; updated ${r.updateFrequency}`,
    );
    if (r.keywords.length) out(`  keywords: ${r.keywords.join(", ")}`);
    out();
    for (const t of e.tables) out(`  ${`${t.registry}.${t.table}`.padEnd(36)} ${t.title}`);
    return;
  }
  const t = e.table;
  if (e.level === "table") {
    out(`${t.registry}.${t.table}: ${t.title}${t.titleFi ? ` / ${t.titleFi}` : ""}`);
    if (t.description) out(`  ${t.description}`);
    const p = e.profile;
    if (p) {
      out(
        `  snapshot ${p.loadId}: ${p.exact ? `${p.rows} rows, ` : ""}${p.persons ?? "-"} persons, events ${p.firstEvent ?? "-"} to ${p.lastEvent ?? "-"}${p.exact ? " (exact)" : ""}`,
      );
      if (p.perYear.length) {
        out("  persons per year:");
        out(`    ${p.perYear.map((y) => `${y.year}: ${y.persons}`).join(", ")}`);
      }
      if (p.policy) out(`  disclosure: ${p.policy}`);
    } else out("  not profiled yet (ingest data first)");
    out();
    out(`  ${"variable".padEnd(30)}${"type".padEnd(9)}${"missing".padStart(9)}  description`);
    for (const v of e.variables) {
      const vp = p?.variables[v.variable];
      out(
        `  ${v.variable.padEnd(30)}${v.type.padEnd(9)}${(vp ? pct(missing(vp)) : "").padStart(9)}  ${v.description ?? ""}${v.codeSystem ? ` [${v.codeSystem}]` : ""}${v.unit ? ` (${v.unit})` : ""}`,
      );
    }
    return;
  }
  const v = e.variable;
  out(
    `${v.registry}.${v.table}.${v.variable} (${v.type}${v.sourceType ? `, ${v.sourceType}` : ""})`,
  );
  if (v.title) out(`  ${v.title}`);
  if (v.description) out(`  ${v.description}`);
  if (v.descriptionFi) out(`  ${v.descriptionFi}`);
  if (v.unit) out(`  unit: ${v.unit}`);
  if (v.codeSystem) out(`  codes: ${v.codeSystem}`);
  const p = e.profile;
  if (p) {
    out(
      "nonNull" in p
        ? `  of ${e.rows} rows: ${p.nonNull} with a value (${p.persons ?? "-"} persons), missing ${pct(p.nullShare)}, about ${p.distinct ?? "-"} distinct`
        : `  ${p.persons ?? "-"} persons with a value, missing for ${pct(p.missingShare)} of the table's persons${p.distinct !== undefined ? `, about ${p.distinct} distinct` : ""}`,
    );
    if ("min" in p && p.min !== undefined) out(`  min ${p.min}, max ${p.max}`);
    if ("mean" in p && p.mean !== undefined && p.mean !== null)
      out(`  mean ${Math.round(p.mean * 100) / 100}`);
    if (p.quantiles) {
      const q = p.quantiles;
      out(`  quantiles 5/25/50/75/95 %: ${q.p05} / ${q.p25} / ${q.p50} / ${q.p75} / ${q.p95}`);
    }
    if (p.top?.length) {
      out("  most frequent:");
      for (const t of p.top)
        out(
          `    ${t.value.padEnd(14)} ${"rows" in t ? `${String(t.rows).padStart(9)} rows ` : ""}${String(t.persons ?? "-").padStart(8)} persons  ${e.titles[t.value] ?? ""}`,
        );
    }
  }
  if (e.measurements?.length) {
    out("  per code and unit (value completeness, time span):");
    for (const m of e.measurements)
      out(
        `    ${m.code.padEnd(7)} ${(e.titles[m.code] ?? "").slice(0, 34).padEnd(35)} ${String(m.unit ?? "-").padEnd(9)} ${"rows" in m ? `${String(m.rows).padStart(8)} rows ` : ""}${String(m.persons).padStart(7)} persons  values ${pct(m.valueShare)}  ${m.first ?? "-"} to ${m.last ?? "-"}`,
      );
  }
}

export function registerCatalog(program: Command): void {
  const catalog = program
    .command("catalog")
    .description("find what data exists: registries, tables, variables, profiles (all roles)");
  catalog
    .command("list")
    .description("registries and tables with rows, persons and time span")
    .option("--as-of <load>", "the snapshot", loadNumber)
    .option("--json", "print JSON")
    .action(async (o: { asOf?: number; json?: boolean }, command: Command) => {
      const listing = await either(command, {
        direct: (ctx) => listCatalog(ctx, o.asOf),
        remote: (api) =>
          api.get<Awaited<ReturnType<typeof listCatalog>>>("/api/catalog", { snapshot: o.asOf }),
      });
      if (o.json) return printJson(listing);
      out(
        `disclosure: ${listing.disclosure.exact ? "exact figures (steward)" : listing.disclosure.policy}`,
      );
      for (const r of listing.registries) {
        out(`${r.registry}: ${r.title}${r.titleFi ? ` / ${r.titleFi}` : ""}`);
        for (const t of r.tables)
          out(
            `  ${t.table.padEnd(28)}${listing.disclosure.exact ? `${String(t.rows ?? "-").padStart(10)} rows ` : ""}${String(t.persons ?? "-").padStart(8)} persons  ${t.firstEvent ?? ""}${t.lastEvent ? ` to ${t.lastEvent}` : ""}`,
          );
      }
    });
  catalog
    .command("show <name>")
    .description("REGISTRY[.TABLE[.VARIABLE]] with its description and profile")
    .option("--as-of <load>", "the snapshot", loadNumber)
    .option("--json", "print JSON")
    .action(async (name: string, o: { asOf?: number; json?: boolean }, command: Command) => {
      const entry = await either(command, {
        direct: (ctx) => showCatalog(ctx, name, o.asOf),
        remote: (api) =>
          api.get<CatalogEntry>(`/api/catalog/${encodeURIComponent(name)}`, { snapshot: o.asOf }),
      });
      if (o.json) printJson(entry);
      else printEntry(entry);
    });
  catalog
    .command("search <text...>")
    .description("find registries, tables, variables, codes and values by words, ranked")
    .option("--json", "print JSON")
    .action(async (words: string[], o: { json?: boolean }, command: Command) => {
      const q = words.join(" ");
      const hits = await either(command, {
        direct: (ctx) => searchCatalogService(ctx, q),
        remote: async (api) =>
          (
            await api.get<{ hits: Awaited<ReturnType<typeof searchCatalogService>> }>(
              "/api/catalog/search",
              { q },
            )
          ).hits,
      });
      if (o.json) return printJson(hits);
      if (hits.length === 0) out("nothing found");
      for (const h of hits)
        out(
          `${h.kind.padEnd(9)} ${h.name.padEnd(40)} ${h.title}${h.usedIn.length ? `  (in ${h.usedIn.join(", ")})` : ""}`,
        );
    });
  catalog
    .command("annotate <name>")
    .description("correct or add a description (stewards; audited)")
    .option("--title <text>")
    .option("--title-fi <text>")
    .option("--description <text>")
    .option("--description-fi <text>")
    .option("--unit <unit>")
    .option("--code-system <system>")
    .option("--owner <text>")
    .option("--source-system <text>")
    .option("--update-frequency <f>", "daily, weekly, monthly, quarterly, annual or irregular")
    .option("--keywords <list>", "comma-separated")
    .action(async (name: string, o: Record<string, string>, command: Command) => {
      const fields = Object.fromEntries(Object.entries(o).filter(([, v]) => typeof v === "string"));
      const r = await either(command, {
        direct: (ctx) => annotateCatalog(ctx, name, fields),
        remote: (api) =>
          api.post<Awaited<ReturnType<typeof annotateCatalog>>>(
            `/api/catalog/${encodeURIComponent(name)}/annotations`,
            fields,
          ),
      });
      out(`${r.target}: ${Object.keys(r.fields).join(", ")} annotated`);
    });
  catalog
    .command("export")
    .description("the catalog as HealthDCAT-AP JSON-LD or Markdown (stewards)")
    .requiredOption("--format <format>", "healthdcat or markdown")
    .option("--out <file>", "write to a file instead of stdout")
    .action(async (o: { format: string; out?: string }, command: Command) => {
      if (o.format !== "healthdcat" && o.format !== "markdown")
        throw new ValidationError(`--format is healthdcat or markdown, not "${o.format}".`);
      const format = o.format;
      const text = await either(command, {
        direct: (ctx) => exportCatalog(ctx, format),
        remote: (api) => api.text("/api/exports/catalog", { format }),
      });
      if (o.out) {
        writeFileSync(o.out, text);
        out(`wrote ${o.out}`);
      } else process.stdout.write(text);
    });

  const vocab = program
    .command("vocab")
    .description("code systems: titles of codes (ICD-10, ATC, ...)");
  jobOptions(
    vocab
      .command("load <file>")
      .description(
        "add or replace a code system's titles from CSV (stewards); logged in: a job on the server, FILE in its inbox",
      )
      .requiredOption("--system <name>", "e.g. icd10, atc, ncsp, lab")
      .option("--json", "print JSON"),
    "the load",
  ).action(async (file: string, o: JobOptions & { system: string }, command: Command) => {
    const mode = currentMode();
    // Through the server FILE is in its inbox, as an ingest's export is: it reads files only there.
    if (mode.kind === "remote")
      return submitJob(
        command,
        remoteApi(mode.credentials),
        {
          path: "/api/jobs",
          body: { kind: "vocab.load", params: { path: file, system: o.system } },
          kind: "vocab.load",
          what: `load of ${o.system} codes from ${file} in the server's inbox`,
        },
        o,
      );
    const r = await withActor(command, (ctx) => loadVocabulary(ctx, file, o.system));
    if (o.json) return printJson(r);
    out(`${r.codes} codes loaded into ${r.system}`);
  });
  vocab
    .command("lookup <system> <patterns...>")
    .description("codes and titles; M05* is a prefix")
    .option("--json", "print JSON")
    .action(async (system: string, patterns: string[], o: { json?: boolean }, command: Command) => {
      const found = await either(command, {
        direct: (ctx) => lookupCodes(ctx, system, patterns),
        remote: async (api) =>
          (
            await api.get<{ found: Awaited<ReturnType<typeof lookupCodes>> }>(
              `/api/vocab/${encodeURIComponent(system)}`,
              { codes: patterns.join(",") },
            )
          ).found,
      });
      if (o.json) return printJson(found);
      for (const f of found) {
        if (f.codes.length === 0) out(`${f.pattern}: no such code in ${system}`);
        for (const c of f.codes)
          out(`${c.code.padEnd(10)} ${c.titleFi ?? ""}${c.titleEn ? ` / ${c.titleEn}` : ""}`);
      }
    });

  program
    .command("quality")
    .description("data quality checks per snapshot (stewards, auditors)")
    .command("report")
    .description("every check's result; exits 5 when a fatal check is over its threshold")
    .option("--as-of <load>", "the snapshot", loadNumber)
    .option("--json", "print JSON")
    .action(async (o: { asOf?: number; json?: boolean }, command: Command) => {
      const report = await either(command, {
        direct: (ctx) => qualityReport(ctx, o.asOf),
        remote: (api) =>
          api.get<Awaited<ReturnType<typeof qualityReport>>>("/api/quality", { snapshot: o.asOf }),
      });
      if (o.json) printJson(report);
      else {
        out(`quality of snapshot ${report.loadId ?? "(none: ingest data first)"}`);
        for (const r of report.results)
          out(
            `${r.status.toUpperCase().padEnd(5)} ${r.check.padEnd(22)} ${`${r.registry}.${r.table}${r.variable ? `.${r.variable}` : ""}`.padEnd(44)} ${String(r.failing).padStart(7)} of ${String(r.total).padStart(8)}  ${pct(r.share)} (limit ${pct(r.threshold)}${r.fatal ? ", fatal" : ""})`,
          );
      }
      if (report.failed) process.exitCode = EXIT.qualityFailed;
    });
}
