import type { Command } from "commander";
import type { Actor } from "../../auth/roles.js";
import type { LoadProgress } from "../../ingest/fhir-ingest.js";
import type { Job, JobStatus } from "../../jobs/job.js";
import { JOB_STATUSES } from "../../jobs/job.js";
import { JOB_KINDS } from "../../jobs/kinds.js";
import { JobRunner } from "../../jobs/runner.js";
import { ConflictError, ValidationError } from "../../shared/errors.js";
import { printable } from "../../shared/printable.js";
import type { CliContext } from "../context.js";
import { printJson, printLine } from "../context.js";
import { EXIT } from "../exit-codes.js";
import { LoadBars } from "../load-bars.js";
import { either } from "../mode.js";
import type { RemoteApi } from "../remote/client.js";

const out = printLine;
const FINISHED: ReadonlySet<string> = new Set(["done", "failed", "cancelled"]);
export const isFinished = (status: string) => FINISHED.has(status);

/** Direct mode reads the jobs table; only the server runs (or interrupts) jobs. */
const runnerOf = (ctx: CliContext) => new JobRunner(ctx.home, ctx.store, undefined, JOB_KINDS);

function jobId(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new ValidationError("A job id is a whole number from 1.");
  return n;
}

function isLoadProgress(p: unknown): p is LoadProgress {
  const v = p as Partial<LoadProgress> | null;
  return typeof v?.label === "string" && typeof v.totalBytes === "number";
}

const mb = (bytes: number) => (bytes / 1e6).toFixed(1);

/** One line of a job's progress: an ingest's bytes and records, else its JSON. */
export function progressLine(job: { id: number; kind?: string }, progress: unknown): string {
  if (isLoadProgress(progress))
    return `job ${job.id}: ${progress.label} checked ${mb(progress.checkedBytes)}/${mb(progress.totalBytes)} MB, loaded ${mb(progress.loadedBytes)} MB, ${progress.records} records, ${progress.doing}`;
  return `job ${job.id}: ${JSON.stringify(progress).slice(0, 300)}`;
}

interface LoadSummary {
  loadId: number;
  source: string;
  alreadyLoaded?: boolean;
  read: number;
  inserted: number;
  updated: number;
  unchanged: number;
  deleted: number;
  quarantined: number;
}

function printResult(job: Job): void {
  const loads = (job.result as { loads?: LoadSummary[] } | null)?.loads;
  if (job.kind === "ingest" && Array.isArray(loads)) {
    for (const l of loads)
      out(
        l.alreadyLoaded
          ? `  load ${l.loadId} (${l.source}): already loaded; nothing changed`
          : `  load ${l.loadId} (${l.source}): read ${l.read}, inserted ${l.inserted}, updated ${l.updated}, unchanged ${l.unchanged}, deleted ${l.deleted}, quarantined ${l.quarantined}`,
      );
    return;
  }
  if (job.result !== null && job.result !== undefined)
    out(`  result: ${JSON.stringify(job.result)}`);
}

export function printJobLine(j: Job): void {
  out(
    `${String(j.id).padStart(5)}  ${j.kind.padEnd(15)}${j.status.padEnd(10)}${j.requestedBy.padEnd(14)}${j.createdAt}  ${j.reason}`,
  );
}

export function printJob(j: Job): void {
  out(`job ${j.id}: ${j.kind}, ${j.status}`);
  out(`  asked by ${j.requestedBy} (${j.requestedRole}) at ${j.createdAt}: ${j.reason}`);
  out(`  params: ${JSON.stringify(j.params)}`);
  if (j.startedAt)
    out(`  started ${j.startedAt}${j.attempts > 1 ? ` (attempt ${j.attempts})` : ""}`);
  if (j.finishedAt) out(`  finished ${j.finishedAt}`);
  if (j.status === "running" && j.progress !== null && j.progress !== undefined)
    out(`  ${progressLine(j, j.progress)}`);
  if (j.error) out(`  error: ${j.error}`);
  printResult(j);
}

/**
 * Prints progress to standard error: an ingest's two bars on a terminal (as in direct mode),
 * else a line on each change of step, and otherwise at most once a second.
 */
class ProgressLines {
  #last = 0;
  #doing: string | undefined;
  #status: string | undefined;
  #bars = process.stderr.isTTY ? new LoadBars() : undefined;

  constructor(private readonly job: { id: number; kind?: string }) {}

