import { createHash } from "node:crypto";
import { z } from "zod";
import { canonicalJson } from "../audit/entry.js";
import { ValidationError } from "../shared/errors.js";

/**
 * What a permit allows: one cohort version, the tables and their variables, the data period,
 * release formats, and the disclosure rules a release applies.
 */
export const ScopeSchema = z.strictObject({
  cohort: z.strictObject({
    name: z.string(),
    /** The cohort definition version (content hash, full). */
    hash: z.string().regex(/^[0-9a-f]{64}$/, "the full content hash of a saved cohort version"),
  }),
  /** registry.table -> the variables allowed. */
  tables: z
    .record(z.string().regex(/^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$/), z.array(z.string()).min(1))
    .refine((t) => Object.keys(t).length > 0, "at least one table"),
  period: z
    .strictObject({ from: z.iso.date(), to: z.iso.date() })
    .refine((p) => p.from <= p.to, "from is after to"),
  formats: z
    .array(z.enum(["parquet", "csv"]))
    .min(1)
    .default(["parquet"]),
  rules: z
    .strictObject({
      birthDate: z.enum(["year", "year-month", "full"]).default("year"),
      /** Digits of a postal code kept (variables coded `postal-code`); the rest become zeros. */
      postalCodeDigits: z.number().int().min(0).max(5).default(3),
      /** 0: dates as recorded; N: every date of a person moved by the same number of days in -N..N. */
      dateShiftDays: z.number().int().min(0).max(365).default(0),
      /** Free-text notes in the release. */
      notes: z.boolean().default(false),
      /**
       * With notes and a date shift: notes may leave with dates Kaivo cannot shift safely (a day
       * and month without a year, a slashed date) written as recorded. Otherwise such a release
       * is refused.
       */
      unshiftedNoteDates: z.boolean().default(false),
      /** Smallest count a result leaving the workspace may show. */
      outputThreshold: z.number().int().min(1).default(5),
    })
    .default({
      birthDate: "year",
      postalCodeDigits: 3,
      dateShiftDays: 0,
      notes: false,
      unshiftedNoteDates: false,
      outputThreshold: 5,
    }),
});
export type Scope = z.infer<typeof ScopeSchema>;

/** A research permit application (or a permit decided elsewhere, registered by a steward). */
export const ApplicationSchema = z.strictObject({
  $schema: z.string().optional(),
  /** The hospital's or Findata's permit number; one is given to a draft without it. */
  id: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9/_.-]{2,63}$/)
    .optional(),
  title: z.string().min(3),
  organisation: z.string().min(2),
  legalBasis: z.string().min(3),
  purpose: z.string().min(10),
  principalInvestigator: z.string().optional(),
  team: z.array(z.string()).default([]),
  validUntil: z.iso.date(),
  decisionDate: z.iso.date().optional(),
  scope: ScopeSchema,
});
export type Application = z.infer<typeof ApplicationSchema>;

export function parseWithPaths<T>(schema: z.ZodType<T>, raw: unknown, source: string): T {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  throw new ValidationError(
    `${source}: ${parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ")}`,
  );
}

export function scopeHash(scope: Scope): string {
  return createHash("sha256").update(canonicalJson(scope)).digest("hex");
}

const RULE_ORDER = { year: 0, "year-month": 1, full: 2 } as const;

/**
 * Where a narrowed scope asks for more than the one applied for: a reviewer may only take away.
 * Returns the problems, empty when `narrowed` is within `requested`.
 */
export function wideningsOf(requested: Scope, narrowed: Scope): string[] {
  const out: string[] = [];
  if (narrowed.cohort.hash !== requested.cohort.hash)
    out.push("cohort: a different cohort version");
  if (narrowed.cohort.name !== requested.cohort.name) out.push("cohort: renamed");
  for (const [table, vars] of Object.entries(narrowed.tables)) {
    const allowed = requested.tables[table];
    if (!allowed) out.push(`tables.${table}: not applied for`);
    else
      for (const v of vars)
        if (!allowed.includes(v)) out.push(`tables.${table}: ${v} not applied for`);
  }
  if (narrowed.period.from < requested.period.from || narrowed.period.to > requested.period.to)
    out.push("period: wider than applied for");
  if (narrowed.period.from > narrowed.period.to) out.push("period: from is after to");
  for (const f of narrowed.formats)
    if (!requested.formats.includes(f)) out.push(`formats: ${f} not applied for`);
  const r = requested.rules;
  const n = narrowed.rules;
  if (RULE_ORDER[n.birthDate] > RULE_ORDER[r.birthDate])
    out.push("rules.birthDate: more precise than applied for");
  if (n.postalCodeDigits > r.postalCodeDigits)
    out.push("rules.postalCodeDigits: more digits than applied for");
  if (r.dateShiftDays > 0 && n.dateShiftDays < r.dateShiftDays)
    out.push("rules.dateShiftDays: less shifting than applied for");
  if (n.notes && !r.notes) out.push("rules.notes: notes not applied for");
  if (n.unshiftedNoteDates && !r.unshiftedNoteDates)
    out.push("rules.unshiftedNoteDates: unshifted note dates not applied for");
  if (n.outputThreshold < r.outputThreshold)
    out.push("rules.outputThreshold: lower than applied for");
  return out;
}
