import { appendAudit } from "../audit/append.js";
import type { Permission } from "../auth/permissions.js";
import type { Actor } from "../auth/roles.js";
import type { Shown } from "../disclosure/engine.js";
import { policyFrom } from "../disclosure/policy.js";
import { seesExactCounts } from "../disclosure/rules.js";
import type { Home } from "../home/home.js";
import { assertNoIdentifyingText } from "../identity/free-text.js";
import { withLake } from "../lake/access.js";
import type { Lake, LakeAccess } from "../lake/lake.js";
import { EMPTY, int, sql } from "../lake/sql.js";
import { ForbiddenError, NotFoundError, ValidationError } from "../shared/errors.js";
import type { ControlStore } from "../store/control-store.js";
import {
  ANNOTATABLE,
  addAnnotations,
  type Catalog,
  ensureCatalogSchema,
  readCatalog,
  resolveTarget,
} from "./catalog-store.js";
import { catalogMarkdown, healthDcat } from "./export.js";
import type { TableMeta, VariableMeta } from "./metadata.js";
import {
  discloseProfile,
  type ResearcherMeasurement,
  type ResearcherVariable,
  type ShownProfile,
  type StewardProfile,
} from "./present.js";
import { profileAsOf, type TableProfile, type VariableProfile } from "./profile.js";
import { type QualityResult, type QualityStatus, share, status } from "./quality.js";
import { latestRegistryFigures } from "./refresh.js";
import { searchCatalog } from "./search.js";
import { allCodes, readVocabularyCsv, resolveCodes, storeVocabulary } from "./vocabulary.js";

export interface Ctx {
  home: Home;
  store: ControlStore;
  actor: Actor;
}

/** What every catalog answer says about how its figures were made. */
export interface CatalogDisclosureNote {
  /** The disclosure policy in force (`kaivo-sdc/2 k=5 D=5 V=6 r=1 b=20`). */
  policy: string;
  /** True for stewards, who see exact figures. */
  exact: boolean;
}

const disclosureNote = (ctx: Ctx): CatalogDisclosureNote => ({
  policy: policyFrom(ctx.home.config).version,
  exact: seesExactCounts(ctx.actor.role),
});

/** The key variables of a table (record IDs): their distinct counts are row counts. */
const keysOf = (catalog: Catalog, t: { registry: string; table: string }) =>
  new Set(
    catalog.variables
      .filter((v) => v.registry === t.registry && v.table === t.table && v.role === "key")
      .map((v) => v.variable),
  );
/** Annotations and vocabularies are written into the lake's catalog schema. */
const WRITE: LakeAccess = {};

async function withCatalog<T>(
  ctx: Ctx,
  permission: Permission,
  work: (lake: Lake, catalog: Catalog) => Promise<T>,
  access: LakeAccess = { readOnly: true },
): Promise<T> {
  return withLake(
    ctx,
    permission,
    async (lake) => {
      await ensureCatalogSchema(lake);
      return work(lake, await readCatalog(lake));
    },
    access,
  );
}

/**
 * Profiles of earlier snapshots were computed before later opt-outs, so anyone but a steward sees
 * the latest figures only (recomputed whenever the opt-out register changes).
 */
async function checkSnapshot(ctx: Ctx, lake: Lake, asOf?: number): Promise<void> {
  if (asOf === undefined || seesExactCounts(ctx.actor.role)) return;
  const [latest] = await lake.query(sql`select max(load_id) as l from _catalog.profile_runs`);
  if (latest?.l !== null && latest?.l !== undefined && asOf < Number(latest.l))
    throw new ForbiddenError(
      `Figures of earlier snapshots are shown to stewards only (snapshot ${asOf}; the latest is ${latest.l}).`,
      "They were computed before later opt-outs; leave out --as-of for the current figures.",
    );
}

async function latestProfiles(lake: Lake, catalog: Catalog, asOf?: number) {
  const out: TableProfile[] = [];
  for (const t of catalog.tables) {
    const p = await profileAsOf(lake, t.registry, t.table, asOf);
    if (p) out.push(p);
  }
  return out;
}

export interface CatalogListing {
  disclosure: CatalogDisclosureNote;
  registries: Array<{
    registry: string;
    title: string;
    titleFi?: string | undefined;
    tables: Array<{
      table: string;
      title: string;
      /** Stewards only (null for everyone else). */
      rows: number | null;
      persons: ShownProfile["persons"] | null;
      firstEvent: string | null;
      lastEvent: string | null;
    }>;
  }>;
}

