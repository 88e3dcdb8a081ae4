import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import type { Permit } from "../permits/permit-service.js";
import type { ReleaseTable } from "./extract.js";

export interface PackagedTable {
  plan: ReleaseTable;
  rows: number;
  persons: number;
  /** Frequent codes per code column, with titles, for the codebook. */
  examples: Record<string, Array<{ code: string; title: string | null }>>;
}

export interface ReleaseInfo {
  id: string;
  number: number;
  permit: Permit;
  snapshot: number;
  cohort: { name: string; hash: string };
  period: { from: string; to: string };
  persons: number;
  software: string;
  createdAt: string;
  formats: string[];
}

const fileOf = (t: ReleaseTable, ext: string) => `data/${t.name}.${ext}`;

/** Frictionless Data Package with a Table Schema per file: types, descriptions, units, codes. */
export function dataPackage(info: ReleaseInfo, tables: PackagedTable[]): object {
  return {
    profile: "tabular-data-package",
    name: info.id.toLowerCase().replace(/[^a-z0-9._-]/g, "-"),
    title: `${info.permit.title} (permit ${info.permit.id}, release ${info.number})`,
    description: info.permit.purpose,
    created: info.createdAt,
    licenses: [
      {
        name: "restricted",
        title: `Use only under permit ${info.permit.id}, until ${info.permit.validUntil}`,
      },
    ],
    resources: tables.flatMap((t) =>
      info.formats.map((format) => ({
        name: `${t.plan.name}${format === "csv" ? ".csv" : ""}`.replace(/[^a-z0-9._-]/g, "-"),
        path: fileOf(t.plan, format),
        format,
        mediatype: format === "csv" ? "text/csv" : "application/vnd.apache.parquet",
        ...(format === "csv" ? { encoding: "utf-8" } : {}),
        title: t.plan.table.title,
        description: t.plan.table.description,
        schema: {
          fields: t.plan.columns.map((c) => ({
            name: c.name,
            type: c.type,
            description:
              [c.variable?.description ?? c.variable?.title, c.note].filter(Boolean).join("; ") ||
              undefined,
            ...(c.variable?.unit ? { unit: c.variable.unit } : {}),
            ...(c.variable?.codeSystem ? { codeSystem: c.variable.codeSystem } : {}),
          })),
          primaryKey: ["row_id"],
        },
      })),
    ),
  };
}

export function codebook(info: ReleaseInfo, tables: PackagedTable[]): string {
  const out = [`# Codebook: permit ${info.permit.id}, release ${info.number}`, ""];
  out.push(
    "Every table has `person_id` (the person, pseudonymized for this permit only: the same in every release of this permit, different in any other) and `row_id` (the record, likewise). Other `*_id` columns point to `row_id` in another table of this release.",
    "",
  );
  for (const t of tables) {
    out.push(`## ${t.plan.name}: ${t.plan.table.title}`, "");
    if (t.plan.table.description) out.push(t.plan.table.description, "");
    out.push(
      `${t.rows} rows, ${t.persons} persons. Files: ${info.formats.map((f) => `\`${fileOf(t.plan, f)}\``).join(", ")}.`,
      "",
    );
    out.push(
      "| variable | type | description | kuvaus | unit | codes |",
      "| --- | --- | --- | --- | --- | --- |",
    );
    for (const c of t.plan.columns) {
      const v = c.variable;
      out.push(
        `| ${c.name} | ${c.type} | ${[v?.description ?? v?.title, c.note].filter(Boolean).join("; ")} | ${v?.descriptionFi ?? v?.titleFi ?? ""} | ${v?.unit ?? ""} | ${v?.codeSystem ?? ""} |`,
      );
    }
    out.push("");
    for (const [column, codes] of Object.entries(t.examples)) {
      if (!codes.length) continue;
      out.push(
        `Frequent codes in \`${column}\`: ${codes.map((c) => `\`${c.code}\`${c.title ? ` ${c.title}` : ""}`).join("; ")}.`,
        "",
      );
    }
  }
  return `${out.join("\n")}\n`;
}

export function readme(info: ReleaseInfo, tables: PackagedTable[]): string {
  const p = info.permit;
  const r = p.scope.rules;
  return `# Release ${info.number} under permit ${p.id}

**${p.title}**. ${p.organisation}; principal investigator ${p.principalInvestigator}${p.team.length ? `, team ${p.team.join(", ")}` : ""}.
Legal basis: ${p.legalBasis}. Purpose: ${p.purpose}
The permit is valid until ${p.validUntil}; use the data only for this purpose and only under it.

## What is inside

Extracted from lake snapshot ${info.snapshot}: cohort \`${info.cohort.name}\` (version ${info.cohort.hash.slice(0, 12)}), ${info.persons} persons, data dated ${info.period.from} to ${info.period.to}.

| file | rows | persons |
| --- | ---: | ---: |
${tables.map((t) => `| ${info.formats.map((f) => `\`${fileOf(t.plan, f)}\``).join(", ")} | ${t.rows} | ${t.persons} |`).join("\n")}

\`codebook.md\` describes every variable; \`datapackage.json\` is the same as a Frictionless Data Package; \`release.json\` records where the data came from; \`SHA256SUMS\` checks every file (\`sha256sum -c SHA256SUMS\`).

## Rules applied

- Identifiers are pseudonymized with this permit's own key: IDs match across this permit's releases and tables, and cannot be linked to any other permit's data. When the permit ends the key is destroyed.
- Birth dates are given as ${r.birthDate === "full" ? "full dates" : r.birthDate === "year" ? "years" : "year and month"}.
- ${r.dateShiftDays > 0 ? `Every date of a person is moved by the same number of days, between -${r.dateShiftDays} and +${r.dateShiftDays}; intervals within a person are exact.` : "Dates are as recorded."}
- ${r.notes ? `Clinical notes are included with direct identifiers replaced by [HETU], [NAME], [PHONE], [EMAIL], [ADDRESS].${r.dateShiftDays > 0 ? ` Dates written in them are moved with the person's dates (a month and year as its 15th would be; years alone and ages as written)${r.unshiftedNoteDates === true ? "; a few the service could not shift safely (a day and month without a year, slashed dates) are as recorded" : ""}.` : ""}` : "No free-text notes."}
- People who have opted out of secondary use are not included.
- Results leaving the analysis environment must not show counts under ${r.outputThreshold}.
`;
}

/** `sha256sum` format over every file under the folder, sorted by path. */
export function writeChecksums(dir: string): string {
  const files: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name !== "SHA256SUMS") files.push(path);
    }
  };
  walk(dir);
  const text = files
    .map(
      (f) => `${createHash("sha256").update(readFileSync(f)).digest("hex")}  ${relative(dir, f)}`,
    )
    .join("\n");
  writeFileSync(join(dir, "SHA256SUMS"), `${text}\n`);
  return createHash("sha256").update(text).digest("hex");
}