  status(status: string): void {
    if (status === this.#status) return;
    this.#status = status;
    this.#bars?.stop();
    process.stderr.write(`${printable(`job ${this.job.id}: ${status}`)}\n`);
  }

  /** Ends the bars (and gives the terminal its cursor back). */
  stop(): void {
    this.#bars?.stop();
  }

  progress(p: unknown): void {
    if (this.#bars && isLoadProgress(p)) {
      this.#bars.update(p);
      return;
    }
    const doing = isLoadProgress(p) ? `${p.label} ${p.doing}` : undefined;
    const now = Date.now();
    if (doing === this.#doing && now - this.#last < 1000) return;
    this.#doing = doing;
    this.#last = now;
    process.stderr.write(`${printable(progressLine(this.job, p))}\n`);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Follows a job on the server until it finishes: its event stream, with a look at the job every
 * few seconds besides (a job that ends as the stream opens sends nothing more), and a new stream
 * when one breaks.
 */
async function followRemote(api: RemoteApi, id: number, lines: ProgressLines): Promise<Job> {
  for (;;) {
    const abort = new AbortController();
    let finished: Job | undefined;
    const poll = setInterval(() => {
      api
        .get<Job>(`/api/jobs/${id}`)
        .then((j) => {
          if (isFinished(j.status)) {
            finished = j;
            abort.abort();
          }
        })
        .catch(() => undefined);
    }, 5000);
    try {
      for await (const e of api.events(`/api/jobs/${id}/events`, abort.signal)) {
        const data = JSON.parse(e.data) as { status: JobStatus; progress?: unknown };
        if (e.event === "progress" && data.progress !== undefined) lines.progress(data.progress);
        else lines.status(data.status);
        if (isFinished(data.status)) break;
      }
    } catch (error) {
      if (!abort.signal.aborted) throw error;
    } finally {
      clearInterval(poll);
      abort.abort();
    }
    const job = finished ?? (await api.get<Job>(`/api/jobs/${id}`));
    if (isFinished(job.status)) return job;
    await sleep(1000);
  }
}

/** Direct mode has no event stream: the jobs table, once a second. */
async function followDirect(
  ctx: CliContext & { actor: Actor },
  id: number,
  lines: ProgressLines,
): Promise<Job> {
  const runner = runnerOf(ctx);
  let lastProgress: string | undefined;
  for (;;) {
    const job = await runner.get(ctx.actor, id);
    lines.status(job.status);
    const p = JSON.stringify(job.progress);
    if (job.status === "running" && job.progress != null && p !== lastProgress) {
      lastProgress = p;
      lines.progress(job.progress);
    }
    if (isFinished(job.status)) return job;
    await sleep(1000);
  }
}

/**
 * Follows a job to its end and shows it; the exit code is 0 when it is done, 1 when it failed or
 * was cancelled.
 */
export async function watchJob(
  command: Command,
  id: number,
  o: { json?: boolean; kind?: string },
  remote?: RemoteApi,
): Promise<Job> {
  const lines = new ProgressLines({ id, ...(o.kind ? { kind: o.kind } : {}) });
  // Ctrl-C stops watching, not the job: say how to pick it up again or stop it.
  const onInterrupt = () => {
    lines.stop();
    process.stderr.write(
      `\njob ${id} goes on; \`kaivo job watch ${id}\` follows it again, \`kaivo job cancel ${id}\` stops it.\n`,
    );
    process.exit(130);
  };
  process.once("SIGINT", onInterrupt);
  let job: Job;
  try {
    job = remote
      ? await followRemote(remote, id, lines)
      : await either(command, {
          direct: (ctx) => followDirect(ctx, id, lines),
          remote: (api) => followRemote(api, id, lines),
        });
  } finally {
    process.off("SIGINT", onInterrupt);
    lines.stop();
  }
  if (o.json) printJson(job);
  else printJob(job);
  if (job.status !== "done") process.exitCode = EXIT.error;
  return job;
}

/** What the commands that become jobs on the server take besides their own options. */
export interface JobOptions {
  reason?: string;
  wait: boolean;
  json?: boolean;
}

/** Adds --reason and --no-wait, which matter when the command runs through the server. */
export function jobOptions(command: Command, what: string): Command {
  return command
    .option(
      "--reason <text>",
      `why ${what} is asked for (kept with the job; needed through the server)`,
    )
    .option(
      "--no-wait",
      "through the server: queue the job and return (`kaivo job watch ID` follows it)",
    );
}

/**
 * Through the server, a command that writes the lake is a job: asked for with a reason, then
 * followed like `kaivo job watch` unless --no-wait.
 */
export async function submitJob(
  command: Command,
  api: RemoteApi,
  request: { path: string; body: Record<string, unknown>; kind: string; what: string },
  o: JobOptions,
): Promise<void> {
  if (!o.reason?.trim())
    throw new ValidationError(
      `Say why ${request.what} is asked for: --reason TEXT.`,
      "Through the server this is a job, and a job keeps its reason.",
    );
  const job = await api.post<Job>(request.path, { ...request.body, reason: o.reason });
  if (!o.wait) {
    if (o.json) return printJson(job);
    out(`job ${job.id}: ${request.what}, ${job.status}`);
    return;
  }
  process.stderr.write(`${printable(`job ${job.id}: ${request.what}`)}\n`);
  await watchJob(command, job.id, { kind: request.kind, ...(o.json ? { json: true } : {}) }, api);
}

function statusOption(value: string): JobStatus {
  if (!(JOB_STATUSES as readonly string[]).includes(value))
    throw new ValidationError(`--status is one of ${JOB_STATUSES.join(", ")}.`);
  return value as JobStatus;
}

export function registerJob(program: Command): void {
  const job = program
    .command("job")
    .description("the server's jobs (loads, releases, cohort runs): list, show, cancel, watch");
  job
    .command("list")
    .description("jobs, newest first: your own; stewards, auditors and admins see all")
    .option(
      "--status <status>",
      `only jobs in this state (${JOB_STATUSES.join(", ")})`,
      statusOption,
    )
    .option("--limit <n>", "at most this many (default 100)", jobId)
    .option("--json", "print JSON")
    .action(async (o: { status?: JobStatus; limit?: number; json?: boolean }, command: Command) => {
      const filter = {
        ...(o.status ? { status: o.status } : {}),
        ...(o.limit ? { limit: o.limit } : {}),
      };
      const jobs = await either(command, {
        direct: (ctx) => runnerOf(ctx).list(ctx.actor, filter),
        remote: async (api) => (await api.get<{ jobs: Job[] }>("/api/jobs", filter)).jobs,
      });
      if (o.json) return printJson(jobs);
      if (jobs.length === 0) out("no jobs");
      for (const j of jobs) printJobLine(j);
    });
  job
    .command("show <id>")
    .description("one job: status, progress, result or error")
    .option("--json", "print JSON")
    .action(async (id: string, o: { json?: boolean }, command: Command) => {
      const n = jobId(id);
      const j = await either(command, {
        direct: (ctx) => runnerOf(ctx).get(ctx.actor, n),
        remote: (api) => api.get<Job>(`/api/jobs/${n}`),
      });
      if (o.json) printJson(j);
      else printJob(j);
    });
  job
    .command("cancel <id>")
    .description("cancel a queued job, or interrupt a running one (nothing of it lands)")
    .option("--json", "print JSON")
    .action(async (id: string, o: { json?: boolean }, command: Command) => {
      const n = jobId(id);
      const j = await either(command, {
        direct: async (ctx) => {
          const runner = runnerOf(ctx);
          const current = await runner.get(ctx.actor, n);
          // Only the process that runs a job can interrupt it.
          if (current.status === "running")
            throw new ConflictError(
              `Job ${n} is running in the server; direct mode cannot interrupt it.`,
              `Cancel it through the server: \`kaivo login --server URL\`, then \`kaivo job cancel ${n}\`.`,
            );
          return runner.cancel(ctx.actor, n);
        },
        remote: (api) => api.post<Job>(`/api/jobs/${n}/cancel`),
      });
      if (o.json) return printJson(j);
      out(
        isFinished(j.status)
          ? `job ${j.id}: ${j.status}`
          : `job ${j.id}: ${j.status}; cancelling (\`kaivo job watch ${j.id}\` follows it)`,
      );
    });
  job
    .command("watch <id>")
    .description("follow a job until it ends; exits 0 when done, 1 when it failed or was cancelled")
    .option("--json", "print the finished job as JSON")
    .action(async (id: string, o: { json?: boolean }, command: Command) => {
      await watchJob(command, jobId(id), o);
    });
}
