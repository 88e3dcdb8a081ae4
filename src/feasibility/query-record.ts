import { sql } from "kysely";
import { appendAudit, auditedWrite } from "../audit/append.js";
import type { AuditEntry } from "../audit/entry.js";
import type { Ctx } from "../cohort/cohort-service.js";
import { seesExactCounts } from "../disclosure/rules.js";
import { KaivoError, RateLimitError } from "../shared/errors.js";

/** What a feasibility query is recorded as before it runs. */
export interface QueryEvent {
  target: string;
  details: Record<string, unknown>;
  /** The application the query is for, whose budget it draws on; null: the researcher's own. */
  application: string | null;
  /** Answers allowed per application, or per researcher outside one; null: no limit. */
  budget: number | null;
}

/**
 * Counts the actor's recent feasibility queries and records this one in the same transaction,
 * under the audit log's append lock: two queries at once cannot both pass a limit that leaves
 * room for one, and a query that later fails has already counted. A refusal is audited too.
 */
export async function recordQuery(ctx: Ctx, event: QueryEvent): Promise<AuditEntry> {
  const limited = !seesExactCounts(ctx.actor.role);
  const limits = ctx.home.config.feasibility;
  let refusal: RateLimitError | undefined;
  try {
    return (
      await auditedWrite(
        ctx.store,
        ctx.actor,
        { action: "feasibility.run", target: event.target, details: event.details as never },
        async (db) => {
          const scope = event.application
            ? `application:${event.application}`
            : `actor:${ctx.actor.name}`;
          // Everyone's queries count towards an application's budget; only researchers are held.
          const use = () =>
            db
              .insertInto("feasibility_budget")
              .values({ scope, used: 1 })
              .onConflict((oc) =>
                oc
                  .column("scope")
                  .doUpdateSet((eb) => ({ used: eb("feasibility_budget.used", "+", 1) })),
              )
              .execute();
          if (!limited) {
            await use();
            return;
          }
          const count = async (ms: number) =>
            Number(
              (
                await db
                  .selectFrom("audit_log")
                  .select(sql<number>`count(*)`.as("n"))
                  .where("actor", "=", ctx.actor.name)
                  .where("action", "=", "feasibility.run")
                  .where("time", ">=", new Date(Date.now() - ms).toISOString())
                  .executeTakeFirst()
              )?.n ?? 0,
            );
          const budget = event.budget;
          const spent = Number(
            (
              await db
                .selectFrom("feasibility_budget")
                .select("used")
                .where("scope", "=", scope)
                .executeTakeFirst()
            )?.used ?? 0,
          );
          if (budget !== null && spent >= budget)
            refusal = new RateLimitError(
              event.application
                ? `Application ${event.application} has used its ${budget} feasibility queries.`
                : `${ctx.actor.name} has used the ${budget} feasibility queries allowed outside an application.`,
              "Every answer tells a little about the people counted, so their number is bounded; ask a data steward, who sees exact figures, or apply for a permit.",
            );
          else if ((await count(60_000)) >= limits.perMinute)
            refusal = new RateLimitError(
              `${ctx.actor.name} has run ${limits.perMinute} feasibility queries in the last minute.`,
              "Wait a minute and try again (the limit guards against differencing small counts).",
            );
          else if ((await count(86_400_000)) >= limits.perDay)
            refusal = new RateLimitError(
              `${ctx.actor.name} has run ${limits.perDay} feasibility queries today.`,
              "Try again tomorrow, or ask a data steward.",
            );
          // Throwing rolls the record back: a refused query does not count.
          if (refusal) throw refusal;
          await use();
        },
      )
    ).entry;
  } catch (error) {
    if (error === refusal && refusal)
      await appendAudit(ctx.store, ctx.actor, {
        action: "feasibility.refused",
        target: event.target,
        details: { reason: refusal.message.includes("has used") ? "budget" : "rate limit" },
      });
    throw error;
  }
}

/** Records how a recorded query ended; the kind of error only, never its text. */
export async function recordOutcome(
  ctx: Ctx,
  query: AuditEntry,
  outcome: { ok: true } | { ok: false; error: unknown },
): Promise<void> {
  await appendAudit(ctx.store, ctx.actor, {
    action: "feasibility.outcome",
    target: query.target,
    details: outcome.ok
      ? { query: query.seq, outcome: "answered" }
      : {
          query: query.seq,
          outcome: outcome.error instanceof KaivoError ? "refused" : "failed",
          error: outcome.error instanceof Error ? outcome.error.name : "unknown",
        },
  });
}

/** What is left of the feasibility limits for the actor, and whether they are near. */
export interface Allowance {
  /** Null: the role is not held to the limits (stewards, reviewers). */
  minute: { used: number; limit: number } | null;
  day: { used: number; limit: number } | null;
  /** The researcher's own budget outside an application; null: no budget. */
  budget: { used: number; limit: number } | null;
  /** Two queries or fewer left under some limit: a live count should not spend them unasked. */
  near: boolean;
}

const NEAR = 2;

/** The actor's feasibility limits as they stand, read without recording anything. */
export async function feasibilityAllowance(
  ctx: Ctx,
  budgetLimit: number | null,
  application: string | null = null,
): Promise<Allowance> {
  if (!isHeld(ctx)) return { minute: null, day: null, budget: null, near: false };
  const limits = ctx.home.config.feasibility;
  const count = async (ms: number) =>
    Number(
      (
        await ctx.store.db
          .selectFrom("audit_log")
          .select(sql<number>`count(*)`.as("n"))
          .where("actor", "=", ctx.actor.name)
          .where("action", "=", "feasibility.run")
          .where("time", ">=", new Date(Date.now() - ms).toISOString())
          .executeTakeFirst()
      )?.n ?? 0,
    );
  const scope = application ? `application:${application}` : `actor:${ctx.actor.name}`;
  const spent = Number(
    (
      await ctx.store.db
        .selectFrom("feasibility_budget")
        .select("used")
        .where("scope", "=", scope)
        .executeTakeFirst()
    )?.used ?? 0,
  );
  const minute = { used: await count(60_000), limit: limits.perMinute };
  const day = { used: await count(86_400_000), limit: limits.perDay };
  const budget = budgetLimit === null ? null : { used: spent, limit: budgetLimit };
  const near = [minute, day, budget].some((l) => l !== null && l.limit - l.used <= NEAR);
  return { minute, day, budget, near };
}

const isHeld = (ctx: Ctx) => !seesExactCounts(ctx.actor.role);