/** `kaivo catalog list`: registries and tables with their size and time span. */
export function listCatalog(ctx: Ctx, asOf?: number): Promise<CatalogListing> {
  return withCatalog(ctx, "catalog.read", async (lake, catalog) => {
    await checkSnapshot(ctx, lake, asOf);
    const profiles = await latestProfiles(lake, catalog, asOf);
    return {
      disclosure: disclosureNote(ctx),
      registries: catalog.registries.map((r) => ({
        registry: r.registry,
        title: r.title,
        titleFi: r.titleFi,
        tables: catalog.tables
          .filter((t) => t.registry === r.registry)
          .map((t) => {
            const stored = profiles.find((p) => p.registry === t.registry && p.table === t.table);
            const p = stored
              ? discloseProfile(stored, ctx.actor.role, keysOf(catalog, t))
              : undefined;
            return {
              table: t.table,
              title: t.title,
              rows: p?.rows ?? null,
              // A table of units or hospitals has no persons to count, not a small number.
              persons: t.personColumn ? (p?.persons ?? null) : null,
              firstEvent: p?.firstEvent ?? null,
              lastEvent: p?.lastEvent ?? null,
            };
          }),
      })),
    };
  });
}

export type CatalogEntry = { disclosure: CatalogDisclosureNote } & (
  | { level: "registry"; registry: Catalog["registries"][number]; tables: TableMeta[] }
  | {
      level: "table";
      table: TableMeta;
      variables: VariableMeta[];
      profile: ShownProfile | null;
      titles: Record<string, string>;
    }
  | {
      level: "variable";
      table: TableMeta;
      variable: VariableMeta;
      profile: VariableProfile | ResearcherVariable | null;
      measurements: StewardProfile["measurements"] | ResearcherMeasurement[] | null;
      /** Stewards only (null for everyone else). */
      rows: number | null;
      titles: Record<string, string>;
    }
);

/** `kaivo catalog show REGISTRY[.TABLE[.VARIABLE]]`, with the profile as the role may see it. */
export function showCatalog(ctx: Ctx, name: string, asOf?: number): Promise<CatalogEntry> {
  return withCatalog(ctx, "catalog.read", async (lake, catalog) => {
    await checkSnapshot(ctx, lake, asOf);
    const target = resolveTarget(catalog, name);
    if (target.level === "registry") {
      const registry = catalog.registries.find((r) => r.registry === target.registry);
      if (!registry) throw new NotFoundError(`No registry ${target.registry}.`);
      return {
        disclosure: disclosureNote(ctx),
        level: "registry",
        registry,
        tables: catalog.tables.filter((t) => t.registry === target.registry),
      };
    }
    const table = catalog.tables.find(
      (t) => t.registry === target.registry && t.table === target.table,
    ) as TableMeta;
    const variables = catalog.variables.filter(
      (v) => v.registry === table.registry && v.table === table.table,
    );
    const stored = await profileAsOf(lake, table.registry, table.table, asOf);
    const profile = stored ? discloseProfile(stored, ctx.actor.role, keysOf(catalog, table)) : null;
    const titles = await codeTitles(lake, table, variables, profile);
    const disclosure = disclosureNote(ctx);
    if (target.level === "table")
      return { disclosure, level: "table", table, variables, profile, titles };
    const variable = variables.find((v) => v.variable === target.variable) as VariableMeta;
    return {
      disclosure,
      level: "variable",
      table,
      variable,
      profile: profile?.variables[variable.variable] ?? null,
      measurements:
        table.measurement?.code === variable.variable ? (profile?.measurements ?? null) : null,
      rows: profile?.rows ?? null,
      titles,
    };
  });
}

/** Titles of the codes a profile as shown lists (most frequent values, measurement codes). */
async function codeTitles(
  lake: Lake,
  table: TableMeta,
  variables: VariableMeta[],
  profile: ShownProfile | null,
): Promise<Record<string, string>> {
  if (!profile) return {};
  const titles: Record<string, string> = {};
  for (const v of variables) {
    if (!v.codeSystem) continue;
    const codes = (profile.variables[v.variable]?.top ?? []).map((t) => t.value);
    if (table.measurement?.code === v.variable)
      codes.push(...(profile.measurements ?? []).map((m) => m.code));
    const found = await resolveCodes(lake, v.codeSystem, [...new Set(codes)]);
    for (const [code, list] of found) {
      const t = list[0];
      if (t) titles[code] = t.titleFi ?? t.titleEn ?? code;
    }
  }
  return titles;
}

