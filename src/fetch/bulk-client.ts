import type { FetchSourceConfig } from "../home/config.js";
import { KaivoError } from "../shared/errors.js";
import { printable } from "../shared/printable.js";
import { Backoff, describeFailure, retryAfterMs, sleep } from "./http-wait.js";

/** An access token on demand, and a way to drop one the server no longer takes. */
export interface TokenSource {
  accessToken(): Promise<string>;
  forget(): void;
}

/** The complete-status body of a Bulk Data export (IG v2). */
export interface BulkManifest {
  transactionTime: string;
  request: string;
  requiresAccessToken: boolean;
  output: Array<{ type: string; url: string; count?: number }>;
  deleted?: Array<{ type: string; url: string; count?: number }>;
  error: Array<{ type: string; url: string; count?: number }>;
}

export type FetchProgress =
  | { phase: "kick-off"; since: string | null; resumed: boolean }
  | { phase: "waiting"; progress: string | null; nextPollSeconds: number }
  | { phase: "retry"; what: string; reason: string; inSeconds: number }
  | { phase: "download"; file: string; bytes: number; files: number; of: number };

/** The server refused the request or the export failed: its message says what to change. */
export class BulkExportError extends KaivoError {}
/** The export was cancelled or has expired on the server (404/410 on its status URL). */
export class ExportGoneError extends KaivoError {}

export interface ClientOptions {
  signal?: AbortSignal;
  onProgress?: (p: FetchProgress) => void;
  /** The first delay of the backoff when the server gives no Retry-After. */
  baseDelayMs?: number;
}

const MAX_MANIFEST_PAGES = 10_000;

/** The `next` link of a manifest page, if any. */
function nextLink(link: unknown): { next?: string } {
  if (!Array.isArray(link)) return {};
  const next = link.find(
    (l: { relation?: unknown; url?: unknown }) =>
      l?.relation === "next" && typeof l.url === "string" && l.url !== "",
  ) as { url: string } | undefined;
  return next ? { next: next.url } : {};
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]", "::1"]);

/** Tokens and health data travel only over https, except to this machine. */
export function assertSafeUrl(url: URL, what: string): void {
  if (url.protocol === "https:") return;
  if (url.protocol === "http:" && LOOPBACK.has(url.hostname)) return;
  throw new BulkExportError(
    `${what} ${url.origin} is not https.`,
    "Bulk Data servers, token endpoints and file links are used over https only (http only on this machine).",
  );
}

/**
 * A FHIR Bulk Data Access (v2) client for one source: kick-off, status polling, the manifest,
 * cancel. Downloads are in download.ts. Tokens go only into Authorization headers, never into a
 * message or a log.
 */
export class BulkClient {
  readonly #source: FetchSourceConfig;
  readonly #token: TokenSource | undefined;
  readonly #options: ClientOptions;

  constructor(source: FetchSourceConfig, token: TokenSource | undefined, options: ClientOptions) {
    this.#source = source;
    this.#token = token;
    this.#options = options;
    assertSafeUrl(new URL(source.baseUrl), "The Bulk Data server");
  }

  get requestsToken(): boolean {
    return this.#token !== undefined;
  }

