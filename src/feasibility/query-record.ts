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
          if (!limited) return;
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
          if ((await count(60_000)) >= limits.perMinute)
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
        },
      )
    ).entry;
  } catch (error) {
    if (error === refusal && refusal)
      await appendAudit(ctx.store, ctx.actor, {
        action: "feasibility.refused",
        target: event.target,
        details: { reason: "rate limit" },
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
