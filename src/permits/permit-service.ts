import { auditedWrite } from "../audit/append.js";
import { authorize, type Permission } from "../auth/permissions.js";
import type { Actor } from "../auth/roles.js";
import { ensureCatalogSchema, readCatalog } from "../catalog/catalog-store.js";
import { isFreeText } from "../catalog/metadata.js";
import type { Home } from "../home/home.js";
import { assertNoIdentifyingText } from "../identity/free-text.js";
import { Vault } from "../identity/vault.js";
import { Lake } from "../lake/lake.js";
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from "../shared/errors.js";
import type { ControlStore } from "../store/control-store.js";
import type { PermitsTable } from "../store/schema.js";
import { assertNoIdentifyingApplication } from "./permit-text.js";
import {
  type Application,
  ApplicationSchema,
  parseWithPaths,
  type Scope,
  ScopeSchema,
  scopeHash,
  wideningsOf,
} from "./scope.js";

export interface Ctx {
  home: Home;
  store: ControlStore;
  actor: Actor;
}

export type PermitStatus =
  | "draft"
  | "submitted"
  | "in_review"
  | "approved"
  | "rejected"
  | "active"
  | "closed"
  | "expired";

export interface Permit {
  id: string;
  title: string;
  organisation: string;
  legalBasis: string;
  purpose: string;
  principalInvestigator: string;
  team: string[];
  applicant: string;
  external: boolean;
  status: PermitStatus;
  requestedScope: Scope;
  scope: Scope;
  scopeHash: string;
  decisionDate: string | null;
  validUntil: string;
  createdAt: string;
  updatedAt: string;
}

