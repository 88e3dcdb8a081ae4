import { EventEmitter } from "node:events";
import { appendAudit, auditedWrite } from "../audit/append.js";
import { authorize, isAllowed } from "../auth/permissions.js";
import type { Actor } from "../auth/roles.js";
import { resolveActor } from "../auth/users.js";
import type { Home } from "../home/home.js";
import type { LakeHost } from "../lake/host.js";
import { ForbiddenError, KaivoError, NotFoundError, ValidationError } from "../shared/errors.js";
import type { ControlStore } from "../store/control-store.js";
import type { Job, JobKind, JobStatus } from "./job.js";
import {
  claimNextJob,
  finishJob,
  listJobRows,
  readJob,
  runningJobs,
  saveProgress,
} from "./job-store.js";

/** Attempts after which a resumable job cut off again and again is marked failed instead. */
const MAX_ATTEMPTS = 3;

export interface JobEvent {
  id: number;
  status: JobStatus;
  progress?: unknown;
}

/**
 * Runs the server's jobs one at a time, oldest first, from the jobs table of the control store.
 * Every check happens when a job is asked for (permission, parameters, the kind's own checks), so
 * a queued job is one that can run. A job cut off by a crash is resumed or marked failed at the
 * next start, never left "running".
 */
export class JobRunner {
  private readonly kinds: Map<string, JobKind>;
  private readonly events = new EventEmitter();
  private current: { job: Job; abort: AbortController; stopInterrupting?: () => void } | undefined;
  private wake: (() => void) | undefined;
  private stopping = false;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly home: Home,
    private readonly store: ControlStore,
    private readonly host: LakeHost | undefined,
    kinds: JobKind[],
  ) {
    this.kinds = new Map(kinds.map((k) => [k.kind, k]));
    this.events.setMaxListeners(0);
  }

  kindNames(): string[] {
    return [...this.kinds.keys()];
  }

  /** Resumes or fails the jobs a previous process left running, then starts taking jobs. */
  async start(): Promise<void> {
    for (const job of await runningJobs(this.store)) {
      const kind = this.kinds.get(job.kind);
      const resume = kind?.resumable === true && job.attempts < MAX_ATTEMPTS;
      await auditedWrite(
        this.store,
        { name: "system", role: "system" },
        {
          action: resume ? "job.resumed" : "job.interrupted",
          target: `job:${job.id}`,
          details: { kind: job.kind, attempts: job.attempts },
        },
        async (db) => {
          await db
            .updateTable("jobs")
            .set(
              resume
                ? { status: "queued", started_at: null }
                : {
                    status: "failed",
                    finished_at: new Date().toISOString(),
                    error:
                      kind?.interrupted ??
                      "The server stopped while this job ran, and it was not run again on its own. Check what it did before asking for it again.",
                  },
            )
            .where("id", "=", job.id)
            .where("status", "=", "running")
            .execute();
        },
      );
    }
    this.loop = this.run();
  }

  /** Checks and queues a job; it runs when the jobs before it are done. */
  async submit(actor: Actor, kindName: string, rawParams: unknown, reason: string): Promise<Job> {
    const kind = this.kinds.get(kindName);
    if (!kind)
      throw new ValidationError(
        `There is no job of kind "${kindName}".`,
        `Kinds: ${this.kindNames().join(", ")}.`,
      );
    await authorize(this.store, actor, kind.permission);
    const parsed = kind.params.safeParse(rawParams);
    if (!parsed.success)
      throw new ValidationError(
        `The parameters of a ${kindName} job are not valid: ${parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ")}.`,
      );
    const why = reason.trim();
    if (why.length === 0 || why.length > 500)
      throw new ValidationError("Say why the job is asked for (1 to 500 characters).");
    await kind.check?.({ home: this.home, store: this.store, actor }, parsed.data);
    const { result: id } = await auditedWrite(
      this.store,
      actor,
      { action: "job.submit", target: `job-kind:${kindName}`, details: { kind: kindName } },
      async (db) => {
        const row = await db
          .insertInto("jobs")
          .values({
            kind: kindName,
            params: JSON.stringify(parsed.data),
            reason: why,
            status: "queued",
            requested_by: actor.name,
            requested_role: actor.role,
            created_at: new Date().toISOString(),
          })
          .returning("id")
          .executeTakeFirstOrThrow();
        return Number(row.id);
      },
    );
    this.emit({ id, status: "queued" });
    this.wake?.();
    return this.mustRead(id);
  }

  async get(actor: Actor, id: number): Promise<Job> {
    await authorize(this.store, actor, "job.read");
    const job = await readJob(this.store, id);
    if (!job || !this.maySee(actor, job)) throw new NotFoundError(`There is no job ${id}.`);
    return job;
  }

  async list(actor: Actor, filter: { status?: JobStatus; limit?: number } = {}): Promise<Job[]> {
    await authorize(this.store, actor, "job.read");
    const all = isAllowed(actor.role, "job.read.all");
    return listJobRows(this.store, { ...filter, ...(all ? {} : { requestedBy: actor.name }) });
  }

  /** Cancels a queued job at once, or interrupts a running one (its transaction rolls back). */
  async cancel(actor: Actor, id: number): Promise<Job> {
    const job = await this.get(actor, id);
    if (job.requestedBy !== actor.name && !isAllowed(actor.role, "job.cancel.any")) {
      await appendAudit(this.store, actor, {
        action: "access.denied",
        target: `job:${id}`,
        details: { permission: "job.cancel.any" },
      });
      throw new ForbiddenError(`${actor.name} may not cancel another user's job.`);
    }
    if (job.status === "queued") {
      await auditedWrite(
        this.store,
        actor,
        { action: "job.cancel", target: `job:${id}`, details: { kind: job.kind } },
        (db) =>
          db
            .updateTable("jobs")
            .set({ status: "cancelled", finished_at: new Date().toISOString() })
            .where("id", "=", id)
            .where("status", "=", "queued")
            .execute(),
      );
      this.emit({ id, status: "cancelled" });
    } else if (job.status === "running" && this.current?.job.id === id) {
      await appendAudit(this.store, actor, {
        action: "job.cancel",
        target: `job:${id}`,
        details: { kind: job.kind },
      });
      this.interruptCurrent();
    }
    return this.mustRead(id);
  }

  /** Listens to a job's status and progress; returns the function that stops listening. */
  subscribe(id: number, listener: (event: JobEvent) => void): () => void {
    const name = `job:${id}`;
    this.events.on(name, listener);
    return () => this.events.off(name, listener);
  }

  /** Waits until the job has finished (for tests and the CLI's --wait). */
  async waitFor(id: number): Promise<Job> {
    const done = (s: JobStatus) => s === "done" || s === "failed" || s === "cancelled";
    const job = await this.mustRead(id);
    if (done(job.status)) return job;
    await new Promise<void>((resolve) => {
      const stop = this.subscribe(id, (e) => {
        if (done(e.status)) {
          stop();
          resolve();
        }
      });
      // The event may have fired between the read and the subscription.
      void this.mustRead(id).then((j) => {
        if (done(j.status)) {
          stop();
          resolve();
        }
      });
    });
    return this.mustRead(id);
  }

  get busy(): boolean {
    return this.current !== undefined;
  }

  /** Stops taking jobs; a running job is interrupted and, if resumable, runs again at next start. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    this.interruptCurrent();
    await this.loop;
  }

  /**
   * Aborts the running job and keeps interrupting its statements until it ends: DuckDB interrupts
   * only a statement that is running, and a job also works between statements. Its transaction
   * then rolls back, unless it had already committed (then the job is done).
   */
  private interruptCurrent(): void {
    const current = this.current;
    if (!current || current.abort.signal.aborted) return;
    current.abort.abort();
    const host = this.host;
    if (!host) return;
    const scope = scopeOf(current.job.id);
    host.interrupt(scope);
    const timer = setInterval(() => host.interrupt(scope), 20);
    current.stopInterrupting = () => clearInterval(timer);
  }

  private maySee(actor: Actor, job: Job): boolean {
    return job.requestedBy === actor.name || isAllowed(actor.role, "job.read.all");
  }

  private async mustRead(id: number): Promise<Job> {
    const job = await readJob(this.store, id);
    if (!job) throw new NotFoundError(`There is no job ${id}.`);
    return job;
  }

  private emit(event: JobEvent): void {
    this.events.emit(`job:${event.id}`, event);
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      const job = await claimNextJob(this.store, new Date().toISOString());
      if (!job) {
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          // Another process (a second server on PostgreSQL, a test) may queue jobs too.
          setTimeout(resolve, 1000).unref();
        });
        this.wake = undefined;
        continue;
      }
      await this.runOne(job);
    }
  }

  private async runOne(job: Job): Promise<void> {
    const abort = new AbortController();
    this.current = { job, abort };
    this.emit({ id: job.id, status: "running" });
    const kind = this.kinds.get(job.kind);
    let lastSaved = 0;
    let pending: unknown;
    const progress = (value: unknown) => {
      pending = value;
      this.emit({ id: job.id, status: "running", progress: value });
      const now = Date.now();
      if (now - lastSaved > 1000) {
        lastSaved = now;
        void saveProgress(this.store, job.id, value).catch(() => {});
      }
    };
    try {
      if (!kind) throw new KaivoError(`This server has no job kind "${job.kind}".`);
      const actor = await resolveActor(this.store, job.requestedBy);
      const work = () =>
        kind.run(
          { home: this.home, store: this.store, actor, signal: abort.signal, progress },
          job.params,
        );
      const result = this.host ? await this.host.inScope(scopeOf(job.id), work) : await work();
      if (pending !== undefined) await saveProgress(this.store, job.id, pending);
      await this.finish(job, { status: "done", result });
    } catch (error) {
      if (this.stopping && kind?.resumable) {
        // Cut off by the server stopping: the next start runs it again.
        await this.store.db
          .updateTable("jobs")
          .set({ status: "queued", started_at: null })
          .where("id", "=", job.id)
          .execute();
      } else if (abort.signal.aborted) {
        await this.finish(job, {
          status: "cancelled",
          error: "Cancelled while it ran; nothing of it landed.",
        });
      } else {
        const message =
          error instanceof KaivoError
            ? `${error.message}${error.hint ? ` ${error.hint}` : ""}`
            : "The job failed with an unexpected error (a bug); the server log has the details.";
        if (!(error instanceof KaivoError)) this.onUnexpected?.(job, error);
        await this.finish(job, { status: "failed", error: message });
      }
    } finally {
      this.current?.stopInterrupting?.();
      this.current = undefined;
    }
  }

  /** Where unexpected errors go (the server's log); set by the server. */
  onUnexpected: ((job: Job, error: unknown) => void) | undefined;

  private async finish(
    job: Job,
    outcome: { status: "done" | "failed" | "cancelled"; result?: unknown; error?: string },
  ): Promise<void> {
    await finishJob(this.store, job.id, outcome);
    await appendAudit(
      this.store,
      { name: "system", role: "system" },
      {
        action: `job.${outcome.status}`,
        target: `job:${job.id}`,
        details: { kind: job.kind, by: job.requestedBy },
      },
    );
    this.emit({ id: job.id, status: outcome.status });
  }
}

/** The lake host's scope for a job's connections, so cancelling interrupts them all. */
function scopeOf(id: number): string {
  return `job:${id}`;
}
