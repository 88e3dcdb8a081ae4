import { createHash } from "node:crypto";
import {
  closeSync,
  createReadStream,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { basename, join, relative, resolve } from "node:path";
import { createInterface } from "node:readline";
import { createGunzip } from "node:zlib";
import { appendAudit } from "../audit/append.js";
import { authorize } from "../auth/permissions.js";
import type { Actor } from "../auth/roles.js";
import type { FetchSourceConfig } from "../home/config.js";
import type { Home } from "../home/home.js";
import type { LoadProgress } from "../ingest/fhir-ingest.js";
import { ingest } from "../ingest/ingest-service.js";
import type { LoadReport } from "../ingest/report.js";
import { ConflictError, NotFoundError } from "../shared/errors.js";
import type { ControlStore } from "../store/control-store.js";
import {
  BulkClient,
  BulkExportError,
  type BulkManifest,
  ExportGoneError,
  type FetchProgress,
} from "./bulk-client.js";
import { type DownloadResult, downloadFile, LinkExpiredError } from "./download.js";
import { SmartTokenClient } from "./smart-auth.js";

export interface FetchCtx {
  home: Home;
  store: ControlStore;
  actor: Actor;
}

export interface FetchOptions {
  /** A full export: no `_since`, whatever the last fetch was. */
  full?: boolean;
  /** Load the fetched export into the lake afterwards (`kaivo ingest` of its folder). */
  load?: boolean;
  onProgress?: (p: FetchProgress) => void;
  onLoadProgress?: (p: LoadProgress) => void;
  signal?: AbortSignal;
  /** The backoff's first delay when the server gives no Retry-After (tests shorten it). */
  baseDelayMs?: number;
}

export interface FetchedFile {
  type: string;
  /** The file's name in the export folder. */
  file: string;
  bytes: number;
  sha256: string;
  /** Resources in the file: the server's count, else the file's lines. */
  count?: number;
}

export interface FetchReport {
  source: string;
  /** The export's folder, ready for `kaivo ingest`. */
  folder: string;
  transactionTime: string;
  /** The `_since` sent (null: a full export). */
  since: string | null;
  /** An export kicked off by an earlier fetch that was cut off, picked up again. */
  resumed: boolean;
  output: FetchedFile[];
  deleted: FetchedFile[];
  /** The error manifest: files, and OperationOutcome issues counted by issue code (never their text). */
  errors: { files: number; issues: Record<string, number> };
  /** Download attempts beyond the first, bytes resumed by Range, manifests asked for again for expired links. */
  retries: number;
  resumedBytes: number;
  renewedLinks: number;
  loads?: LoadReport[];
}

/**
 * `kaivo fetch SOURCE`: a FHIR Bulk Data export of a configured source into its folder under the
 * home (inbox/SOURCE by default), in the shape `kaivo ingest` reads. Stewards only; audited.
 *
 * The export is kicked off with `_since` the last complete export's transactionTime (kept per
 * source in the control store), polled to completion, and every file streamed to disk with
 * retries and resumption. The export is written in `.incoming-*` (ignored by scheduled loads) and
 * renamed into place only when every file is whole, with its checksums in manifest.json. A fetch
 * cut off (crash, Ctrl-C) resumes the same export next time, partial files by Range.
 */
export async function fetchSource(
  ctx: FetchCtx,
  name: string,
  options: FetchOptions = {},
): Promise<FetchReport> {
  await authorize(ctx.store, ctx.actor, "fetch.run");
  if (options.load) await authorize(ctx.store, ctx.actor, "ingest.run");
  const sources = ctx.home.config.fetch.sources;
  const source = sources[name];
  if (!source)
    throw new NotFoundError(
      `No Bulk Data source "${name}" in the configuration.`,
      Object.keys(sources).length > 0
        ? `Configured: ${Object.keys(sources).join(", ")}.`
        : "Add one under fetch.sources in kaivo.json (docs/configuration.md).",
    );
  const folder = resolve(ctx.home.dir, source.folder ?? join("inbox", name));
  mkdirSync(folder, { recursive: true, mode: 0o700 });
  const unlock = lockFolder(folder, name);
  let report: FetchReport;
  try {
    report = await fetchInto(ctx, name, source, folder, options);
  } catch (error) {
    await appendAudit(ctx.store, ctx.actor, {
      action: "fetch.failed",
      target: `source:${name}`,
      details: {
        source: name,
        error: error instanceof Error ? error.name : "Error",
        cancelledHere: options.signal?.aborted === true,
      },
    });
    throw error;
  } finally {
    unlock();
  }
  if (options.load)
    report.loads = await ingest(ctx, report.folder, {
      source: name,
      ...(options.onLoadProgress ? { onProgress: options.onLoadProgress } : {}),
    });
  return report;
}

async function fetchInto(
  ctx: FetchCtx,
  name: string,
  source: FetchSourceConfig,
  folder: string,
  options: FetchOptions,
): Promise<FetchReport> {
  const token = source.auth
    ? new SmartTokenClient({ ...source.auth, keyFile: resolve(ctx.home.dir, source.auth.keyFile) })
    : undefined;
  const client = new BulkClient(source, token, {
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...(options.baseDelayMs !== undefined ? { baseDelayMs: options.baseDelayMs } : {}),
  });
  const state = await ctx.store.db
    .selectFrom("fetch_state")
    .selectAll()
    .where("source", "=", name)
    .executeTakeFirst();

  let since = options.full ? null : (state?.since ?? null);
  let statusUrl: string;
  let resumed = false;
  let manifest: BulkManifest;
  if (state?.pending_status_url && !options.full) {
    resumed = true;
    statusUrl = state.pending_status_url;
    since = state.pending_since;
    options.onProgress?.({ phase: "kick-off", since, resumed: true });
    try {
      manifest = await client.waitForManifest(statusUrl);
    } catch (error) {
      if (!(error instanceof ExportGoneError)) throw error;
      // The export cut off last time is gone: ask for a new one.
      rmSync(incomingFolder(folder, statusUrl), { recursive: true, force: true });
      await setPending(ctx.store, name, null, null);
      resumed = false;
      since = state.since;
      statusUrl = await kickOff(ctx.store, client, name, since, options);
      manifest = await waitOrForget(ctx.store, client, name, statusUrl);
    }
  } else {
    // A full export asked for while another was pending: the server may drop the other.
    if (state?.pending_status_url) {
      await client.cancel(state.pending_status_url);
      rmSync(incomingFolder(folder, state.pending_status_url), { recursive: true, force: true });
    }
    statusUrl = await kickOff(ctx.store, client, name, since, options);
    manifest = await waitOrForget(ctx.store, client, name, statusUrl);
  }

  const work = incomingFolder(folder, statusUrl);
  mkdirSync(join(work, "errors"), { recursive: true, mode: 0o700 });
  const counters = { retries: 0, resumedBytes: 0, renewedLinks: 0 };
  const lists = ["output", "deleted", "error"] as const;
  const fetched: Record<(typeof lists)[number], FetchedFile[]> = {
    output: [],
    deleted: [],
    error: [],
  };
  const total = lists.reduce((n, l) => n + (manifest[l]?.length ?? 0), 0);
  let done = 0;
  // The access token goes to the server's own origins only, and those configured.
  const tokenOrigins = new Set([
    new URL(source.baseUrl).origin,
    new URL(statusUrl).origin,
    ...source.fileOrigins.map((o) => new URL(o).origin),
  ]);
  // The manifest whose links are used: replaced by a fresh one when links expire.
  let current = manifest;
  for (const list of lists) {
    const perType = new Map<string, number>();
    const entries = manifest[list] ?? [];
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i] as BulkManifest["output"][number];
      const link = current[list]?.[i];
      if (!link || link.type !== entry.type)
        throw new BulkExportError(
          "The export's manifest changed while its files were downloaded.",
          "Fetch again.",
        );
      const n = (perType.get(entry.type) ?? 0) + 1;
      perType.set(entry.type, n);
      const stem =
        list === "output"
          ? `${entry.type}-${n}`
          : list === "deleted"
            ? `deleted-${entry.type}-${n}`
            : join("errors", `${entry.type}-${n}`);
      const target = join(work, stem);
      let result = await alreadyComplete(target);
      let url = link.url;
      while (!result) {
        try {
          result = await downloadFile({
            url,
            target,
            tokenOrigins,
            ...(manifest.requiresAccessToken
              ? { token: () => client.fileToken(), forgetToken: () => client.forgetToken() }
              : {}),
            retries: source.retries,
            baseDelayMs: options.baseDelayMs ?? 1000,
            capMs: source.pollMaxSeconds * 1000,
            ...(options.signal ? { signal: options.signal } : {}),
            onBytes: (bytes) =>
              options.onProgress?.({
                phase: "download",
                file: basename(stem),
                bytes,
                files: done,
                of: total,
              }),
            onRetry: (reason, inSeconds) =>
              options.onProgress?.({
                phase: "retry",
                what: `download of ${basename(stem)}`,
                reason,
                inSeconds,
              }),
          });
        } catch (error) {
          if (!(error instanceof LinkExpiredError)) throw error;
          // Links expire before the export does: the status URL gives the manifest with new ones.
          if (++counters.renewedLinks > source.retries * Math.max(1, total))
            throw new BulkExportError(
              `The file links of the export keep expiring (${error.message}).`,
              "Fetch again; if it happens again, ask the server's administrators.",
            );
          const fresh = await client.waitForManifest(statusUrl);
          const again = fresh[list]?.[i];
          if (!again || again.type !== entry.type)
            throw new BulkExportError(
              "The export's manifest changed while its files were downloaded.",
              "Fetch again.",
            );
          url = again.url;
          current = fresh;
        }
      }
      counters.retries += result.attempts - 1;
      counters.resumedBytes += result.resumedBytes;
      done++;
      const count =
        entry.count ?? (list === "error" ? undefined : await countLines(result.file, result.gzip));
      fetched[list].push({
        type: entry.type,
        file: relative(work, result.file),
        bytes: result.bytes,
        sha256: result.sha256,
        ...(count !== undefined ? { count } : {}),
      });
    }
  }
  const issues: Record<string, number> = {};
  for (const f of fetched.error) await countIssues(join(work, f.file), issues);

  // The manifest ingest reads: local names, checksums; no fetch time, so the same export
  // fetched twice has the same fingerprint.
  const local = (f: FetchedFile) => ({
    type: f.type,
    url: f.file,
    ...(f.count !== undefined ? { count: f.count } : {}),
    bytes: f.bytes,
    sha256: f.sha256,
  });
  writeAtomically(
    join(work, "manifest.json"),
    `${JSON.stringify(
      {
        transactionTime: manifest.transactionTime,
        request: manifest.request,
        requiresAccessToken: false,
        output: fetched.output.map(local),
        deleted: fetched.deleted.map(local),
        error: fetched.error.map(local),
      },
      null,
      2,
    )}\n`,
  );
  writeAtomically(
    join(work, "fetch.json"),
    `${JSON.stringify(
      {
        source: name,
        baseUrl: source.baseUrl,
        level: source.level,
        since,
        fetchedAt: new Date().toISOString(),
        errors: { files: fetched.error.length, issues },
      },
      null,
      2,
    )}\n`,
  );
  syncFolder(work);
  const final = freeName(folder, exportName(manifest.transactionTime));
  renameSync(work, final);
  syncFolder(folder);

  await ctx.store.db
    .insertInto("fetch_state")
    .values({
      source: name,
      since: manifest.transactionTime,
      pending_status_url: null,
      pending_since: null,
      pending_at: null,
      updated_at: new Date().toISOString(),
    })
    .onConflict((oc) =>
      oc.column("source").doUpdateSet({
        since: manifest.transactionTime,
        pending_status_url: null,
        pending_since: null,
        pending_at: null,
        updated_at: new Date().toISOString(),
      }),
    )
    .execute();
  // The files are ours now: the server may remove them (the IG's DELETE on a complete export).
  await client.cancel(statusUrl);

  const report: FetchReport = {
    source: name,
    folder: final,
    transactionTime: manifest.transactionTime,
    since,
    resumed,
    output: fetched.output,
    deleted: fetched.deleted,
    errors: { files: fetched.error.length, issues },
    ...counters,
  };
  await appendAudit(ctx.store, ctx.actor, {
    action: "fetch.export",
    target: `source:${name}`,
    details: {
      source: name,
      level: source.level,
      types: source.types,
      since,
      transactionTime: manifest.transactionTime,
      resumed,
      folder: relative(ctx.home.dir, final),
      files: fetched.output.length,
      deletedFiles: fetched.deleted.length,
      resources: fetched.output.reduce((n, f) => n + (f.count ?? 0), 0),
      bytes: [...fetched.output, ...fetched.deleted].reduce((n, f) => n + f.bytes, 0),
      errorIssues: issues,
      retries: counters.retries,
    },
  });
  return report;
}

