import type { Permit } from "../permits/permit.js";
import type { Body } from "./cohort-form.js";

/**
 * The application form's fields and the application JSON they stand for (the same shape
 * `kaivo permit draft FILE` reads). Presentation only: the permit service parses and checks.
 */
export interface ApplicationFields {
  title: string;
  organisation: string;
  legalBasis: string;
  purpose: string;
  team: string;
  validUntil: string;
  /** The cohort version's full hash; its name comes from the versions offered. */
  cohort: string;
  /** `registry.table.variable` for each variable picked. */
  variables: string[];
  from: string;
  to: string;
  notes: boolean;
}

export const emptyApplication = (): ApplicationFields => ({
  title: "",
  organisation: "",
  legalBasis: "",
  purpose: "",
  team: "",
  validUntil: "",
  cohort: "",
  variables: [],
  from: "",
  to: "",
  notes: false,
});

const one = (body: Body, key: string) =>
  typeof body[key] === "string" ? (body[key] as string) : "";

export function applicationFromBody(body: Body): ApplicationFields {
  const v = body.variables;
  return {
    title: one(body, "title"),
    organisation: one(body, "organisation"),
    legalBasis: one(body, "legalBasis"),
    purpose: one(body, "purpose"),
    team: one(body, "team"),
    validUntil: one(body, "validUntil"),
    cohort: one(body, "cohort"),
    variables: (Array.isArray(v) ? v : v === undefined ? [] : [v]).filter(
      (x): x is string => typeof x === "string",
    ),
    from: one(body, "from"),
    to: one(body, "to"),
    notes: one(body, "notes") === "on",
  };
}

export function applicationFromPermit(p: Permit): ApplicationFields {
  return {
    title: p.title,
    organisation: p.organisation,
    legalBasis: p.legalBasis,
    purpose: p.purpose,
    team: p.team.join(", "),
    validUntil: p.validUntil,
    cohort: p.requestedScope.cohort.hash,
    variables: Object.entries(p.requestedScope.tables).flatMap(([t, vs]) =>
      vs.map((v) => `${t}.${v}`),
    ),
    from: p.requestedScope.period.from,
    to: p.requestedScope.period.to,
    notes: p.requestedScope.rules.notes,
  };
}

/** The application as the permit service reads it; `cohorts` maps a version's hash to its name. */
export function applicationJson(
  f: ApplicationFields,
  cohorts: ReadonlyMap<string, string>,
): Record<string, unknown> {
  const tables: Record<string, string[]> = {};
  for (const picked of f.variables) {
    const [registry, table, ...rest] = picked.split(".");
    const name = `${registry}.${table}`;
    tables[name] = [...(tables[name] ?? []), rest.join(".")];
  }
  return {
    title: f.title.trim(),
    organisation: f.organisation.trim(),
    legalBasis: f.legalBasis.trim(),
    purpose: f.purpose.trim(),
    team: f.team
      .split(",")
      .map((x) => x.trim())
      .filter(Boolean),
    validUntil: f.validUntil,
    scope: {
      cohort: { name: cohorts.get(f.cohort) ?? "", hash: f.cohort },
      tables,
      period: { from: f.from, to: f.to },
      ...(f.notes ? { rules: { notes: true } } : {}),
    },
  };
}
