import { sql } from "kysely";
import { auditedWrite } from "../audit/append.js";
import { ensureCatalogSchema, readCatalog } from "../catalog/catalog-store.js";
import { isFreeText } from "../catalog/metadata.js";
import { assertNoIdentifyingText } from "../identity/free-text.js";
import { Vault } from "../identity/vault.js";
import { Lake } from "../lake/lake.js";
import { crashPoint } from "../shared/crash-point.js";
import { ConflictError, ValidationError } from "../shared/errors.js";
import type { ControlStore } from "../store/control-store.js";
import type { PermitsTable } from "../store/schema.js";
import { type Ctx, getPermit, type Permit, type PermitStatus, permitFromRow } from "./permit.js";
import { enforcePermit, enforceRole } from "./permit-access.js";
import { assertNoIdentifyingApplication } from "./permit-text.js";
import { decide, maySee } from "./policy.js";
import {
  type Application,
  ApplicationSchema,
  parseWithPaths,
  type Scope,
  ScopeSchema,
  scopeHash,
  wideningsOf,
} from "./scope.js";
import { recordTransition, requireReason } from "./transition.js";

export type { Ctx, Permit, PermitStatus } from "./permit.js";
export { getPermit, permitFromRow } from "./permit.js";
export { closePermit, expirePermits } from "./permit-ending.js";

const today = () => new Date().toISOString().slice(0, 10);

/** The scope must fit the lake and the saved cohorts: every table, variable and the cohort exist. */
async function checkScope(ctx: Ctx, scope: Scope): Promise<void> {
  const cohort = await ctx.store.db
    .selectFrom("cohort_definitions")
    .select(["name"])
    .where("hash", "=", scope.cohort.hash)
    .executeTakeFirst();
  if (!cohort || cohort.name !== scope.cohort.name)
    throw new ValidationError(
      `scope.cohort: no saved version ${scope.cohort.hash.slice(0, 12)} of cohort ${scope.cohort.name}.`,
      "Validate the definition first (`kaivo cohort validate`); it prints the version.",
    );
  const lake = await Lake.open(ctx.home, { readOnly: true });
  try {
    await ensureCatalogSchema(lake);
    const catalog = await readCatalog(lake);
    for (const [name, variables] of Object.entries(scope.tables)) {
      const table = catalog.tables.find((t) => `${t.registry}.${t.table}` === name);
      if (!table?.personColumn)
        throw new ValidationError(
          `scope.tables.${name}: not a table with persons; tables: ${catalog.tables
            .filter((t) => t.personColumn)
            .map((t) => `${t.registry}.${t.table}`)
            .join(", ")}.`,
        );
      const known = catalog.variables
        .filter(
          (v) =>
            v.registry === table.registry &&
            v.table === table.table &&
            (v.role === "value" || v.role === "key" || v.role === "event"),
        )
        .map((v) => v.variable)
        .filter((v) => v !== "record_key");
      for (const v of variables)
        if (!known.includes(v))
          throw new ValidationError(
            `scope.tables.${name}: no variable "${v}"; variables: ${known.join(", ")}.`,
          );
      const text = catalog.variables.filter(
        (v) => v.registry === table.registry && v.table === table.table && isFreeText(v),
      );
      for (const v of text)
        if (!scope.rules.notes && variables.includes(v.variable))
          throw new ValidationError(
            `scope.tables.${name}.${v.variable}: free text needs rules.notes = true.`,
          );
    }
  } finally {
    lake.close();
  }
  if (scope.period.from > scope.period.to)
    throw new ValidationError("scope.period: from is after to.");
}

async function checkPeople(ctx: Ctx, names: string[]): Promise<void> {
  for (const name of new Set(names)) {
    const user = await ctx.store.db
      .selectFrom("users")
      .select("name")
      .where("name", "=", name)
      .executeTakeFirst();
    if (!user)
      throw new ValidationError(
        `No user ${name}.`,
        "Named investigators must be Kaivo users (`kaivo user add`).",
      );
  }
}

async function nextDraftId(store: ControlStore): Promise<string> {
  const year = new Date().getUTCFullYear();
  const rows = await store.db
    .selectFrom("permits")
    .select("id")
    .where("id", "like", `KAIVO-${year}-%`)
    .execute();
  const n = rows.map((r) => Number(r.id.split("-")[2])).filter(Number.isFinite);
  return `KAIVO-${year}-${String(Math.max(0, ...n) + 1).padStart(4, "0")}`;
}