async function kickOff(
  store: ControlStore,
  client: BulkClient,
  name: string,
  since: string | null,
  options: FetchOptions,
): Promise<string> {
  options.onProgress?.({ phase: "kick-off", since, resumed: false });
  const statusUrl = await client.kickOff(since);
  // Kept until the export is fetched, so a fetch cut off picks the same export up again.
  await setPending(store, name, statusUrl, since);
  return statusUrl;
}

/** Waits for the export; one that failed or is gone is forgotten (the next fetch asks anew). */
async function waitOrForget(
  store: ControlStore,
  client: BulkClient,
  name: string,
  statusUrl: string,
): Promise<BulkManifest> {
  try {
    return await client.waitForManifest(statusUrl);
  } catch (error) {
    if (error instanceof BulkExportError || error instanceof ExportGoneError)
      await setPending(store, name, null, null);
    throw error;
  }
}

async function setPending(
  store: ControlStore,
  name: string,
  statusUrl: string | null,
  since: string | null,
): Promise<void> {
  const now = new Date().toISOString();
  const pending = {
    pending_status_url: statusUrl,
    pending_since: since,
    pending_at: statusUrl ? now : null,
    updated_at: now,
  };
  await store.db
    .insertInto("fetch_state")
    .values({ source: name, since: null, ...pending })
    .onConflict((oc) => oc.column("source").doUpdateSet(pending))
    .execute();
}