/** `kaivo catalog search TEXT`: ranked hits over metadata, codes and frequent values. */
export function searchCatalogService(ctx: Ctx, text: string) {
  if (!text.trim()) throw new ValidationError("Say what to search for.");
  return withCatalog(ctx, "catalog.read", async (lake, catalog) => {
    // Values are found as the role sees them listed: a researcher, only the disclosed list.
    const listed = (await latestProfiles(lake, catalog)).map((stored) => {
      const p = discloseProfile(stored, ctx.actor.role);
      return {
        registry: p.registry,
        table: p.table,
        values: Object.fromEntries(
          Object.entries(p.variables as Record<string, { top?: Array<{ value: string }> }>).map(
            ([name, v]) => [name, (v.top ?? []).map((t) => t.value)],
          ),
        ),
      };
    });
    return searchCatalog(catalog, await allCodes(lake), listed, text);
  });
}

/** `kaivo catalog annotate`: a steward's correction of the description; audited with the change. */
export async function annotateCatalog(ctx: Ctx, name: string, fields: Record<string, string>) {
  // Annotations reach the public HealthDCAT export: nothing that identifies anyone.
  assertNoIdentifyingText(
    Object.fromEntries(
      Object.entries(fields).map(([field, text]) => [`annotation's ${field}`, text]),
    ),
  );
  return withCatalog(
    ctx,
    "catalog.annotate",
    async (lake, catalog) => {
      const target = resolveTarget(catalog, name);
      const allowed: readonly string[] = ANNOTATABLE[target.level];
      const unknown = Object.keys(fields).filter((f) => !allowed.includes(f));
      if (unknown.length > 0 || Object.keys(fields).length === 0)
        throw new ValidationError(
          unknown.length > 0
            ? `A ${target.level} has no annotatable field ${unknown.join(", ")}.`
            : "Nothing to annotate.",
          `Fields of a ${target.level}: ${allowed.join(", ")}.`,
        );
      if (fields.updateFrequency !== undefined) {
        const ok = ["daily", "weekly", "monthly", "quarterly", "annual", "irregular"];
        if (!ok.includes(fields.updateFrequency))
          throw new ValidationError(`updateFrequency must be one of ${ok.join(", ")}.`);
      }
      // Audit first: the identifier guard refuses an annotation that looks like an identity code.
      await appendAudit(ctx.store, ctx.actor, {
        action: "catalog.annotate",
        target: `catalog:${name}`,
        details: { fields },
      });
      await addAnnotations(lake, name, fields, ctx.actor.name);
      return { target: name, fields };
    },
    WRITE,
  );
}

/** `kaivo vocab load FILE --system S`: adds or replaces the titles of a code system. */
export function loadVocabulary(ctx: Ctx, file: string, system: string) {
  return withCatalog(
    ctx,
    "vocab.load",
    async (lake) => {
      const entries = readVocabularyCsv(file);
      const codes = await storeVocabulary(lake, system, entries);
      await appendAudit(ctx.store, ctx.actor, {
        action: "vocab.load",
        target: `vocab:${system}`,
        details: { codes },
      });
      return { system, codes };
    },
    WRITE,
  );
}

/** `kaivo vocab lookup SYSTEM PATTERN...`: codes and titles, `M05*` as a prefix. */
export function lookupCodes(ctx: Ctx, system: string, patterns: string[]) {
  return withCatalog(ctx, "catalog.read", async (lake) => {
    const found = await resolveCodes(lake, system, patterns);
    return [...found.entries()].map(([pattern, codes]) => ({ pattern, codes }));
  });
}

export interface QualityReport {
  loadId: number | null;
  results: Array<QualityResult & { share: number; status: QualityStatus }>;
  failed: boolean;
}