async function insertPermit(
  ctx: Ctx,
  app: Application,
  status: PermitStatus,
  external: boolean,
  reason: string,
) {
  assertNoIdentifyingApplication(app, external ? reason : undefined);
  const id = app.id ?? (await nextDraftId(ctx.store));
  // Ids differing only in case would share a release folder on a case-insensitive disk.
  if (
    await ctx.store.db
      .selectFrom("permits")
      .select("id")
      .where(sql<string>`lower(id)`, "=", id.toLowerCase())
      .executeTakeFirst()
  )
    throw new ConflictError(`Permit ${id} exists already.`);
  if (app.validUntil < today())
    throw new ValidationError(`validUntil ${app.validUntil} has passed.`);
  const pi = app.principalInvestigator ?? ctx.actor.name;
  await checkPeople(ctx, [pi, ...app.team]);
  await checkScope(ctx, app.scope);
  const now = new Date().toISOString();
  const hash = scopeHash(app.scope);
  await auditedWrite(
    ctx.store,
    ctx.actor,
    {
      action: external ? "permit.register" : "permit.draft",
      target: `permit:${id}`,
      details: { to: status, scopeHash: hash, reason },
    },
    async (db) => {
      await db
        .insertInto("permits")
        .values({
          id,
          title: app.title,
          organisation: app.organisation,
          legal_basis: app.legalBasis,
          purpose: app.purpose,
          principal_investigator: pi,
          team: JSON.stringify(app.team),
          applicant: external ? pi : ctx.actor.name,
          external: external ? 1 : 0,
          status,
          requested_scope: JSON.stringify(app.scope),
          scope: JSON.stringify(app.scope),
          scope_hash: hash,
          decision_date: external ? (app.decisionDate ?? today()) : null,
          valid_until: app.validUntil,
          created_at: now,
          updated_at: now,
        })
        .execute();
      await db
        .insertInto("permit_events")
        .values({
          permit_id: id,
          at: now,
          from_status: null,
          to_status: status,
          actor: ctx.actor.name,
          reason,
        })
        .execute();
    },
  );
  return getPermit(ctx.store, id);
}

/** A researcher's application: a draft with its data request (cohort, variables, period, purpose). */
export async function draftPermit(ctx: Ctx, raw: unknown, source = "application"): Promise<Permit> {
  await enforceRole(ctx, "draft");
  const app = parseWithPaths(ApplicationSchema, raw, source);
  // Numbers with other characters (Findata's `FINDATA/2026/77`) are the data service's to register.
  if (app.id && !/^[A-Za-z0-9-]+$/.test(app.id))
    throw new ValidationError(
      `${source}: id: an application's id is letters, digits and hyphens (like KAIVO-2026-0001).`,
      "Leave it out to be given one; a permit decided elsewhere is registered by a steward (`kaivo permit register`).",
    );
  return insertPermit(ctx, app, "draft", false, "application drafted");
}

/**
 * A permit decided elsewhere (Findata), registered by a steward under its external number. It
 * waits, `registered`, until a second steward not named on it confirms it (`confirmPermit`).
 */
export async function registerPermit(
  ctx: Ctx,
  raw: unknown,
  reason: string,
  source = "permit",
): Promise<Permit> {
  await enforceRole(ctx, "register");
  requireReason(reason);
  const app = parseWithPaths(ApplicationSchema, raw, source);
  if (!app.id)
    throw new ValidationError(
      `${source}: id: an external permit is registered under its own number.`,
    );
  if (!app.principalInvestigator)
    throw new ValidationError(`${source}: principalInvestigator: name the permit holder.`);
  return insertPermit(ctx, app, "registered", true, reason);
}

function withVault<T>(ctx: Ctx, work: (vault: Vault) => T): T {
  const vault = Vault.open(ctx.home);
  try {
    return work(vault);
  } finally {
    vault.close();
  }
}

type Verb = "submit" | "review" | "approve" | "reject" | "return" | "confirm" | "activate";

const TRANSITIONS: Record<Verb, { from: PermitStatus; to: PermitStatus; done: string }> = {
  submit: { from: "draft", to: "submitted", done: "submitted" },
  review: { from: "submitted", to: "in_review", done: "taken into review" },
  approve: { from: "in_review", to: "approved", done: "approved" },
  reject: { from: "in_review", to: "rejected", done: "rejected" },
  return: { from: "in_review", to: "draft", done: "returned to its applicant" },
  confirm: { from: "registered", to: "approved", done: "confirmed" },
  activate: { from: "approved", to: "active", done: "activated" },
};