/** The state of each source's fetches: the next `_since`, and an export kicked off but not fetched. */
export async function fetchState(ctx: FetchCtx) {
  await authorize(ctx.store, ctx.actor, "fetch.run");
  const rows = await ctx.store.db.selectFrom("fetch_state").selectAll().execute();
  return Object.keys(ctx.home.config.fetch.sources).map((source) => {
    const row = rows.find((r) => r.source === source);
    return {
      source,
      since: row?.since ?? null,
      pending: row?.pending_status_url ? { since: row.pending_since, at: row.pending_at } : null,
    };
  });
}

/** A file of an export cut off earlier that was completed and renamed before the cut. */
async function alreadyComplete(target: string): Promise<DownloadResult | undefined> {
  for (const gzip of [false, true]) {
    const file = `${target}${gzip ? ".ndjson.gz" : ".ndjson"}`;
    if (!existsSync(file)) continue;
    const hash = createHash("sha256");
    for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
    return {
      file,
      bytes: statSync(file).size,
      sha256: hash.digest("hex"),
      gzip,
      attempts: 1,
      resumedBytes: 0,
    };
  }
  return undefined;
}

function open(file: string, gzip: boolean) {
  const input = createReadStream(file);
  return gzip ? input.pipe(createGunzip()) : input;
}

