import { printable } from "../shared/printable.js";

/** Retry-After in milliseconds from its two forms (RFC 9110: delay-seconds or an HTTP-date). */
export function retryAfterMs(
  header: string | null | undefined,
  now = Date.now(),
): number | undefined {
  if (header === null || header === undefined) return undefined;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/**
 * How long to wait before the next request: the server's Retry-After when it gives one, else a
 * delay doubling from `baseMs`; either way never more than `capMs`.
 */
export class Backoff {
  #attempt = 0;
  constructor(
    private readonly baseMs: number,
    private readonly capMs: number,
  ) {}

  next(retryAfter?: number): number {
    const exponential = this.baseMs * 2 ** Math.min(this.#attempt, 30);
    this.#attempt++;
    return Math.min(this.capMs, Math.max(0, retryAfter ?? exponential));
  }

  reset(): void {
    this.#attempt = 0;
  }
}

/** Waits `ms`, or rejects as soon as the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

interface OperationOutcome {
  resourceType?: unknown;
  issue?: Array<{
    severity?: unknown;
    code?: unknown;
    diagnostics?: unknown;
    details?: { text?: unknown };
  }>;
}

const MAX_TEXT = 300;

/**
 * What a server's error response says, for a person to act on: the issues of an
 * OperationOutcome (severity, code, diagnostics), else the status line. These describe the
 * request (an unknown _type, a missing scope), not patients'records; they are shortened and
 * their control characters escaped.
 */
export async function describeFailure(response: Response): Promise<string> {
  let text = "";
  try {
    text = (await response.text()).slice(0, 65_536);
  } catch {
    // no body
  }
  const status = `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ""}`;
  let outcome: OperationOutcome | undefined;
  try {
    outcome = JSON.parse(text) as OperationOutcome;
  } catch {
    outcome = undefined;
  }
  if (outcome?.resourceType !== "OperationOutcome" || !Array.isArray(outcome.issue)) return status;
  const issues = outcome.issue.map((i) => {
    const said =
      typeof i.diagnostics === "string"
        ? i.diagnostics
        : typeof i.details?.text === "string"
          ? i.details.text
          : "";
    const head = [i.severity, i.code].filter((x) => typeof x === "string").join(" ");
    const line = said ? `${head}: ${said}` : head;
    return printable(line.length > MAX_TEXT ? `${line.slice(0, MAX_TEXT)}…` : line);
  });
  return `${status}: ${issues.join("; ")}`;
}
