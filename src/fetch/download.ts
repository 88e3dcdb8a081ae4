import { createHash } from "node:crypto";
import {
  closeSync,
  createReadStream,
  createWriteStream,
  existsSync,
  fsyncSync,
  openSync,
  readSync,
  renameSync,
  statSync,
  truncateSync,
} from "node:fs";
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { assertSafeUrl, BulkExportError } from "./bulk-client.js";
import { Backoff, retryAfterMs, sleep } from "./http-wait.js";

/** A file link the server no longer serves (expired, 403/404/410): ask for the manifest again. */
export class LinkExpiredError extends Error {}

export interface DownloadResult {
  /** The final file (the temp file renamed), `.ndjson.gz` when the bytes are gzip. */
  file: string;
  bytes: number;
  sha256: string;
  gzip: boolean;
  /** Attempts it took (1 when nothing went wrong) and bytes resumed by Range rather than sent again. */
  attempts: number;
  resumedBytes: number;
}

export interface DownloadOptions {
  url: string;
  /** Origins the token may be sent to; a link or redirect elsewhere gets none (or is refused). */
  tokenOrigins?: ReadonlySet<string>;
  /** The final path without its extension; `.ndjson` or `.ndjson.gz` is added. */
  target: string;
  /** The bearer token, when the manifest says the files need one; never sent otherwise. */
  token?: () => Promise<string | undefined>;
  forgetToken?: () => void;
  retries: number;
  baseDelayMs: number;
  capMs: number;
  signal?: AbortSignal;
  onBytes?: (bytes: number) => void;
  onRetry?: (reason: string, inSeconds: number) => void;
}

/**
 * Streams one output file to `<target>.part`, resuming by HTTP Range after a broken transfer
 * when the server allows it (206 for the asked range; a 200 starts again from the first byte),
 * then renames it into place: a crash leaves a `.part` (resumed next time) or the whole file,
 * never a partial file under the final name. The server's bytes are kept as sent: gzip stays
 * gzip (`.ndjson.gz`, which ingest reads).
 */
export async function downloadFile(o: DownloadOptions): Promise<DownloadResult> {
  const url = new URL(o.url);
  assertSafeUrl(url, "The file link");
  const part = `${o.target}.part`;
  const backoff = new Backoff(o.baseDelayMs, o.capMs);
  let validator: string | undefined;
  let renewed = false;
  let resumedBytes = 0;
  for (let attempt = 1; ; attempt++) {
    const have = existsSync(part) ? statSync(part).size : 0;
    const headers: Record<string, string> = {
      accept: "application/fhir+ndjson",
      "accept-encoding": "gzip, identity",
    };
    const token = await o.token?.();
    if (token) {
      if (o.tokenOrigins && !o.tokenOrigins.has(url.origin))
        throw new BulkExportError(
          `The export's file links are on ${url.origin} and need the access token, which Kaivo sends only to the Bulk Data server itself.`,
          "If that host is the server's own file store, add its origin to fetch.sources.*.fileOrigins.",
        );
      headers.authorization = `Bearer ${token}`;
    }
    if (have > 0) {
      headers.range = `bytes=${have}-`;
      if (validator) headers["if-range"] = validator;
    }
    let failure: string;
    let retryAfter: number | undefined;
    try {
      const response = await follow(url, headers, o.tokenOrigins, o.signal);
      const status = response.statusCode ?? 0;
      if (status === 401 && token && !renewed) {
        response.resume();
        renewed = true;
        o.forgetToken?.();
        attempt--;
        continue;
      }
      if (status === 403 || status === 404 || status === 410) {
        response.resume();
        throw new LinkExpiredError(`HTTP ${status}`);
      }
      if (status === 416 && have > 0) {
        response.resume();
        // The range starts at or past the end: the part may be whole, or the file changed.
        const total = /\/(\d+)$/.exec(String(response.headers["content-range"] ?? ""))?.[1];
        if (total !== undefined && Number(total) === have)
          return finish(part, o.target, attempt, resumedBytes);
        truncateSync(part, 0);
        failure = "HTTP 416";
      } else if (status === 200 || status === 206) {
        validator = (response.headers.etag as string | undefined) ?? validator;
        const append = status === 206 && contentRangeStart(response) === have;
        if (status === 206 && !append) {
          response.resume();
          truncateSync(part, 0);
          failure = "a range other than the one asked for";
        } else {
          if (append) resumedBytes += have;
          const expected = Number(response.headers["content-length"] ?? Number.NaN);
          let received = 0;
          const count = new Transform({
            transform(chunk: Buffer, _encoding, done) {
              received += chunk.length;
              o.onBytes?.((append ? have : 0) + received);
              done(null, chunk);
            },
          });
          try {
            await pipeline(response, count, createWriteStream(part, { flags: append ? "a" : "w" }));
            if (!response.complete || (!Number.isNaN(expected) && received !== expected))
              throw new Error("the transfer ended early");
            return finish(part, o.target, attempt, resumedBytes);
          } catch (error) {
            if (o.signal?.aborted) throw o.signal.reason ?? error;
            failure = `the transfer broke off (${(error as Error).message})`;
          }
        }
      } else {
        response.resume();
        failure = `HTTP ${status}`;
        retryAfter = retryAfterMs(response.headers["retry-after"] as string | undefined);
        if (status >= 400 && status < 500 && status !== 408 && status !== 429)
          throw new BulkExportError(
            `A file of the export could not be downloaded (${failure}).`,
            "Fetch again; if it happens again, ask the server's administrators.",
          );
      }
    } catch (error) {
      if (error instanceof LinkExpiredError || error instanceof BulkExportError) throw error;
      if (o.signal?.aborted) throw o.signal.reason ?? error;
      failure = `no connection (${(error as Error).message})`;
    }
    if (attempt > o.retries)
      throw new BulkExportError(
        `A file of the export could not be downloaded after ${attempt} attempts (${failure}).`,
        "Fetch again: the files already complete are kept and a partial one resumes.",
      );
    const wait = backoff.next(retryAfter);
    o.onRetry?.(failure, wait / 1000);
    await sleep(wait, o.signal);
  }
}

