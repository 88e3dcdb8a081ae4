import { auditedWrite } from "../audit/append.js";
import { ConflictError, ValidationError } from "../shared/errors.js";
import type { PermitsTable } from "../store/schema.js";
import { type Ctx, getPermit, type Permit, type PermitStatus } from "./permit.js";

export function requireReason(reason: string): void {
  if (!reason.trim())
    throw new ValidationError("Give a reason (--reason): it goes on the permit's record.");
}

/**
 * The status change, its history event and its audit entry, in one transaction; refused if the
 * permit changed since it was checked.
 */
export async function recordTransition(
  ctx: Ctx,
  permit: Permit,
  action: string,
  to: PermitStatus,
  reason: string,
  change: Partial<PermitsTable> = {},
  extra: Record<string, string | number | boolean> = {},
): Promise<Permit> {
  const now = new Date().toISOString();
  await auditedWrite(
    ctx.store,
    ctx.actor,
    {
      action,
      target: `permit:${permit.id}`,
      details: { from: permit.status, to, reason, ...extra },
    },
    async (db) => {
      const updated = await db
        .updateTable("permits")
        .set({ ...change, status: to, updated_at: now })
        .where("id", "=", permit.id)
        .where("status", "=", permit.status)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) !== 1)
        throw new ConflictError(`Permit ${permit.id} changed meanwhile; try again.`);
      await db
        .insertInto("permit_events")
        .values({
          permit_id: permit.id,
          at: now,
          from_status: permit.status,
          to_status: to,
          actor: ctx.actor.name,
          reason,
        })
        .execute();
    },
  );
  return getPermit(ctx.store, permit.id);
}