export function permitFromRow(r: PermitsTable): Permit {
  return {
    id: r.id,
    title: r.title,
    organisation: r.organisation,
    legalBasis: r.legal_basis,
    purpose: r.purpose,
    principalInvestigator: r.principal_investigator,
    team: JSON.parse(r.team) as string[],
    applicant: r.applicant,
    external: r.external === 1,
    status: r.status as PermitStatus,
    requestedScope: JSON.parse(r.requested_scope) as Scope,
    scope: JSON.parse(r.scope) as Scope,
    scopeHash: r.scope_hash,
    decisionDate: r.decision_date,
    validUntil: r.valid_until,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

const today = () => new Date().toISOString().slice(0, 10);

export async function getPermit(store: ControlStore, id: string): Promise<Permit> {
  const row = await store.db
    .selectFrom("permits")
    .selectAll()
    .where("id", "=", id)
    .executeTakeFirst();
  if (!row) throw new NotFoundError(`No permit ${id}.`, "See `kaivo permit list`.");
  return permitFromRow(row);
}

/** Everyone named on a permit: they may see it, and may not decide it. */
const members = (p: Pick<Permit, "applicant" | "principalInvestigator" | "team">) =>
  new Set([p.applicant, p.principalInvestigator, ...p.team]);

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
  if (await ctx.store.db.selectFrom("permits").select("id").where("id", "=", id).executeTakeFirst())
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
  await authorize(ctx.store, ctx.actor, "permit.apply");
  const app = parseWithPaths(ApplicationSchema, raw, source);
  return insertPermit(ctx, app, "draft", false, "application drafted");
}

/** A permit decided elsewhere (Findata), registered by a steward under its external number. */
export async function registerPermit(
  ctx: Ctx,
  raw: unknown,
  reason: string,
  source = "permit",
): Promise<Permit> {
  await authorize(ctx.store, ctx.actor, "permit.manage");
  const app = parseWithPaths(ApplicationSchema, raw, source);
  if (!app.id)
    throw new ValidationError(
      `${source}: id: an external permit is registered under its own number.`,
    );
  if (!app.principalInvestigator)
    throw new ValidationError(`${source}: principalInvestigator: name the permit holder.`);
  const permit = await insertPermit(ctx, app, "active", true, reason);
  withVault(ctx, (vault) => vault.createPermitKey(permit.id));
  return permit;
}

function withVault<T>(ctx: Ctx, work: (vault: Vault) => T): T {
  const vault = Vault.open(ctx.home);
  try {
    return work(vault);
  } finally {
    vault.close();
  }
}

type Verb = "submit" | "review" | "approve" | "reject" | "activate" | "close";

const TRANSITIONS: Record<
  Verb,
  { from: PermitStatus[]; to: PermitStatus; permission: Permission }
> = {
  submit: { from: ["draft"], to: "submitted", permission: "permit.apply" },
  review: { from: ["submitted"], to: "in_review", permission: "permit.decide" },
  approve: { from: ["in_review"], to: "approved", permission: "permit.decide" },
  reject: { from: ["in_review"], to: "rejected", permission: "permit.decide" },
  activate: { from: ["approved"], to: "active", permission: "permit.manage" },
  close: { from: ["approved", "active"], to: "closed", permission: "permit.manage" },
};

const DONE: Record<Verb, string> = {
  submit: "submitted",
  review: "taken into review",
  approve: "approved",
  reject: "rejected",
  activate: "activated",
  close: "closed",
};

async function transition(
  ctx: Ctx,
  id: string,
  verb: Verb,
  reason: string,
  change: Partial<PermitsTable> = {},
  extra: Record<string, string | number | boolean> = {},
): Promise<Permit> {
  assertNoIdentifyingText({ [`${verb} reason`]: reason });
  const t = TRANSITIONS[verb];
  await authorize(ctx.store, ctx.actor, t.permission);
  if (!reason.trim())
    throw new ValidationError("Give a reason (--reason): it goes on the permit's record.");
  const permit = await getPermit(ctx.store, id);
  if (!t.from.includes(permit.status))
    throw new ConflictError(
      `Permit ${id} is ${permit.status}; only a ${t.from.join(" or ")} permit can be ${DONE[verb]}.`,
    );
  if (verb === "submit" && ctx.actor.name !== permit.applicant)
    throw new ForbiddenError(`Only the applicant (${permit.applicant}) submits permit ${id}.`);
  if (t.permission !== "permit.apply" && members(permit).has(ctx.actor.name))
    throw new ForbiddenError(
      `${ctx.actor.name} is named on permit ${id} and may not ${verb} it (separation of duties).`,
    );
  const now = new Date().toISOString();
  await auditedWrite(
    ctx.store,
    ctx.actor,
    {
      action: `permit.${verb}`,
      target: `permit:${id}`,
      details: { from: permit.status, to: t.to, reason, ...extra },
    },
    async (db) => {
      const updated = await db
        .updateTable("permits")
        .set({ ...change, status: t.to, updated_at: now })
        .where("id", "=", id)
        .where("status", "=", permit.status)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) !== 1)
        throw new ConflictError(`Permit ${id} changed meanwhile; try again.`);
      await db
        .insertInto("permit_events")
        .values({
          permit_id: id,
          at: now,
          from_status: permit.status,
          to_status: t.to,
          actor: ctx.actor.name,
          reason,
        })
        .execute();
    },
  );
  return getPermit(ctx.store, id);
}

export const submitPermit = (ctx: Ctx, id: string, reason: string) =>
  transition(ctx, id, "submit", reason);
export const reviewPermit = (ctx: Ctx, id: string, reason: string) =>
  transition(ctx, id, "review", reason);
export const rejectPermit = (ctx: Ctx, id: string, reason: string) =>
  transition(ctx, id, "reject", reason, { decision_date: today() });

/** Approves as applied for, or a narrowed scope: a reviewer may only take away. */
export async function approvePermit(
  ctx: Ctx,
  id: string,
  reason: string,
  narrowed?: unknown,
): Promise<Permit> {
  const permit = await getPermit(ctx.store, id);
  let scope = permit.requestedScope;
  if (narrowed !== undefined) {
    scope = parseWithPaths(ScopeSchema, narrowed, "narrowed scope");
    const widened = wideningsOf(permit.requestedScope, scope);
    if (widened.length)
      throw new ValidationError(
        `The narrowed scope asks for more than was applied for: ${widened.join("; ")}.`,
      );
  }
  const hash = scopeHash(scope);
  return transition(
    ctx,
    id,
    "approve",
    reason,
    { scope: JSON.stringify(scope), scope_hash: hash, decision_date: today() },
    { scopeHash: hash, narrowed: narrowed !== undefined },
  );
}

