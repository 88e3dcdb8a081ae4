import type { DuckDBConnection } from "@duckdb/node-api";

export interface CheckJob {
  /** Input bytes the job reads. */
  bytes: number;
  run: (connections: readonly DuckDBConnection[]) => Promise<void>;
}

/**
 * Runs a load's line checks (one job per resource type) in order on connections of their own,
 * ahead of the steps that use them: while JavaScript registers people or scrubs notes, DuckDB
 * checks the next types' lines. Jobs are started no more than `aheadBytes` of input past the one
 * waited for, which bounds what the finished check tables hold.
 */
export class CheckAhead {
  #chain: Promise<void> = Promise.resolve();
  readonly #started = new Map<number, Promise<void>>();
  #running: number | undefined;
  #doneBytes = 0;
  #checked = 0;

  constructor(
    private readonly connections: readonly DuckDBConnection[],
    private readonly jobs: readonly CheckJob[],
    private readonly aheadBytes: number,
  ) {}

  /** Waits for job `i`, starting it and the jobs after it that fit in the look-ahead. */
  async ready(i: number): Promise<void> {
    this.start(i);
    let bytes = 0;
    for (let j = i + 1; j < this.jobs.length && bytes < this.aheadBytes; j++) {
      this.start(j);
      bytes += this.jobs[j]?.bytes ?? 0;
    }
    await this.#started.get(i);
  }

  /**
   * Input bytes checked so far: the jobs done, and the running one's share as DuckDB's progress
   * of its statements tells it (a connection without one counts as nothing done).
   */
  checkedBytes(): number {
    const running = this.#running === undefined ? undefined : this.jobs[this.#running];
    const percent = this.connections.reduce((a, c) => a + Math.max(0, c.progress.percentage), 0);
    const share = running ? percent / this.connections.length / 100 : 0;
    // A job runs more than one statement, each with its own progress: never report going back.
    this.#checked = Math.max(
      this.#checked,
      this.#doneBytes + (running ? running.bytes * Math.min(1, share) : 0),
    );
    return this.#checked;
  }

  /** Resolves when no job is running, whatever became of them. */
  async settle(): Promise<void> {
    await this.#chain;
  }

  private start(i: number): void {
    const job = this.jobs[i];
    if (!job || this.#started.has(i)) return;
    const run = this.#chain.then(async () => {
      this.#running = i;
      try {
        await job.run(this.connections);
      } finally {
        this.#running = undefined;
        this.#doneBytes += job.bytes;
      }
    });
    run.catch(() => {}); // reported where ready() awaits it
    this.#chain = run.catch(() => {});
    this.#started.set(i, run);
  }
}