/** `kaivo quality report`: the checks stored for a snapshot (latest by default). */
export function qualityReport(ctx: Ctx, asOf?: number): Promise<QualityReport> {
  return withCatalog(ctx, "quality.read", async (lake) => {
    const [latest] = await lake.query(
      sql`select max(load_id) as l from _catalog.profile_runs ${asOf === undefined ? EMPTY : sql`where load_id <= ${int(Math.trunc(asOf))}`}`,
    );
    const loadId = latest?.l === null || latest?.l === undefined ? null : Number(latest.l);
    const rows =
      loadId === null
        ? []
        : await lake.query(
            sql`select * from _catalog.quality where load_id = ${int(loadId)} order by check_id, registry, table_name, variable`,
          );
    const results = rows.map((r) => {
      const result: QualityResult = {
        check: String(r.check_id),
        registry: String(r.registry),
        table: String(r.table_name),
        variable: r.variable === null ? null : String(r.variable),
        failing: Number(r.failing),
        total: Number(r.total),
        threshold: Number(r.threshold),
        fatal: Boolean(r.fatal),
      };
      return { ...result, share: share(result), status: status(result) };
    });
    return { loadId, results, failed: results.some((r) => r.status === "fail") };
  });
}

/** `kaivo catalog export`: HealthDCAT-AP JSON-LD or Markdown; figures disclosure-controlled. */
export function exportCatalog(ctx: Ctx, format: "healthdcat" | "markdown") {
  return withCatalog(ctx, "catalog.export", async (lake, catalog) => {
    const profiles = await latestProfiles(lake, catalog);
    const policy = policyFrom(ctx.home.config);
    const output =
      format === "markdown"
        ? catalogMarkdown(catalog, profiles, policy)
        : `${JSON.stringify(
            healthDcat(
              catalog,
              [...(await latestRegistryFigures(lake)).values()],
              ctx.home.config.catalog,
              policy,
            ),
            null,
            2,
          )}\n`;
    await appendAudit(ctx.store, ctx.actor, {
      action: "catalog.export",
      details: { format, registries: catalog.registries.length, policy: policy.version },
    });
    return output;
  });
}

/** A vocabulary code as the cohort builder's code picker shows it. */
export interface PickedCode {
  system: string;
  code: string;
  titleFi: string | null;
  titleEn: string | null;
  /**
   * Persons with the code per table, as the role may see the catalog's published figures (the
   * disclosure engine's for everyone but stewards); a code the profile does not list has none.
   */
  persons: Array<{ table: string; persons: Shown | number | null }>;
}

const PICK_LIMIT = 30;

/**
 * The code picker: vocabulary codes whose code starts with the text (`E11`, or `E11*`) or whose
 * title holds every word of it, in any language, with how many people have each code as the
 * catalog's profiles show them to this role. No new count is made: the figures are those the
 * catalog published through disclosure control.
 */
export function pickCodes(ctx: Ctx, text: string, system?: string): Promise<PickedCode[]> {
  const words = text.trim().toLowerCase().replace(/\*$/, "").split(/\s+/).filter(Boolean);
  return withCatalog(ctx, "catalog.read", async (lake, catalog) => {
    if (words.length === 0) return [];
    const codes = (await allCodes(lake)).filter((c) => !system || c.system === system);
    const prefix = words.length === 1 ? (words[0] as string) : undefined;
    const found = codes
      .filter((c) => {
        if (prefix && c.code.toLowerCase().startsWith(prefix)) return true;
        const title = `${c.titleFi ?? ""} ${c.titleEn ?? ""}`.toLowerCase();
        return words.every((w) => title.includes(w));
      })
      .slice(0, PICK_LIMIT);
    if (found.length === 0) return [];
    const shown = (await latestProfiles(lake, catalog)).map((stored) => {
      const t = catalog.tables.find(
        (x) => x.registry === stored.registry && x.table === stored.table,
      );
      return {
        stored,
        profile: discloseProfile(stored, ctx.actor.role, t ? keysOf(catalog, t) : undefined),
      };
    });
    return found.map((c) => {
      const persons: PickedCode["persons"] = [];
      for (const { stored, profile } of shown) {
        const table = `${stored.registry}.${stored.table}`;
        for (const v of catalog.variables) {
          if (v.registry !== stored.registry || v.table !== stored.table) continue;
          if (v.codeSystem !== c.system) continue;
          const variable = profile.variables[v.variable] as
            | { top?: Array<{ value: string; persons: Shown | number | null }> }
            | undefined;
          const hit = variable?.top?.find((t) => t.value === c.code);
          if (hit) persons.push({ table, persons: hit.persons });
        }
        const m = (
          profile.measurements as Array<{ code: string; persons: Shown | number }> | undefined
        )?.find((x) => x.code === c.code);
        if (m && !persons.some((p) => p.table === table))
          persons.push({ table, persons: m.persons });
      }
      return { ...c, persons };
    });
  });
}
