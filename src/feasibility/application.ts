import type { Ctx } from "../cohort/cohort-service.js";
import { seesExactCounts } from "../disclosure/rules.js";
import { findPermit, noSuchPermit } from "../permits/permit.js";

/**
 * A feasibility query made for an application (a permit, applied for or granted) shares that
 * application's ledger and budget with its team. Only its applicant, principal investigator and
 * team may ask for it; anyone else is told it does not exist, as for any permit they may not see.
 */
export async function checkApplication(ctx: Ctx, id: string): Promise<void> {
  const permit = await findPermit(ctx.store, id);
  const name = ctx.actor.name;
  const member =
    permit &&
    (permit.applicant === name ||
      permit.principalInvestigator === name ||
      permit.team.includes(name));
  if (!permit || (!member && !seesExactCounts(ctx.actor.role))) throw noSuchPermit(id);
}
