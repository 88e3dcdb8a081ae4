import type { IncomingMessage } from "node:http";
import {
  ConflictError,
  ForbiddenError,
  KaivoError,
  NotFoundError,
  RateLimitError,
  ValidationError,
} from "../../shared/errors.js";
import { readBody, send } from "./http.js";

/** The server did not accept the saved login (expired, revoked, or its user changed role). */
export class LoginRequiredError extends KaivoError {}

type Query = Record<string, string | number | undefined>;

export interface ApiResponse<T> {
  status: number;
  body: T;
  headers: IncomingMessage["headers"];
}

interface ErrorBody {
  error?: unknown;
  hint?: unknown;
  requestId?: unknown;
  secondFactorRequired?: unknown;
}

/** The server's `{error, hint}` as the Kaivo error of the same meaning, so exit codes match. */
export function errorFromResponse(
  server: string,
  status: number,
  text: string,
  retryAfter?: string,
): KaivoError {
  let body: ErrorBody = {};
  try {
    const parsed = JSON.parse(text) as unknown;
    if (parsed && typeof parsed === "object") body = parsed as ErrorBody;
  } catch {
    // Not JSON: a proxy's page, say. Its text is not shown; the status says enough.
  }
  const said = typeof body.error === "string" ? body.error : undefined;
  const hint = typeof body.hint === "string" ? body.hint : undefined;
  const requestId = typeof body.requestId === "string" ? body.requestId : undefined;
  const message = said ?? `The server answered HTTP ${status}.`;
  switch (status) {
    case 400:
      return new ValidationError(message, hint);
    case 401:
      return new LoginRequiredError(
        `The server at ${server} did not accept your login${said ? `: ${said}` : "."}`,
        `Your token may have expired or been revoked: log in again with \`kaivo login --server ${server}\`.`,
      );
    case 403:
      return new ForbiddenError(message, hint);
    case 404:
      return new NotFoundError(message, hint);
    case 409:
      return new ConflictError(message, hint);
    case 429:
      return new RateLimitError(
        message,
        hint ?? (retryAfter ? `Try again in ${retryAfter} seconds.` : "Try again later."),
      );
    default:
      return new KaivoError(
        message,
        status >= 500
          ? `${hint ? `${hint} ` : ""}${requestId ? `(server request id ${requestId})` : ""}`.trim() ||
              undefined
          : hint,
      );
  }
}

export interface ServerEvent {
  event: string;
  data: string;
}

/**
 * The Kaivo API over HTTP, as one user: JSON in and out, errors back as KaivoErrors. The token
 * (or the session cookie during `kaivo login`) goes only into request headers, never into a
 * message.
 */
export class RemoteApi {
  readonly server: string;
  private readonly cookies = new Map<string, string>();
  /** The session's CSRF token, during `kaivo login` only. */
  csrfToken: string | undefined;

  constructor(
    server: string,
    private readonly token?: string,
  ) {
    this.server = server.replace(/\/+$/, "");
  }

  get<T>(path: string, query?: Query): Promise<T> {
    return this.call<T>("GET", path, { query });
  }

  post<T>(path: string, body: unknown = {}): Promise<T> {
    return this.call<T>("POST", path, { body });
  }

  delete<T>(path: string): Promise<T> {
    return this.call<T>("DELETE", path, {});
  }

  /** A 2xx answer's body as text (an export: Markdown, JSON-LD), else the mapped error. */
  async text(path: string, query?: Query): Promise<string> {
    const res = await send({
      method: "GET",
      url: this.url(path, query),
      headers: { ...this.headers("GET", false), accept: "*/*" },
      idleTimeoutMs: 300_000,
    });
    const text = await readBody(res);
    const status = res.statusCode ?? 0;
    if (status < 200 || status > 299)
      throw errorFromResponse(this.server, status, text, headerOf(res, "retry-after"));
    return text;
  }

  /** The answer body of a 2xx, else the mapped error. */
  async call<T>(method: string, path: string, o: { query?: Query; body?: unknown }): Promise<T> {
    return (await this.request<T>(method, path, o)).body;
  }