/** Activation makes the permit's key; its releases can then be made. */
export async function activatePermit(ctx: Ctx, id: string, reason: string): Promise<Permit> {
  assertNoIdentifyingText({ "activate reason": reason });
  await authorize(ctx.store, ctx.actor, "permit.manage");
  const permit = await getPermit(ctx.store, id);
  if (permit.validUntil < today())
    throw new ConflictError(`Permit ${id} was valid until ${permit.validUntil}.`);
  if (permit.status === "approved") withVault(ctx, (vault) => vault.createPermitKey(id));
  return transition(ctx, id, "activate", reason);
}

/** Closing destroys the permit's key first: after it no one can map the permit's IDs back. */
export async function closePermit(ctx: Ctx, id: string, reason: string): Promise<Permit> {
  assertNoIdentifyingText({ "close reason": reason });
  await authorize(ctx.store, ctx.actor, "permit.manage");
  const permit = await getPermit(ctx.store, id);
  if (!TRANSITIONS.close.from.includes(permit.status))
    throw new ConflictError(
      `Permit ${id} is ${permit.status}; only an approved or active permit can be closed.`,
    );
  const destroyed = withVault(ctx, (vault) => vault.destroyPermitKey(id));
  return transition(ctx, id, "close", reason, {}, { keyDestroyed: destroyed });
}

/** `kaivo permits expire`: permits past their date are expired, keys destroyed, releases withdrawn. */
export async function expirePermits(
  ctx: Ctx,
): Promise<Array<{ id: string; validUntil: string; releasesWithdrawn: number }>> {
  await authorize(ctx.store, ctx.actor, "permit.manage");
  const due = await ctx.store.db
    .selectFrom("permits")
    .selectAll()
    .where("status", "in", ["approved", "active"])
    .where("valid_until", "<", today())
    .execute();
  const out = [];
  for (const row of due) {
    const destroyed = withVault(ctx, (vault) => vault.destroyPermitKey(row.id));
    const now = new Date().toISOString();
    const reason = `valid until ${row.valid_until}`;
    const { result } = await auditedWrite(
      ctx.store,
      ctx.actor,
      {
        action: "permit.expire",
        target: `permit:${row.id}`,
        details: { from: row.status, to: "expired", reason, keyDestroyed: destroyed },
      },
      async (db) => {
        await db
          .updateTable("permits")
          .set({ status: "expired", updated_at: now })
          .where("id", "=", row.id)
          .execute();
        await db
          .insertInto("permit_events")
          .values({
            permit_id: row.id,
            at: now,
            from_status: row.status,
            to_status: "expired",
            actor: ctx.actor.name,
            reason,
          })
          .execute();
        const withdrawn = await db
          .updateTable("releases")
          .set({ status: "withdrawn" })
          .where("permit_id", "=", row.id)
          .where("status", "=", "published")
          .executeTakeFirst();
        return Number(withdrawn.numUpdatedRows);
      },
    );
    out.push({ id: row.id, validUntil: row.valid_until, releasesWithdrawn: result });
  }
  return out;
}

/** Researchers see the permits they are named on; reviewers, stewards and auditors see all. */
export async function listPermits(ctx: Ctx): Promise<Permit[]> {
  await authorize(ctx.store, ctx.actor, "permit.read");
  const all = (await ctx.store.db.selectFrom("permits").selectAll().orderBy("id").execute()).map(
    permitFromRow,
  );
  return ctx.actor.role === "researcher" ? all.filter((p) => members(p).has(ctx.actor.name)) : all;
}

export async function showPermit(ctx: Ctx, id: string) {
  await authorize(ctx.store, ctx.actor, "permit.read");
  const permit = await getPermit(ctx.store, id);
  if (ctx.actor.role === "researcher" && !members(permit).has(ctx.actor.name))
    throw new NotFoundError(`No permit ${id}.`, "See `kaivo permit list`.");
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
