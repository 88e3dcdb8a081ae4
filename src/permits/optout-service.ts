import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Kysely } from "kysely";
import { appendAudit, auditedWrite } from "../audit/append.js";
import { authorize } from "../auth/permissions.js";
import { reprofileLatest } from "../catalog/refresh.js";
import { policyFrom } from "../disclosure/policy.js";
import { personIdentifierSystems } from "../home/config.js";
import { homeKey } from "../home/home.js";
import { HETU_SYSTEM, parseHetu } from "../identity/hetu.js";
import { lakePseudoId } from "../identity/pseudonym.js";
import { Vault } from "../identity/vault.js";
import { Lake } from "../lake/lake.js";
import { crashPoint } from "../shared/crash-point.js";
import { ValidationError } from "../shared/errors.js";
import type { ControlDatabase } from "../store/schema.js";
import type { Ctx } from "./permit-service.js";

/**
 * The lake pseudo-ID of a person named by identity code. The code is checked and never echoed:
 * errors say what is wrong with it, not what it is. Only a hetu is upper-cased (its letters are
 * upper case by definition); any other system's value is used as configured and loaded, or it
 * would match no one.
 */
function pseudoIdOf(ctx: Ctx, code: string, where = ""): string {
  // Opt-outs name people by their national identity code: the first, most preferred system.
  const system = personIdentifierSystems(ctx.home.config.identity)[0] as string;
  const value = system === HETU_SYSTEM ? code.trim().toUpperCase() : code.trim();
  if (system === HETU_SYSTEM) {
    const parsed = parseHetu(value);
    if (!parsed.ok)
      throw new ValidationError(
        `${where}That is not a valid personal identity code: ${parsed.reason}.`,
      );
  } else if (!value) throw new ValidationError(`${where}Give the person's identifier.`);
  return lakePseudoId(homeKey(ctx.home, "lake"), system, value);
}

/** Every code checked before any is used, so a typo on line 3 leaves lines 1 and 2 undone too. */
function pseudoIdsOf(ctx: Ctx, codes: string[]): string[] {
  if (codes.length === 0) throw new ValidationError("Give at least one identity code.");
  return codes.map((code, i) => pseudoIdOf(ctx, code, codes.length > 1 ? `Line ${i + 1}: ` : ""));
}

/** Whether a load has brought each person into the lake (the vault registers every person). */
function inLake(ctx: Ctx, pseudoIds: string[]): boolean[] {
  // Before the first load there is no vault, and no one to match; opening would create it.
  if (!existsSync(join(ctx.home.dir, "vault.sqlite"))) return pseudoIds.map(() => false);
  const vault = Vault.open(ctx.home);
  try {
    return pseudoIds.map((id) => vault.hasPerson(id));
  } finally {
    vault.close();
  }
}

export interface OptoutChange {
  /** False when the person was already opted out (add) or was not (remove). */
  changed: boolean;
  /** False when no load has had this person: the code may be mistyped, or of another system. */
  matched: boolean;
}

/** `kaivo optout add`: the person is left out of every later release and researcher-facing count. */
export async function addOptout(
  ctx: Ctx,
  code: string,
): Promise<{ added: boolean; matched: boolean }> {
  const [r] = await addOptouts(ctx, [code]);
  return { added: !!r?.changed, matched: !!r?.matched };
}

/**
 * Several opt-outs at once (one per line of the steward's input); the catalog is profiled again
 * once, after all are recorded.
 */
export function addOptouts(ctx: Ctx, codes: string[]): Promise<OptoutChange[]> {
  return changeOptouts(ctx, codes, "optout.add", async (db, pseudoId) => {
    const existing = await db
      .selectFrom("optouts")
      .select("pseudo_id")
      .where("pseudo_id", "=", pseudoId)
      .executeTakeFirst();
    if (existing) return false;
    await db
      .insertInto("optouts")
      .values({ pseudo_id: pseudoId, added_at: new Date().toISOString(), added_by: ctx.actor.name })
      .execute();
    return true;
  });
}

/**
 * One audited change of the register per code, then the catalog profiled again once. Every
 * code is checked (and turned into its pseudo-ID) before any change.
 */
async function changeOptouts(
  ctx: Ctx,
  codes: string[],
  action: "optout.add" | "optout.remove",
  change: (db: Kysely<ControlDatabase>, pseudoId: string) => Promise<boolean>,
): Promise<OptoutChange[]> {
  await authorize(ctx.store, ctx.actor, "optout.manage");
  const ids = pseudoIdsOf(ctx, codes);
  const matched = inLake(ctx, ids);
  const out: OptoutChange[] = [];
  for (const [i, pseudoId] of ids.entries()) {
    const { result } = await auditedWrite(
      ctx.store,
      ctx.actor,
      { action, target: "optout" },
      (db) => change(db, pseudoId),
    );
    out.push({ changed: result, matched: !!matched[i] });
  }
  crashPoint("optout:after-record");
  // Even when nothing changed: a run killed after recording is completed by running it again.
  await reprofile(ctx);
  return out;
}

/**
 * The catalog's latest figures computed again without the people opted out: what a change of
 * the register does at its end, and what completes one cut off before it. Stewards only.
 */
export async function refreshOptouts(ctx: Ctx): Promise<void> {
  await authorize(ctx.store, ctx.actor, "optout.manage");
  await reprofile(ctx);
}

async function reprofile(ctx: Ctx): Promise<void> {
  const optouts = await ctx.store.db.selectFrom("optouts").select("pseudo_id").execute();
  const lake = await Lake.open(ctx.home);
  try {
    await reprofileLatest(
      lake,
      optouts.map((o) => o.pseudo_id),
      { store: ctx.store, policy: policyFrom(ctx.home.config) },
    );
  } finally {
    lake.close();
  }
}

export async function removeOptout(ctx: Ctx, code: string): Promise<{ removed: boolean }> {
  const [r] = await removeOptouts(ctx, [code]);
  return { removed: !!r?.changed };
}

export function removeOptouts(ctx: Ctx, codes: string[]): Promise<OptoutChange[]> {
  return changeOptouts(ctx, codes, "optout.remove", async (db, pseudoId) => {
    const r = await db.deleteFrom("optouts").where("pseudo_id", "=", pseudoId).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  });
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
 * `kaivo transparency` (the code on standard input): for a data subject's request, the permits and releases that
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
  return { optedOut, matched: !!inLake(ctx, [pseudoId])[0], releases: rows };
}
