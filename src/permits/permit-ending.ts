import { auditedWrite } from "../audit/append.js";
import { assertNoIdentifyingText } from "../identity/free-text.js";
import { Vault } from "../identity/vault.js";
import { deleteReleases } from "../release/release-files.js";
import { crashPoint } from "../shared/crash-point.js";
import { ConflictError } from "../shared/errors.js";
import { type Ctx, getPermit, type Permit, permitFromRow } from "./permit.js";
import { enforcePermit, enforceRole } from "./permit-access.js";
import { recordTransition, requireReason } from "./transition.js";

/**
 * Closing and expiry, in an order a kill -9 cannot break: every check first; then the decision
 * (status `closing`/`expiring`, its history event and audit entry) in one transaction; then the
 * key destroyed, the release files deleted (audited), and the final status (audited). Each later
 * step is idempotent and the in-between status is never active, so a rerun of the command
 * finishes what a crash interrupted, and nothing can be released meanwhile.
 */
const ENDING = {
  close: { pending: "closing", final: "closed" },
  expire: { pending: "expiring", final: "expired" },
} as const;

const ENDABLE = ["registered", "approved", "active"];

async function finishEnding(ctx: Ctx, id: string, step: "close" | "expire"): Promise<number> {
  const { pending, final } = ENDING[step];
  const vault = Vault.open(ctx.home);
  let key: string;
  try {
    vault.destroyPermitKey(id);
    const left = vault.permitKey(id);
    // A permit closed before activation never had a key.
    if (!("missing" in left)) throw new Error(`the key of permit ${id} survived its destruction`);
    key = left.missing;
  } finally {
    vault.close();
  }
  crashPoint(`${step}:after-key-destroyed`);
  const deleted = await deleteReleases(ctx, id, step);
  crashPoint(`${step}:after-releases-deleted`);
  const now = new Date().toISOString();
  await auditedWrite(
    ctx.store,
    ctx.actor,
    {
      action: `permit.${final}`,
      target: `permit:${id}`,
      details: { from: pending, to: final, key },
    },
    async (db) => {
      const updated = await db
        .updateTable("permits")
        .set({ status: final, updated_at: now })
        .where("id", "=", id)
        .where("status", "=", pending)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) !== 1)
        throw new ConflictError(`Permit ${id} changed meanwhile; try again.`);
      await db
        .insertInto("permit_events")
        .values({
          permit_id: id,
          at: now,
          from_status: pending,
          to_status: final,
          actor: ctx.actor.name,
          reason: "key destroyed, release files deleted",
        })
        .execute();
    },
  );
  return deleted;
}

/**
 * `kaivo permit close`: the key is destroyed for good and the release files deleted. Run again on
 * a permit left `closing` by a crash, it finishes the close.
 */
export async function closePermit(ctx: Ctx, id: string, reason: string): Promise<Permit> {
  const permit = await enforcePermit(ctx, "close", id);
  requireReason(reason);
  assertNoIdentifyingText({ "close reason": reason });
  if (permit.status !== "closing") {
    if (!ENDABLE.includes(permit.status))
      throw new ConflictError(
        `Permit ${id} is ${permit.status}; only a registered, approved or active permit can be closed.`,
      );
    crashPoint("close:checked");
    await recordTransition(ctx, permit, "permit.close", "closing", reason);
    crashPoint("close:after-intent");
  }
  await finishEnding(ctx, id, "close");
  return getPermit(ctx.store, id);
}

/**
 * `kaivo permits expire`: permits past their date are expired, keys destroyed, release files
 * deleted; expiries a crash interrupted are finished first.
 */
export async function expirePermits(
  ctx: Ctx,
): Promise<Array<{ id: string; validUntil: string; releasesDeleted: number }>> {
  await enforceRole(ctx, "expire");
  const today = new Date().toISOString().slice(0, 10);
  const rows = await ctx.store.db
    .selectFrom("permits")
    .selectAll()
    .where((eb) =>
      eb.or([
        eb("status", "=", "expiring"),
        eb.and([eb("status", "in", ENDABLE), eb("valid_until", "<", today)]),
      ]),
    )
    .orderBy("id")
    .execute();
  const out = [];
  for (const permit of rows.map(permitFromRow)) {
    if (permit.status !== "expiring") {
      await recordTransition(
        ctx,
        permit,
        "permit.expire",
        "expiring",
        `valid until ${permit.validUntil}`,
      );
      crashPoint("expire:after-intent");
    }
    const releasesDeleted = await finishEnding(ctx, permit.id, "expire");
    out.push({ id: permit.id, validUntil: permit.validUntil, releasesDeleted });
  }
  return out;
}
