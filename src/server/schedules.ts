import { existsSync, mkdirSync, readdirSync, renameSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { Cron } from "croner";
import { isAllowed } from "../auth/permissions.js";
import { resolveActor } from "../auth/users.js";
import type { Home } from "../home/home.js";
import type { Job } from "../jobs/job.js";
import type { JobRunner } from "../jobs/runner.js";
import { inboxDir } from "../lake/host.js";
import { ConfigError } from "../shared/errors.js";
import type { ControlStore } from "../store/control-store.js";

/** Where a source's exports go once loaded, inside its inbox folder. */
export const LOADED = ".loaded";
/** An export still being copied waits this long after its last change. */
const QUIET_MS = 30_000;

export interface ScheduleEvents {
  /**
   * A scheduled load failed: the lake is as it was; the export stays in the inbox. `job` is the
   * failed job, absent when the load was refused before it was queued (an export that is not one).
   */
  onFailure(source: string, failure: { job?: Job; error: string }): void;
  onLoaded?(source: string, job: Job): void;
  onFetched?(source: string, job: Job): void;
}

/**
 * Scheduled loads: at each configured time, every complete export in `<home>/inbox/<source>/`
 * is loaded as a job, in name order, as the schedule's steward; a loaded export moves to
 * `.loaded/`. Folders whose names start with a dot are ignored, so a sender copies into
 * `.incoming-x` and renames when done; a folder changed in the last 30 s waits for the next run.
 * A schedule with `fetch` first runs a fetch job of the source into that inbox.
 */
export async function startSchedules(
  home: Home,
  store: ControlStore,
  jobs: JobRunner,
  events: ScheduleEvents,
  options: { quietMs?: number } = {},
): Promise<{ stop(): void; runNow(source: string): Promise<Job[]> }> {
  const quietMs = options.quietMs ?? QUIET_MS;
  const schedules = home.config.server.schedules;
  for (const s of schedules) {
    const actor = await resolveActor(store, s.user);
    if (!isAllowed(actor.role, "ingest.run"))
      throw new ConfigError(
        `The schedule for ${s.source} runs as ${s.user}, who may not load data (${actor.role}).`,
        "Name a steward account in server.schedules[].user.",
      );
    if (s.fetch) {
      if (!isAllowed(actor.role, "fetch.run"))
        throw new ConfigError(
          `The schedule for ${s.source} fetches as ${s.user}, who may not fetch (${actor.role}).`,
          "Name a steward account in server.schedules[].user.",
        );
      if (!home.config.fetch.sources[s.source])
        throw new ConfigError(
          `The schedule for ${s.source} fetches, but fetch.sources has no source ${s.source}.`,
          "Configure the Bulk Data source under fetch.sources with the schedule's source name, or drop fetch from the schedule.",
        );
      const folder = home.config.fetch.sources[s.source]?.folder;
      if (folder && resolve(home.dir, folder) !== join(inboxDir(home), s.source))
        throw new ConfigError(
          `The schedule for ${s.source} fetches into ${folder}, which it does not load from.`,
          `Drop fetch.sources.${s.source}.folder, so that the export lands in inbox/${s.source}.`,
        );
    }
    mkdirSync(join(inboxDir(home), s.source), { recursive: true, mode: 0o700 });
  }
  const running = new Set<string>();
  const runNow = async (source: string): Promise<Job[]> => {
    const s = schedules.find((x) => x.source === source);
    if (!s || running.has(source)) return [];
    running.add(source);
    const done: Job[] = [];
    try {
      const actor = await resolveActor(store, s.user);
      if (s.fetch) {
        const job = await jobs.submit(actor, "fetch", { source }, `scheduled fetch (${s.cron})`);
        const fetched = await jobs.waitFor(job.id);
        // A failed fetch still lets exports fetched before it load.
        if (fetched.status !== "done")
          events.onFailure(source, { job: fetched, error: fetched.error ?? "fetch failed" });
        else events.onFetched?.(source, fetched);
      }
      // A fetched export is complete when renamed into place: it need not wait for quiet.
      for (const name of readyExports(join(inboxDir(home), source), s.fetch ? 0 : quietMs)) {
        const job = await jobs.submit(
          actor,
          "ingest",
          { path: `${source}/${name}`, source },
          `scheduled load (${s.cron})`,
        );
        const finished = await jobs.waitFor(job.id);
        done.push(finished);
        if (finished.status === "done") {
          const loaded = join(inboxDir(home), source, LOADED);
          mkdirSync(loaded, { recursive: true, mode: 0o700 });
          renameSync(join(inboxDir(home), source, name), join(loaded, name));
          events.onLoaded?.(source, finished);
        } else {
          // Later exports build on this one: stop until it is fixed.
          events.onFailure(source, { job: finished, error: finished.error ?? "failed" });
          break;
        }
      }
    } catch (error) {
      events.onFailure(source, { error: error instanceof Error ? error.message : String(error) });
    } finally {
      running.delete(source);
    }
    return done;
  };
  const crons = schedules.map(
    (s) => new Cron(s.cron, { timezone: "UTC", protect: true }, () => void runNow(s.source)),
  );
  return {
    stop: () => {
      for (const c of crons) c.stop();
    },
    runNow,
  };
}

/** Export folders ready to load, oldest name first. */
function readyExports(dir: string, quietMs: number): string[] {
  if (!existsSync(dir)) return [];
  const now = Date.now();
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith("."))
    .filter((d) => now - latestChange(join(dir, d.name)) >= quietMs)
    .map((d) => d.name)
    .sort();
}

function latestChange(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let latest = st.mtimeMs;
  for (const entry of readdirSync(path)) latest = Math.max(latest, latestChange(join(path, entry)));
  return latest;
}
