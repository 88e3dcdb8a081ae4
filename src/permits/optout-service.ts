import { appendAudit, auditedWrite } from "../audit/append.js";
import { authorize } from "../auth/permissions.js";
import { reprofileLatest } from "../catalog/refresh.js";
import { homeKey } from "../home/home.js";
import { HETU_SYSTEM, parseHetu } from "../identity/hetu.js";
import { lakePseudoId } from "../identity/pseudonym.js";
import { Lake } from "../lake/lake.js";
import { crashPoint } from "../shared/crash-point.js";
import { ValidationError } from "../shared/errors.js";
import type { Ctx } from "./permit-service.js";

/**
 * The lake pseudo-ID of a person named by identity code. The code is checked and never echoed:
 * errors say what is wrong with it, not what it is.
 */
function pseudoIdOf(ctx: Ctx, code: string): string {
  const system = ctx.home.config.identity.personIdentifierSystem;
  const value = code.trim().toUpperCase();
  if (system === HETU_SYSTEM) {
    const parsed = parseHetu(value);
    if (!parsed.ok)
      throw new ValidationError(`That is not a valid personal identity code: ${parsed.reason}.`);
  } else if (!value) throw new ValidationError("Give the person's identifier.");
  return lakePseudoId(homeKey(ctx.home, "lake"), system, value);
}

/**
 * `kaivo optout add`: the person is left out of every later release and researcher-facing count.
 * The catalog is profiled again even when the person was already opted out: a run killed after
 * recording the opt-out is completed by running it again.
 */
export async function addOptout(ctx: Ctx, code: string): Promise<{ added: boolean }> {
  await authorize(ctx.store, ctx.actor, "optout.manage");
  const pseudoId = pseudoIdOf(ctx, code);
  const { result } = await auditedWrite(
    ctx.store,
    ctx.actor,
    { action: "optout.add", target: "optout" },
    async (db) => {
      const existing = await db
        .selectFrom("optouts")
        .select("pseudo_id")
        .where("pseudo_id", "=", pseudoId)
        .executeTakeFirst();
      if (existing) return false;
      await db
        .insertInto("optouts")
        .values({
          pseudo_id: pseudoId,
          added_at: new Date().toISOString(),
          added_by: ctx.actor.name,
        })
        .execute();
      return true;
    },
  );
  crashPoint("optout:after-record");
  await reprofile(ctx);
  return { added: result };
}

/** The catalog's latest figures are computed again without the people now opted out. */
async function reprofile(ctx: Ctx): Promise<void> {
  const optouts = await ctx.store.db.selectFrom("optouts").select("pseudo_id").execute();
  const lake = await Lake.open(ctx.home);
  try {
    await reprofileLatest(
      lake,
      optouts.map((o) => o.pseudo_id),
    );
  } finally {
    lake.close();
  }
}

export async function removeOptout(ctx: Ctx, code: string): Promise<{ removed: boolean }> {
  await authorize(ctx.store, ctx.actor, "optout.manage");
  const pseudoId = pseudoIdOf(ctx, code);
  const { result } = await auditedWrite(
    ctx.store,
    ctx.actor,
    { action: "optout.remove", target: "optout" },
    async (db) => {
      const r = await db.deleteFrom("optouts").where("pseudo_id", "=", pseudoId).executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },
  );
  crashPoint("optout:after-record");
  await reprofile(ctx);
  return { removed: result };
}

/** The opt-out register: when and by whom, never who (pseudo-IDs only). */
export async function listOptouts(ctx: Ctx) {
  await authorize(ctx.store, ctx.actor, "optout.manage");
  const rows = await ctx.store.db.selectFrom("optouts").selectAll().orderBy("added_at").execute();
  await appendAudit(ctx.store, ctx.actor, {
    action: "optout.list",
    details: { entries: rows.length },
  });
  return rows.map((r) => ({ pseudoId: r.pseudo_id, addedAt: r.added_at, addedBy: r.added_by }));
}

/**
 * `kaivo transparency CODE`: for a data subject's request, the permits and releases that
 * included this person, with dates and purposes, and nothing about anyone else. Audited.
 */
export async function transparencyReport(ctx: Ctx, code: string) {
  await authorize(ctx.store, ctx.actor, "transparency.read");
  const pseudoId = pseudoIdOf(ctx, code);
  const rows = await ctx.store.db
    .selectFrom("release_members as m")
    .innerJoin("releases as r", "r.id", "m.release_id")
    .innerJoin("permits as p", "p.id", "r.permit_id")
    .select([
      "p.id as permit",
      "p.title",
      "p.purpose",
      "p.organisation",
      "p.legal_basis as legalBasis",
      "p.status as permitStatus",
      "r.id as release",
      "r.created_at as releasedAt",
      "r.status as releaseStatus",
    ])
    .where("m.pseudo_id", "=", pseudoId)
    .orderBy("r.created_at")
    .execute();
  const optedOut = !!(await ctx.store.db
    .selectFrom("optouts")
    .select("pseudo_id")
    .where("pseudo_id", "=", pseudoId)
    .executeTakeFirst());
  await appendAudit(ctx.store, ctx.actor, {
    action: "transparency.request",
    details: { releases: rows.length },
  });
  return { optedOut, releases: rows };
}
