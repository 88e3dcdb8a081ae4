import type { Selectable } from "kysely";
import type { ControlStore } from "../store/control-store.js";
import type { JobsTable } from "../store/schema.js";
import type { Job, JobStatus } from "./job.js";

export function jobFromRow(r: Selectable<JobsTable>): Job {
  return {
    id: Number(r.id),
    kind: r.kind,
    params: JSON.parse(r.params),
    reason: r.reason,
    status: r.status,
    requestedBy: r.requested_by,
    requestedRole: r.requested_role,
    createdAt: r.created_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    attempts: Number(r.attempts),
    progress: r.progress === null ? null : JSON.parse(r.progress),
    result: r.result === null ? null : JSON.parse(r.result),
    error: r.error,
  };
}

export async function readJob(store: ControlStore, id: number): Promise<Job | undefined> {
  const row = await store.db.selectFrom("jobs").selectAll().where("id", "=", id).executeTakeFirst();
  return row ? jobFromRow(row) : undefined;
}

export async function listJobRows(
  store: ControlStore,
  filter: { requestedBy?: string; status?: JobStatus; limit?: number },
): Promise<Job[]> {
  let q = store.db.selectFrom("jobs").selectAll().orderBy("id", "desc");
  if (filter.requestedBy) q = q.where("requested_by", "=", filter.requestedBy);
  if (filter.status) q = q.where("status", "=", filter.status);
  const rows = await q.limit(filter.limit ?? 100).execute();
  return rows.map(jobFromRow);
}

/** The oldest queued job, claimed as running in one statement so two runners cannot both take it. */
export async function claimNextJob(store: ControlStore, now: string): Promise<Job | undefined> {
  for (;;) {
    const next = await store.db
      .selectFrom("jobs")
      .select("id")
      .where("status", "=", "queued")
      .orderBy("id")
      .limit(1)
      .executeTakeFirst();
    if (!next) return undefined;
    const claimed = await store.db
      .updateTable("jobs")
      .set((eb) => ({ status: "running", started_at: now, attempts: eb("attempts", "+", 1) }))
      .where("id", "=", next.id)
      .where("status", "=", "queued")
      .executeTakeFirst();
    if (Number(claimed.numUpdatedRows) === 1) return readJob(store, Number(next.id));
  }
}

export async function finishJob(
  store: ControlStore,
  id: number,
  outcome: { status: Exclude<JobStatus, "queued" | "running">; result?: unknown; error?: string },
): Promise<void> {
  await store.db
    .updateTable("jobs")
    .set({
      status: outcome.status,
      finished_at: new Date().toISOString(),
      result: outcome.result === undefined ? null : JSON.stringify(outcome.result),
      error: outcome.error ?? null,
    })
    .where("id", "=", id)
    .execute();
}

export async function saveProgress(store: ControlStore, id: number, value: unknown): Promise<void> {
  await store.db
    .updateTable("jobs")
    .set({ progress: JSON.stringify(value) })
    .where("id", "=", id)
    .where("status", "=", "running")
    .execute();
}

export async function runningJobs(store: ControlStore): Promise<Job[]> {
  const rows = await store.db
    .selectFrom("jobs")
    .selectAll()
    .where("status", "=", "running")
    .execute();
  return rows.map(jobFromRow);
}

export async function queueDepth(store: ControlStore): Promise<number> {
  const r = await store.db
    .selectFrom("jobs")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("status", "=", "queued")
    .executeTakeFirst();
  return Number(r?.n ?? 0);
}