async function countLines(file: string, gzip: boolean): Promise<number> {
  let n = 0;
  const reader = createInterface({ input: open(file, gzip), crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of reader) if (line.trim() !== "") n++;
  return n;
}

/**
 * OperationOutcome issues counted by code. Only the code is read: diagnostics in an error file
 * may quote a patient's record, so they are neither kept in the report nor printed.
 */
async function countIssues(file: string, issues: Record<string, number>): Promise<void> {
  const reader = createInterface({
    input: open(file, file.endsWith(".gz")),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  for await (const line of reader) {
    if (line.trim() === "") continue;
    let outcome: { issue?: Array<{ code?: unknown }> };
    try {
      outcome = JSON.parse(line) as typeof outcome;
    } catch {
      issues["(unreadable line)"] = (issues["(unreadable line)"] ?? 0) + 1;
      continue;
    }
    for (const issue of Array.isArray(outcome.issue) ? outcome.issue : []) {
      const code =
        typeof issue?.code === "string" && /^[a-z][a-z-]{0,39}$/.test(issue.code)
          ? issue.code
          : "(no code)";
      issues[code] = (issues[code] ?? 0) + 1;
    }
  }
}

/** Where an export is built until it is whole: named by its status URL, so a resumed fetch finds it. */
function incomingFolder(folder: string, statusUrl: string): string {
  return join(
    folder,
    `.incoming-${createHash("sha256").update(statusUrl).digest("hex").slice(0, 16)}`,
  );
}

/** `export-20251231T220000Z`: sorts by export time, as scheduled loads take them. */
function exportName(transactionTime: string): string {
  const iso = new Date(transactionTime).toISOString();
  return `export-${iso.replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z")}`;
}

function freeName(folder: string, name: string): string {
  let candidate = join(folder, name);
  for (let n = 2; existsSync(candidate); n++) candidate = join(folder, `${name}-${n}`);
  return candidate;
}

function writeAtomically(file: string, text: string): void {
  const temp = `${file}.part`;
  writeFileSync(temp, text, { mode: 0o600 });
  const fd = openSync(temp, "r+");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, file);
}

function syncFolder(dir: string): void {
  const fd = openSync(dir, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** One fetch per source at a time: a second would kick off a second export. */
function lockFolder(folder: string, name: string): () => void {
  const lock = join(folder, ".fetch.lock");
  try {
    writeFileSync(lock, String(process.pid), { flag: "wx", mode: 0o600 });
  } catch {
    const pid = Number(readFileSync(lock, "utf8"));
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid))
      throw new ConflictError(
        `A fetch of ${name} is already running (process ${pid}).`,
        "Wait for it to finish.",
      );
    writeFileSync(lock, String(process.pid), { mode: 0o600 });
  }
  return () => rmSync(lock, { force: true });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