/** Every check of a transition, in order, before any effect: the policy, the reason, the status. */
async function checked(ctx: Ctx, id: string, verb: Verb, reason: string): Promise<Permit> {
  const t = TRANSITIONS[verb];
  const permit = await enforcePermit(ctx, verb, id);
  requireReason(reason);
  assertNoIdentifyingText({ [`${verb} reason`]: reason });
  if (permit.status !== t.from)
    throw new ConflictError(
      `Permit ${id} is ${permit.status}; only a ${t.from} permit can be ${t.done}.`,
    );
  return permit;
}

async function transition(
  ctx: Ctx,
  id: string,
  verb: Verb,
  reason: string,
  change: Partial<PermitsTable> = {},
): Promise<Permit> {
  const permit = await checked(ctx, id, verb, reason);
  return recordTransition(ctx, permit, `permit.${verb}`, TRANSITIONS[verb].to, reason, change);
}

export const submitPermit = (ctx: Ctx, id: string, reason: string) =>
  transition(ctx, id, "submit", reason);
export const reviewPermit = (ctx: Ctx, id: string, reason: string) =>
  transition(ctx, id, "review", reason);
export const rejectPermit = (ctx: Ctx, id: string, reason: string) =>
  transition(ctx, id, "reject", reason, { decision_date: today() });
/**
 * A reviewer not named on the application sends it back to its applicant for changes, with the
 * reason (what to change): it is a draft again, which the applicant edits and submits anew.
 */
export const returnPermit = (ctx: Ctx, id: string, reason: string) =>
  transition(ctx, id, "return", reason);
/** A second steward, not named on an external permit nor its registrant, confirms its registration. */
export const confirmPermit = (ctx: Ctx, id: string, reason: string) =>
  transition(ctx, id, "confirm", reason);

/** Approves as applied for, or a narrowed scope: a reviewer may only take away. */
export async function approvePermit(
  ctx: Ctx,
  id: string,
  reason: string,
  narrowed?: unknown,
): Promise<Permit> {
  const permit = await checked(ctx, id, "approve", reason);
  let scope = permit.requestedScope;
  if (narrowed !== undefined) {
    scope = parseWithPaths(ScopeSchema, narrowed, "narrowed scope");
    const widened = wideningsOf(permit.requestedScope, scope);
    if (widened.length)
      throw new ValidationError(
        `The narrowed scope asks for more than was applied for: ${widened.join("; ")}.`,
      );
    await checkScope(ctx, scope);
  }
  const hash = scopeHash(scope);
  return recordTransition(
    ctx,
    permit,
    "permit.approve",
    "approved",
    reason,
    { scope: JSON.stringify(scope), scope_hash: hash, decision_date: today() },
    { scopeHash: hash, narrowed: narrowed !== undefined },
  );
}

/**
 * Activation makes the permit's key, then records the change. The key is made only after every
 * check; a kill -9 between the two leaves an approved permit with a key, which no release can use
 * (only an active permit is released), and a rerun finds the key and records the activation.
 */
export async function activatePermit(ctx: Ctx, id: string, reason: string): Promise<Permit> {
  const permit = await checked(ctx, id, "activate", reason);
  if (permit.validUntil < today())
    throw new ConflictError(`Permit ${id} was valid until ${permit.validUntil}.`);
  crashPoint("activate:checked");
  withVault(ctx, (vault) => vault.createPermitKey(id));
  crashPoint("activate:after-key");
  return recordTransition(ctx, permit, "permit.activate", "active", reason);
}

/** Researchers see the permits they are named on; reviewers, stewards and auditors see all. */
export async function listPermits(ctx: Ctx): Promise<Permit[]> {
  await enforceRole(ctx, "read");
  const all = (await ctx.store.db.selectFrom("permits").selectAll().orderBy("id").execute()).map(
    permitFromRow,
  );
  return all.filter((p) => maySee(ctx.actor, p));
}

export async function showPermit(ctx: Ctx, id: string) {
  const permit = await enforcePermit(ctx, "read", id);
  const events = await ctx.store.db
    .selectFrom("permit_events")
    .selectAll()
    .where("permit_id", "=", id)
    .orderBy("at")
    .execute();
  const releases = await ctx.store.db
    .selectFrom("releases")
    .selectAll()
    .where("permit_id", "=", id)
    .orderBy("number")
    .execute();
  return { permit, events, releases };
}

/**
 * The applicant changes a draft's answers: the whole application again, checked as a new one is
 * (the people, the scope against the lake and the saved cohorts, no identifying text), with an
 * event on the permit and an audit entry in the same transaction. The id and the applicant stay.
 */
