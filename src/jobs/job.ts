import type { z } from "zod";
import type { Permission } from "../auth/permissions.js";
import type { Actor } from "../auth/roles.js";
import type { Home } from "../home/home.js";
import type { ControlStore } from "../store/control-store.js";

export const JOB_STATUSES = ["queued", "running", "done", "failed", "cancelled"] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** A job as its requester and the API see it. Parameters and results hold no identifiers. */
export interface Job {
  id: number;
  kind: string;
  params: unknown;
  reason: string;
  status: JobStatus;
  requestedBy: string;
  requestedRole: string;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  attempts: number;
  progress: unknown;
  result: unknown;
  error: string | null;
}

export interface JobContext {
  home: Home;
  store: ControlStore;
  /** Who asked for the job: the service it runs checks this actor's permission again. */
  actor: Actor;
  /** Aborted when the job is cancelled; statements on the lake are interrupted as well. */
  signal: AbortSignal;
  /** Reports progress (a small JSON object), readable while the job runs. */
  progress(value: unknown): void;
}

/**
 * One kind of job: its parameters' schema, the permission asking needs, the checks that run
 * before it is queued (so a job that cannot run is refused at once), and the work.
 */
export interface JobKind<P = unknown> {
  kind: string;
  description: string;
  params: z.ZodType<P>;
  permission: Permission;
  /**
   * A job cut off by a crash or restart runs again on the next start when this is true: its work
   * is one transaction that either landed or left the lake as it was, and running it again
   * completes it.
   */
  resumable: boolean;
  /**
   * What a user is told when a job of a kind that is not resumable was cut off: what may or may
   * not have landed, and what to check before asking again.
   */
  interrupted?: string;
  check?(ctx: Omit<JobContext, "signal" | "progress">, params: P): Promise<void> | void;
  run(ctx: JobContext, params: P): Promise<unknown>;
}

/** Erases a kind's parameter type so kinds of different types can share one registry. */
export function jobKind<P>(kind: JobKind<P>): JobKind<unknown> {
  return kind as unknown as JobKind<unknown>;
}