  async request<T>(
    method: string,
    path: string,
    o: { query?: Query; body?: unknown; allow?: number[] },
  ): Promise<ApiResponse<T>> {
    const res = await send({
      method,
      url: this.url(path, o.query),
      headers: this.headers(method, o.body !== undefined),
      ...(o.body !== undefined ? { body: JSON.stringify(o.body) } : {}),
      idleTimeoutMs: 300_000,
    });
    this.keepCookies(res);
    const text = await readBody(res);
    const status = res.statusCode ?? 0;
    if ((status < 200 || status > 299) && !o.allow?.includes(status))
      throw errorFromResponse(this.server, status, text, headerOf(res, "retry-after"));
    let body: T;
    try {
      body = (text ? JSON.parse(text) : undefined) as T;
    } catch {
      throw new KaivoError(
        `The server at ${this.server} answered ${method} ${path} with something other than JSON.`,
        "Is the address that of a Kaivo server (`kaivo login --server URL`)?",
      );
    }
    return { status, body, headers: res.headers };
  }

  /**
   * Server-Sent Events from a path, until the stream ends or `signal` aborts. Errors before the
   * stream opens are mapped like any other answer.
   */
  async *events(path: string, signal: AbortSignal): AsyncGenerator<ServerEvent> {
    const res = await send({
      method: "GET",
      url: this.url(path),
      headers: { ...this.headers("GET", false), accept: "text/event-stream" },
      idleTimeoutMs: 0,
      signal,
    });
    const status = res.statusCode ?? 0;
    if (status < 200 || status > 299)
      throw errorFromResponse(
        this.server,
        status,
        await readBody(res),
        headerOf(res, "retry-after"),
      );
    res.setEncoding("utf8");
    let buffer = "";
    try {
      for await (const chunk of res) {
        buffer += chunk as string;
        for (;;) {
          const end = buffer.search(/\r?\n\r?\n/);
          if (end < 0) break;
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, "");
          const event = parseEvent(block);
          if (event) yield event;
        }
      }
    } catch (error) {
      if (signal.aborted) return;
      // The connection broke mid-stream (a restart): the caller asks for the job again.
      if ((error as NodeJS.ErrnoException).code === "ECONNRESET") return;
      throw error;
    } finally {
      res.destroy();
    }
  }

  private url(path: string, query?: Query): URL {
    // Relative to the server URL, so a server behind a proxy at https://host/kaivo works too.
    const url = new URL(path.replace(/^\/+/, ""), `${this.server}/`);
    for (const [k, v] of Object.entries(query ?? {}))
      if (v !== undefined) url.searchParams.set(k, String(v));
    return url;
  }

  private headers(method: string, hasBody: boolean): Record<string, string> {
    const h: Record<string, string> = { accept: "application/json", "user-agent": "kaivo-cli" };
    if (hasBody) h["content-type"] = "application/json";
    if (this.token) h.authorization = `Bearer ${this.token}`;
    if (this.cookies.size > 0)
      h.cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
    if (this.csrfToken && method !== "GET" && method !== "HEAD") h["x-csrf-token"] = this.csrfToken;
    return h;
  }

  /** A tiny cookie jar for the login session: name=value, dropped when the server clears it. */
  private keepCookies(res: IncomingMessage): void {
    for (const line of res.headers["set-cookie"] ?? []) {
      const [pair, ...attributes] = line.split(";");
      const eq = pair?.indexOf("=") ?? -1;
      if (!pair || eq < 1) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attributes.some((a) => /^\s*max-age\s*=\s*0\s*$/i.test(a));
      if (expired || value === "") this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
}

function headerOf(res: IncomingMessage, name: string): string | undefined {
  const v = res.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function parseEvent(block: string): ServerEvent | undefined {
  let event = "message";
  const data: string[] = [];
  for (const line of block.split(/\r?\n/)) {
    if (line === "" || line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (field === "event") event = value;
    else if (field === "data") data.push(value);
  }
  return data.length > 0 ? { event, data: data.join("\n") } : undefined;
}
