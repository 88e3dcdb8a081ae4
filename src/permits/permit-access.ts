import { appendAudit } from "../audit/append.js";
import { PERMISSIONS } from "../auth/permissions.js";
import { containsHetuLike } from "../identity/hetu.js";
import { ForbiddenError, type KaivoError } from "../shared/errors.js";
import type { ControlStore } from "../store/control-store.js";
import { type Ctx, findPermit, noSuchPermit, type Permit } from "./permit.js";
import {
  ACTION_PERMISSION,
  decide,
  type PermitAction,
  type PermitParties,
  type RefusalCode,
} from "./policy.js";

const auditAction = (action: PermitAction) =>
  action === "release" ? "release.create" : `permit.${action}`;

/** The steward who registered an external permit: the actor of its first event. */
async function partiesOf(store: ControlStore, permit: Permit): Promise<PermitParties> {
  let registeredBy: string | null = null;
  if (permit.external) {
    const first = await store.db
      .selectFrom("permit_events")
      .select("actor")
      .where("permit_id", "=", permit.id)
      .where("from_status", "is", null)
      .executeTakeFirst();
    registeredBy = first?.actor ?? null;
  }
  return { ...permit, registeredBy };
}

function refusalError(ctx: Ctx, action: PermitAction, id: string, code: RefusalCode): KaivoError {
  const { name, role } = ctx.actor;
  const permission = ACTION_PERMISSION[action];
  switch (code) {
    case "role":
      return new ForbiddenError(
        `${name} (${role}) may not ${permission}.`,
        `Allowed roles: ${PERMISSIONS[permission].join(", ")}.`,
      );
    case "not-visible":
      return noSuchPermit(id);
    case "not-applicant":
      return new ForbiddenError(
        `Only the permit's applicant ${action === "edit" ? "changes" : "submits"} permit ${id}.`,
      );
    case "named-on-permit":
      return new ForbiddenError(
        `${name} is named on permit ${id} and may not ${action} it (separation of duties).`,
        `Someone with the ${role} role who is not named on the permit must.`,
      );
    case "own-registration":
      return new ForbiddenError(
        `${name} registered permit ${id}; a second steward, not named on it, confirms the registration (separation of duties).`,
      );
  }
}

/** Audits the refusal as `access.denied` (no names, only the reason's code), then throws. */
async function refuse(
  ctx: Ctx,
  action: PermitAction,
  id: string | undefined,
  code: RefusalCode,
): Promise<never> {
  await appendAudit(ctx.store, ctx.actor, {
    action: "access.denied",
    // An id typed by the actor is user input: one shaped like an identity code stays off the log.
    target: id && !containsHetuLike(id) ? `permit:${id}` : null,
    details: { permission: ACTION_PERMISSION[action], action: auditAction(action), reason: code },
  });
  throw refusalError(ctx, action, id ?? "", code);
}

/** For actions on no existing permit (draft, register, expire): the role alone decides. */
export async function enforceRole(ctx: Ctx, action: PermitAction): Promise<void> {
  const decision = decide(ctx.actor, action);
  if (!decision.allowed) await refuse(ctx, action, undefined, decision.code);
}

/**
 * The permit, once the policy allows `action` on it to this actor; otherwise the refusal is
 * audited and thrown. The role is judged before the permit is looked up, and a permit the actor
 * may not see is reported exactly as a missing one, so a refusal tells nothing of what exists.
 */
export async function enforcePermit(ctx: Ctx, action: PermitAction, id: string): Promise<Permit> {
  const byRole = decide(ctx.actor, action);
  if (!byRole.allowed) return refuse(ctx, action, id, byRole.code);
  const permit = await findPermit(ctx.store, id);
  if (!permit) throw noSuchPermit(id);
  const decision = decide(ctx.actor, action, await partiesOf(ctx.store, permit));
  if (!decision.allowed) return refuse(ctx, action, id, decision.code);
  return permit;
}
