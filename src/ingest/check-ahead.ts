import type { DuckDBConnection } from "@duckdb/node-api";

/** One resource type's checks: a table made first, then parts (a file each) in any order. */
export interface CheckJob {
  /** Makes the job's (empty) table. */
  prepare: (connection: DuckDBConnection) => Promise<void>;
  /** Independent pieces, each with the input bytes it reads: any connection may run any, at once. */
  parts: ReadonlyArray<{ bytes: number; run: (connection: DuckDBConnection) => Promise<void> }>;
  /** Runs once every part is done. */
  finish: (connection: DuckDBConnection) => Promise<void>;
}

type Part = CheckJob["parts"][number];

/** The job whose parts are being run: the parts not yet taken, and the connections' runs. */
interface Running {
  index: number;
  queue: Part[];
  drains: Promise<void>[];
  /** The first part's error, if one failed. */
  failure?: unknown;
}

const bytesOf = (job: CheckJob) => job.parts.reduce((a, p) => a + p.bytes, 0);

/**
 * Runs a load's line checks (one job per resource type) in order on a connection of their own,
 * ahead of the steps that use them: while JavaScript registers people or scrubs notes, DuckDB
 * checks the next types' lines. Jobs are started no more than `aheadBytes` of input past the one
 * waited for, which bounds what the finished check tables hold.
 *
 * While the load waits for a job, `helpers` (more connections) take its parts too: a part reads
 * its file on one thread, so alone the checks would leave the other cores idle while nothing else
 * runs. Helpers join only then, so no more large statements run at once than there are cores:
 * with three on two cores (a load step beside two checks), a 500 k-person export ran out of
 * DuckDB's 1 GB memory limit.
 */
export class CheckAhead {
  #chain: Promise<void> = Promise.resolve();
  readonly #started = new Map<number, Promise<void>>();
  #current: Running = { index: -1, queue: [], drains: [] };
  #waitedFor = -1;
  readonly #idleHelpers: DuckDBConnection[];
  /** Bytes of each connection's running part. */
  readonly #runningBytes = new Map<DuckDBConnection, number>();
  #doneBytes = 0;
  #checked = 0;

  constructor(
    private readonly connection: DuckDBConnection,
    helpers: readonly DuckDBConnection[],
    private readonly jobs: readonly CheckJob[],
    private readonly aheadBytes: number,
  ) {
    this.#idleHelpers = [...helpers];
  }

  /** Waits for job `i`, starting it and the jobs after it that fit in the look-ahead. */
  async ready(i: number): Promise<void> {
    this.start(i);
    let bytes = 0;
    for (let j = i + 1; j < this.jobs.length && bytes < this.aheadBytes; j++) {
      this.start(j);
      bytes += bytesOf(this.jobs[j] as CheckJob);
    }
    this.#waitedFor = i;
    this.callHelpers();
    try {
      await this.#started.get(i);
    } finally {
      this.#waitedFor = -1;
    }
  }

  /**
   * Input bytes checked so far: the parts done, and each running part's share as DuckDB's
   * progress of its statement tells it.
   */
  checkedBytes(): number {
    let running = 0;
    for (const [c, bytes] of this.#runningBytes)
      running += (bytes * Math.min(100, Math.max(0, c.progress.percentage))) / 100;
    // A new statement starts its progress at nothing: never report going back.
    this.#checked = Math.max(this.#checked, this.#doneBytes + running);
    return this.#checked;
  }

  /** Resolves when no job is running, whatever became of them. */
  async settle(): Promise<void> {
    await this.#chain;
  }

  private start(i: number): void {
    const job = this.jobs[i];
    if (!job || this.#started.has(i)) return;
    const run = this.#chain.then(() => this.runJob(i, job));
    run.catch(() => {}); // reported where ready() awaits it
    this.#chain = run.catch(() => {});
    this.#started.set(i, run);
  }

  private async runJob(i: number, job: CheckJob): Promise<void> {
    await job.prepare(this.connection);
    const current: Running = { index: i, queue: [...job.parts], drains: [] };
    this.#current = current;
    current.drains.push(this.drain(this.connection, current));
    this.callHelpers();
    // A helper may join while the others run; all must have stopped before the job ends.
    for (let n = 0; n < current.drains.length; ) {
      n = current.drains.length;
      await Promise.all(current.drains);
    }
    if ("failure" in current) throw current.failure;
    await job.finish(this.connection);
  }

  /** Puts idle helpers to the parts left of the job waited for. */
  private callHelpers(): void {
    const current = this.#current;
    if (current.index !== this.#waitedFor) return;
    while (current.queue.length > 0) {
      const helper = this.#idleHelpers.pop();
      if (!helper) return;
      current.drains.push(
        this.drain(helper, current).finally(() => this.#idleHelpers.push(helper)),
      );
    }
  }

  /**
   * Runs parts of `current` on `c` until none is left. A failure is kept for the job to report
   * and drops the parts not yet taken; the promise itself never rejects.
   */
  private async drain(c: DuckDBConnection, current: Running): Promise<void> {
    for (let part = current.queue.shift(); part; part = current.queue.shift()) {
      this.#runningBytes.set(c, part.bytes);
      try {
        await part.run(c);
      } catch (error) {
        if (!("failure" in current)) current.failure = error;
        current.queue.length = 0;
        return;
      } finally {
        this.#runningBytes.delete(c);
      }
      this.#doneBytes += part.bytes;
    }
  }
}