export async function updateDraft(
  ctx: Ctx,
  id: string,
  raw: unknown,
  source = "application",
): Promise<Permit> {
  const permit = await enforcePermit(ctx, "edit", id);
  if (permit.status !== "draft")
    throw new ConflictError(`Permit ${id} is ${permit.status}; only a draft can be changed.`);
  const app = parseWithPaths(ApplicationSchema, raw, source);
  if (app.id !== undefined && app.id !== id)
    throw new ValidationError(`${source}: id: a draft keeps its id (${id}).`);
  assertNoIdentifyingApplication(app);
  if (app.validUntil < today())
    throw new ValidationError(`validUntil ${app.validUntil} has passed.`);
  const pi = app.principalInvestigator ?? permit.principalInvestigator;
  await checkPeople(ctx, [pi, ...app.team]);
  await checkScope(ctx, app.scope);
  const now = new Date().toISOString();
  const hash = scopeHash(app.scope);
  await auditedWrite(
    ctx.store,
    ctx.actor,
    {
      action: "permit.edit",
      target: `permit:${id}`,
      details: { scopeHash: hash },
    },
    async (db) => {
      const updated = await db
        .updateTable("permits")
        .set({
          title: app.title,
          organisation: app.organisation,
          legal_basis: app.legalBasis,
          purpose: app.purpose,
          principal_investigator: pi,
          team: JSON.stringify(app.team),
          requested_scope: JSON.stringify(app.scope),
          scope: JSON.stringify(app.scope),
          scope_hash: hash,
          valid_until: app.validUntil,
          updated_at: now,
        })
        .where("id", "=", id)
        .where("status", "=", "draft")
        .where("updated_at", "=", permit.updatedAt)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) !== 1)
        throw new ConflictError(`Permit ${id} changed meanwhile; try again.`);
      await db
        .insertInto("permit_events")
        .values({
          permit_id: id,
          at: now,
          from_status: "draft",
          to_status: "draft",
          actor: ctx.actor.name,
          reason: "draft changed",
        })
        .execute();
    },
  );
  return getPermit(ctx.store, id);
}

export interface QueuedApplication {
  permit: Permit;
  /** When it entered its present status. */
  since: string;
  /** Whole days in its present status. */
  days: number;
}

/**
 * A reviewer's queue: applications submitted or in review, oldest first, with the days each
 * has been in its status. Those the reviewer is named on are left out: they may not decide them.
 */
export async function reviewQueue(ctx: Ctx): Promise<QueuedApplication[]> {
  await enforceRole(ctx, "review");
  const rows = await ctx.store.db
    .selectFrom("permits")
    .selectAll()
    .where("status", "in", ["submitted", "in_review"])
    .where("external", "=", 0)
    .execute();
  const out: QueuedApplication[] = [];
  for (const permit of rows.map(permitFromRow)) {
    if (!decide(ctx.actor, "review", { ...permit, registeredBy: null }).allowed) continue;
    const last = await ctx.store.db
      .selectFrom("permit_events")
      .select("at")
      .where("permit_id", "=", permit.id)
      .where("to_status", "=", permit.status)
      .orderBy("at", "desc")
      .executeTakeFirst();
    const since = last?.at ?? permit.updatedAt;
    out.push({ permit, since, days: Math.floor((Date.now() - Date.parse(since)) / 86_400_000) });
  }
  return out.sort((a, b) => a.since.localeCompare(b.since));
}

export interface RequestableTable {
  /** registry.table */
  name: string;
  title: string;
  variables: Array<{ variable: string; title: string | null; freeText: boolean }>;
}

/**
 * What an application may ask for: the lake's tables with persons and, for each, the variables
 * a scope may name (values, keys and event dates; never the record key), as checkScope judges.
 */
export async function requestableVariables(ctx: Ctx): Promise<RequestableTable[]> {
  await enforceRole(ctx, "read");
  const lake = await Lake.open(ctx.home, { readOnly: true });
  try {
    await ensureCatalogSchema(lake);
    const catalog = await readCatalog(lake);
    return catalog.tables
      .filter((t) => t.personColumn)
      .map((t) => ({
        name: `${t.registry}.${t.table}`,
        title: t.title,
        variables: catalog.variables
          .filter(
            (v) =>
              v.registry === t.registry &&
              v.table === t.table &&
              (v.role === "value" || v.role === "key" || v.role === "event") &&
              v.variable !== "record_key",
          )
          .map((v) => ({ variable: v.variable, title: v.title ?? null, freeText: isFreeText(v) })),
      }));
  } finally {
    lake.close();
  }
}