function contentRangeStart(response: IncomingMessage): number | undefined {
  const match = /^bytes (\d+)-/.exec(String(response.headers["content-range"] ?? ""));
  return match ? Number(match[1]) : undefined;
}

/**
 * GET, following up to five redirects (file stores often redirect to a signed link). The token
 * goes only to origins it may go to: a redirect elsewhere is followed without it.
 */
async function follow(
  url: URL,
  headers: Record<string, string>,
  tokenOrigins: ReadonlySet<string> | undefined,
  signal: AbortSignal | undefined,
): Promise<IncomingMessage> {
  let at = url;
  let sent = headers;
  for (let hop = 0; ; hop++) {
    const response = await get(at, sent, signal);
    const status = response.statusCode ?? 0;
    const location = response.headers.location;
    if (![301, 302, 303, 307, 308].includes(status) || !location) return response;
    response.resume();
    if (hop >= 5) throw new Error("more than five redirects");
    at = new URL(location, at);
    assertSafeUrl(at, "A file link's redirect");
    if (sent.authorization && !(tokenOrigins?.has(at.origin) ?? at.origin === url.origin)) {
      const { authorization: _dropped, ...rest } = sent;
      sent = rest;
    }
  }
}

function get(
  url: URL,
  headers: Record<string, string>,
  signal: AbortSignal | undefined,
): Promise<IncomingMessage> {
  const send = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(url, { method: "GET", headers, ...(signal ? { signal } : {}) }, resolve);
    req.setTimeout(120_000, () => req.destroy(new Error("no answer for 120 s")));
    req.on("error", reject);
    req.end();
  });
}

async function finish(
  part: string,
  target: string,
  attempts: number,
  resumedBytes: number,
): Promise<DownloadResult> {
  const gzip = startsWithGzipMagic(part);
  const file = `${target}${gzip ? ".ndjson.gz" : ".ndjson"}`;
  const hash = createHash("sha256");
  let bytes = 0;
  for await (const chunk of createReadStream(part)) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  const fd = openSync(part, "r+");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(part, file);
  return { file, bytes, sha256: hash.digest("hex"), gzip, attempts, resumedBytes };
}

function startsWithGzipMagic(file: string): boolean {
  const fd = openSync(file, "r");
  try {
    const head = Buffer.alloc(2);
    return readSync(fd, head, 0, 2, 0) === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    closeSync(fd);
  }
}