  kickOffUrl(since: string | null): URL {
    const base = this.#source.baseUrl.replace(/\/+$/, "");
    const path =
      this.#source.level === "system"
        ? "/$export"
        : this.#source.level === "patient"
          ? "/Patient/$export"
          : `/Group/${encodeURIComponent(this.#source.groupId as string)}/$export`;
    const url = new URL(`${base}${path}`);
    url.searchParams.set("_outputFormat", "application/fhir+ndjson");
    if (this.#source.types.length > 0) url.searchParams.set("_type", this.#source.types.join(","));
    if (since) url.searchParams.set("_since", since);
    return url;
  }

  /** Starts an export; the status URL the server gives (202 with Content-Location). */
  async kickOff(since: string | null): Promise<string> {
    const url = this.kickOffUrl(since);
    const response = await this.#request(url, "kick-off", {
      accept: "application/fhir+json",
      prefer: "respond-async",
    });
    if (response.status !== 202) {
      const why = await describeFailure(response);
      throw new BulkExportError(
        `The Bulk Data server refused the export request (${why}).`,
        response.status === 401 || response.status === 403
          ? "Check the client's registration and scopes at the server (fetch.sources.*.auth)."
          : "Check the source's level, groupId and types in kaivo.json (fetch.sources), or ask the server's administrators.",
      );
    }
    await response.body?.cancel();
    const location = response.headers.get("content-location");
    if (!location)
      throw new BulkExportError(
        "The Bulk Data server accepted the export but gave no Content-Location to follow.",
        "The server does not follow the Bulk Data IG; ask its administrators.",
      );
    const status = new URL(location, url);
    assertSafeUrl(status, "The export's status URL");
    return status.toString();
  }

  /**
   * Polls the status URL until the export is complete: Retry-After honoured (seconds or a date),
   * else a backoff doubling up to pollMaxSeconds; 429 and 503 wait the same way; progress
   * (X-Progress) reported. Past maxWaitMinutes the export is cancelled.
   */
  async waitForManifest(statusUrl: string): Promise<BulkManifest> {
    const deadline = Date.now() + this.#source.maxWaitMinutes * 60_000;
    const backoff = new Backoff(
      this.#options.baseDelayMs ?? 1000,
      this.#source.pollMaxSeconds * 1000,
    );
    for (;;) {
      const response = await this.#request(new URL(statusUrl), "status request", {
        accept: "application/json",
      });
      if (response.status === 200) return this.#pagedManifest(response, statusUrl);
      if (response.status === 202) {
        await response.body?.cancel();
        const wait = backoff.next(retryAfterMs(response.headers.get("retry-after")));
        const progress = response.headers.get("x-progress");
        this.#options.onProgress?.({
          phase: "waiting",
          progress: progress ? printable(progress.slice(0, 100)) : null,
          nextPollSeconds: wait / 1000,
        });
        if (Date.now() + wait > deadline) {
          await this.cancel(statusUrl);
          throw new BulkExportError(
            `The export was not complete after ${this.#source.maxWaitMinutes} minutes; it was cancelled.`,
            "Fetch again later, or raise fetch.sources.*.maxWaitMinutes.",
          );
        }
        await sleep(wait, this.#options.signal);
        continue;
      }
      if (response.status === 404 || response.status === 410) {
        await response.body?.cancel();
        throw new ExportGoneError(
          `The export is gone from the server (HTTP ${response.status}): it was cancelled or has expired.`,
          "Run kaivo fetch again for a new export.",
        );
      }
      const why = await describeFailure(response);
      throw new BulkExportError(
        `The Bulk Data server says the export failed (${why}).`,
        "Fix what the server names (often _type or the client's scopes), then fetch again.",
      );
    }
  }

  /**
   * The manifest, with every page of it: a large export's manifest may come in pages, each
   * naming the next in `link` (relation "next"). Pages are asked for only at the server's own
   * origins (the token goes with them), each once, and must be of the same export.
   */
  async #pagedManifest(first: Response, statusUrl: string): Promise<BulkManifest> {
    const origins = new Set([new URL(statusUrl).origin, new URL(this.#source.baseUrl).origin]);
    const seen = new Set([statusUrl]);
    let page = await this.#manifest(first);
    const manifest = { ...page, deleted: [...(page.deleted ?? [])] };
    while (page.next) {
      const next = new URL(page.next, statusUrl);
      if (!origins.has(next.origin))
        throw new BulkExportError(
          `The export's manifest names its next page at ${next.origin}, not at the Bulk Data server.`,
          "The server's manifest links must stay on its own origin; ask its administrators.",
        );
      if (seen.has(next.toString()) || seen.size >= MAX_MANIFEST_PAGES)
        throw new BulkExportError(
          "The export's manifest pages do not end (a page repeats, or there are too many).",
          "The server does not follow the Bulk Data IG; ask its administrators.",
        );
      seen.add(next.toString());
      const response = await this.#request(next, "manifest page", { accept: "application/json" });
      if (response.status !== 200) {
        const why = await describeFailure(response);
        throw new BulkExportError(
          `A page of the export's manifest could not be read (${why}).`,
          "Fetch again: the export resumes from its status URL.",
        );
      }
      page = await this.#manifest(response);
      if (page.transactionTime !== manifest.transactionTime)
        throw new BulkExportError(
          "A page of the export's manifest is of another export (its transactionTime differs).",
          "The server does not follow the Bulk Data IG; ask its administrators.",
        );
      manifest.output.push(...page.output);
      manifest.deleted.push(...(page.deleted ?? []));
      manifest.error.push(...page.error);
    }
    const { next: _last, ...whole } = manifest;
    return whole;
  }

  async #manifest(response: Response): Promise<BulkManifest & { next?: string }> {
    let body: Partial<BulkManifest> & { link?: unknown };
    try {
      body = (await response.json()) as Partial<BulkManifest> & { link?: unknown };
    } catch {
      throw new BulkExportError(
        "The export's complete status was not JSON.",
        "The server does not follow the Bulk Data IG; ask its administrators.",
      );
    }
    if (typeof body.transactionTime !== "string" || Number.isNaN(Date.parse(body.transactionTime)))
      throw new BulkExportError(
        "The export's manifest has no valid transactionTime.",
        "The server does not follow the Bulk Data IG; ask its administrators.",
      );
    const files = (list: unknown, what: string) => {
      if (list === undefined) return [];
      if (!Array.isArray(list))
        throw new BulkExportError(`The export's manifest has a ${what} that is not a list.`);
      return list.map((entry: { type?: unknown; url?: unknown; count?: unknown }) => {
        if (typeof entry?.type !== "string" || !/^[A-Z][A-Za-z]{1,63}$/.test(entry.type))
          throw new BulkExportError(
            `The export's manifest has a ${what} entry with no resource type.`,
          );
        if (typeof entry.url !== "string")
          throw new BulkExportError(`The export's manifest has a ${what} entry with no url.`);
        return {
          type: entry.type,
          url: entry.url,
          ...(typeof entry.count === "number" ? { count: entry.count } : {}),
        };
      });
    };
    return {
      transactionTime: body.transactionTime,
      request: typeof body.request === "string" ? body.request : "",
      requiresAccessToken: body.requiresAccessToken === true,
      output: files(body.output, "output"),
      deleted: files(body.deleted, "deleted"),
      error: files(body.error, "error"),
      ...nextLink(body.link),
    };
  }

  /** Asks the server to cancel an export, or to remove a fetched one's files; best effort. */
  async cancel(statusUrl: string): Promise<boolean> {
    try {
      const headers: Record<string, string> = { accept: "application/fhir+json" };
      if (this.#token) headers.authorization = `Bearer ${await this.#token.accessToken()}`;
      const response = await fetch(statusUrl, { method: "DELETE", headers });
      await response.body?.cancel();
      return response.status === 202 || response.status === 200 || response.status === 204;
    } catch {
      return false;
    }
  }

  /** Bearer token for a file link, when the manifest says the files need it. */
  async fileToken(): Promise<string | undefined> {
    return this.#token ? this.#token.accessToken() : undefined;
  }

  forgetToken(): void {
    this.#token?.forget();
  }

  /**
   * One GET, retried: on 429 and 503 after Retry-After (or the backoff), on 401 once with a new
   * token, on a broken connection after the backoff; up to `retries` times.
   */
  async #request(url: URL, what: string, headers: Record<string, string>): Promise<Response> {
    const backoff = new Backoff(
      this.#options.baseDelayMs ?? 1000,
      this.#source.pollMaxSeconds * 1000,
    );
    let renewed = false;
    for (let attempt = 0; ; attempt++) {
      const sent = { ...headers };
      if (this.#token) sent.authorization = `Bearer ${await this.#token.accessToken()}`;
      let response: Response;
      try {
        response = await fetch(url, {
          headers: sent,
          ...(this.#options.signal ? { signal: this.#options.signal } : {}),
        });
      } catch (error) {
        if (this.#options.signal?.aborted) throw this.#options.signal.reason ?? error;
        if (attempt >= this.#source.retries)
          throw new BulkExportError(
            `The Bulk Data server ${url.origin} could not be reached for the ${what} (${(error as Error).message}).`,
            "Check the source's baseUrl and the network, then fetch again.",
          );
        const wait = backoff.next();
        this.#options.onProgress?.({
          phase: "retry",
          what,
          reason: "no connection",
          inSeconds: wait / 1000,
        });
        await sleep(wait, this.#options.signal);
        continue;
      }
      if (response.status === 401 && this.#token && !renewed) {
        await response.body?.cancel();
        renewed = true;
        this.#token.forget();
        continue;
      }
      if ((response.status === 429 || response.status === 503) && attempt < this.#source.retries) {
        await response.body?.cancel();
        const wait = backoff.next(retryAfterMs(response.headers.get("retry-after")));
        this.#options.onProgress?.({
          phase: "retry",
          what,
          reason: `HTTP ${response.status}`,
          inSeconds: wait / 1000,
        });
        await sleep(wait, this.#options.signal);
        continue;
      }
      return response;
    }
  }
}
