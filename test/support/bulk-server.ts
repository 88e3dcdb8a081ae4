import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";
import { importSPKI, jwtVerify } from "jose";

/** A loopback SMART token endpoint that verifies the client assertion as the IG requires. */
export async function startTokenServer(opts: {
  clientId: string;
  publicKeyPem: string;
  algorithm: "RS384" | "ES384";
}): Promise<{ url: string; issued: number; close: () => Promise<void> }> {
  const key = await importSPKI(opts.publicKeyPem, opts.algorithm);
  const state = { url: "", issued: 0, close: async () => {} };
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => {
      body += chunk;
    });
    req.on("end", async () => {
      const form = new URLSearchParams(body);
      try {
        const { payload } = await jwtVerify(form.get("client_assertion") ?? "", key, {
          issuer: opts.clientId,
          subject: opts.clientId,
          audience: state.url,
          algorithms: [opts.algorithm],
        });
        if (typeof payload.jti !== "string" || typeof payload.exp !== "number")
          throw new Error("claims");
        if (form.get("grant_type") !== "client_credentials") throw new Error("grant");
        state.issued += 1;
        res.writeHead(200, { "content-type": "application/json" });
        res.end(
          JSON.stringify({
            access_token: `token-${state.issued}`,
            expires_in: 300,
            token_type: "bearer",
          }),
        );
      } catch {
        res.writeHead(401, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: "invalid_client" }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`;
  state.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return state;
}

/** One file of an export the Bulk Data server offers: its resources' NDJSON lines. */
export interface BulkFile {
  type: string;
  lines: string[];
  /** Sent with Content-Encoding: gzip (the bytes on the wire and in Range are the gzip ones). */
  gzip?: boolean;
}

/** What the server does; mutable between fetches (a test changes the next export's data). */
export interface BulkScenario {
  transactionTime: string;
  output: BulkFile[];
  deleted?: BulkFile[];
  /** The error manifest: OperationOutcome lines. */
  errors?: string[];
  /** 202 answers before the export is complete. */
  pollsBeforeDone: number;
  /** Retry-After on in-progress answers ("0", "1", or an HTTP-date). */
  retryAfter: string;
  /** The first status request after a kick-off gets 429 (with Retry-After: 0). */
  rateLimitOnce: boolean;
  /** The first kick-off gets 503 with Retry-After as an HTTP-date (the server is busy). */
  unavailableOnce?: boolean;
  /** Links of the first manifest answer 410: the client must ask for the manifest again. */
  expireFirstLinks: boolean;
  /** Range requests answered with 206 (else the whole file again, 200). */
  range: boolean;
  /** This output file (by index) breaks off half-way, once. */
  failMidStreamOnce?: number;
  requiresAccessToken: boolean;
  /** The kick-off is refused with this status and an OperationOutcome. */
  refuseKickOff?: { status: number; code: string; diagnostics: string };
  /** The export fails while in progress: the status URL answers 500 with an OperationOutcome. */
  failExport?: { code: string; diagnostics: string };
  /** The export expires on the server after this many status requests (then 404). */
  expireAfterPolls?: number;
  /**
   * Files in a store on another origin (another port): "redirect" answers file links with 302
   * to it, "links" puts its links in the manifest. It serves files without a token.
   */
  fileStore?: "redirect" | "links";
  /**
   * The manifest in pages of this many files, each page's `link` naming the next
   * (`relation: "next"`), as the IG (v2) allows for large exports.
   */
  manifestPageSize?: number;
  /** The second page's next link points to another origin (a client must refuse it). */
  foreignNextLink?: boolean;
}

export interface BulkRequest {
  /** "fhir" for the Bulk Data server, "store" for the file store on another origin. */
  at: "fhir" | "store";
  method: string;
  path: string;
  query: Record<string, string>;
  authorized: boolean;
  range?: string;
}

export interface BulkServer {
  /** The FHIR base URL: `http://127.0.0.1:PORT/fhir`. */
  baseUrl: string;
  /** The file store's origin (fileStore). */
  storeOrigin: string;
  tokenUrl: string;
  scenario: BulkScenario;
  requests: BulkRequest[];
  kickOffs: number;
  deletes: number;
  tokensIssued: number;
  /** Every token issued so far stops working (as when they expire early): the next request gets 401. */
  revokeTokens(): void;
  close(): Promise<void>;
}

const OUTCOME = (code: string, diagnostics: string) =>
  JSON.stringify({
    resourceType: "OperationOutcome",
    issue: [{ severity: "error", code, diagnostics }],
  });

/**
 * A FHIR Bulk Data Access (v2) server on loopback that behaves as the IG says: kick-off at
 * system, Patient and Group level answering 202 with Content-Location; in-progress 202 with
 * X-Progress and Retry-After; 429 once; 200 with the manifest; file links that expire; Range
 * (206, ETag, If-Range); a file that breaks off mid-stream once; an error manifest; DELETE to
 * cancel (then 404); a SMART token required everywhere when `auth` is given.
 */
export async function startBulkServer(
  scenario: Partial<BulkScenario> & { output: BulkFile[] },
  auth?: { clientId: string; publicKeyPem: string; algorithm: "RS384" | "ES384" },
): Promise<BulkServer> {
  const key = auth ? await importSPKI(auth.publicKeyPem, auth.algorithm) : undefined;
  const tokens = new Set<string>();
  let unavailableSent = false;
  const jobs = new Map<
    string,
    {
      polls: number;
      generation: number;
      gone: boolean;
      rateLimited: boolean;
      types: string[] | null;
      files: Array<{
        list: "output" | "deleted" | "error";
        type: string;
        body: Buffer;
        gzip: boolean;
      }>;
      failedOnce: Set<number>;
      transactionTime: string;
    }
  >();
  const state: BulkServer = {
    baseUrl: "",
    storeOrigin: "",
    tokenUrl: "",
    scenario: {
      transactionTime: "2026-01-01T00:00:00Z",
      pollsBeforeDone: 2,
      retryAfter: "0",
      rateLimitOnce: false,
      expireFirstLinks: false,
      range: true,
      requiresAccessToken: true,
      ...scenario,
    },
    requests: [],
    kickOffs: 0,
    deletes: 0,
    tokensIssued: 0,
    revokeTokens: () => tokens.clear(),
    close: async () => {},
  };

  const outcome = (res: ServerResponse, status: number, code: string, diagnostics: string) => {
    res.writeHead(status, { "content-type": "application/fhir+json" });
    res.end(OUTCOME(code, diagnostics));
  };

  type Job = typeof jobs extends Map<string, infer J> ? J : never;
  /** The manifest, or page `n` of it when manifestPageSize is set. */
  const manifestPage = (
    res: ServerResponse,
    id: string,
    job: Job,
    generation: number,
    n: number,
  ) => {
    const s = state.scenario;
    const origin = new URL(state.baseUrl).origin;
    const link = (i: number) =>
      `${s.fileStore === "links" ? state.storeOrigin : origin}/files/${id}/${i}?g=${generation}`;
    const size = s.manifestPageSize ?? job.files.length;
    const from = n * size;
    const on = job.files.map((f, i) => ({ f, i })).slice(from, from + size);
    const entries = (list: string) =>
      on.filter(({ f }) => f.list === list).map(({ f, i }) => ({ type: f.type, url: link(i) }));
    const more = from + size < job.files.length;
    const next =
      s.foreignNextLink && n === 1
        ? `${state.storeOrigin}/manifest/${id}/${n + 1}?g=${generation}`
        : `${origin}/manifest/${id}/${n + 1}?g=${generation}`;
    res.writeHead(200, {
      "content-type": "application/json",
      expires: new Date(Date.now() + 3600_000).toUTCString(),
    });
    res.end(
      JSON.stringify({
        transactionTime: job.transactionTime,
        request: `${state.baseUrl}/$export`,
        requiresAccessToken: s.requiresAccessToken,
        output: entries("output"),
        deleted: entries("deleted"),
        error: entries("error"),
        ...(more ? { link: [{ relation: "next", url: next }] } : {}),
      }),
    );
  };

  const issueToken = async (req: IncomingMessage, res: ServerResponse) => {
    let body = "";
    for await (const chunk of req) body += chunk;
    const form = new URLSearchParams(body);
    try {
      if (!key || !auth) throw new Error("no auth");
      await jwtVerify(form.get("client_assertion") ?? "", key, {
        issuer: auth.clientId,
        subject: auth.clientId,
        audience: state.tokenUrl,
        algorithms: [auth.algorithm],
      });
      if (form.get("grant_type") !== "client_credentials") throw new Error("grant");
      state.tokensIssued += 1;
      const token = `bulk-token-${state.tokensIssued}-${Math.random().toString(36).slice(2)}`;
      tokens.add(token);
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ access_token: token, expires_in: 300, token_type: "bearer" }));
    } catch {
      res.writeHead(401, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: "invalid_client" }));
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse, at: "fhir" | "store") => {
    const url = new URL(req.url ?? "/", at === "fhir" ? state.baseUrl : state.storeOrigin);
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
    const authorized = bearer !== undefined && tokens.has(bearer);
    state.requests.push({
      at,
      method: req.method ?? "GET",
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      authorized: req.headers.authorization !== undefined,
      ...(req.headers.range ? { range: req.headers.range } : {}),
    });
    if (url.pathname === "/token" && req.method === "POST") return issueToken(req, res);
    const s = state.scenario;
    const isFile = url.pathname.startsWith("/files/");
    // The store serves files only, and needs no token (its links stand for themselves).
    if (at === "store" && !isFile)
      return outcome(res, 404, "not-found", "The store has files only.");
    const needsToken = auth && at === "fhir" && (!isFile || s.requiresAccessToken);
    if (needsToken && !authorized) return outcome(res, 401, "login", "A bearer token is required.");

    const kickOff = /^\/fhir(?:\/Patient|\/Group\/([A-Za-z0-9\-.]+))?\/\$export$/.exec(
      url.pathname,
    );
    if (kickOff && req.method === "GET") {
      if (req.headers.prefer !== "respond-async")
        return outcome(res, 400, "invalid", "Prefer: respond-async is required.");
      if (req.headers.accept !== "application/fhir+json")
        return outcome(res, 400, "invalid", "Accept: application/fhir+json is required.");
      if (s.unavailableOnce && !unavailableSent) {
        unavailableSent = true;
        res.writeHead(503, { "retry-after": new Date(Date.now() + 1000).toUTCString() });
        return res.end();
      }
      if (s.refuseKickOff)
        return outcome(
          res,
          s.refuseKickOff.status,
          s.refuseKickOff.code,
          s.refuseKickOff.diagnostics,
        );
      if (kickOff[1] && kickOff[1] !== "diabetes")
        return outcome(res, 404, "not-found", `Group ${kickOff[1]} is not known.`);
      state.kickOffs += 1;
      const types = url.searchParams.get("_type")?.split(",") ?? null;
      const wanted = (f: BulkFile) => !types || types.includes(f.type);
      const id = `job-${state.kickOffs}`;
      jobs.set(id, {
        polls: 0,
        generation: 1,
        gone: false,
        rateLimited: false,
        types,
        transactionTime: s.transactionTime,
        failedOnce: new Set(),
        files: [
          ...s.output.filter(wanted).map((f) => ({ list: "output" as const, ...bytesOf(f) })),
          ...(s.deleted ?? []).map((f) => ({ list: "deleted" as const, ...bytesOf(f) })),
          ...(s.errors?.length
            ? [
                {
                  list: "error" as const,
                  ...bytesOf({ type: "OperationOutcome", lines: s.errors }),
                },
              ]
            : []),
        ],
      });
      res.writeHead(202, { "content-location": `${new URL(state.baseUrl).origin}/status/${id}` });
      return res.end();
    }

    const status = /^\/status\/([\w-]+)$/.exec(url.pathname);
    if (status) {
      const job = jobs.get(status[1] as string);
      if (!job || job.gone) return outcome(res, 404, "not-found", "No such export.");
      if (req.method === "DELETE") {
        state.deletes += 1;
        job.gone = true;
        res.writeHead(202);
        return res.end();
      }
      if (s.rateLimitOnce && !job.rateLimited) {
        job.rateLimited = true;
        res.writeHead(429, { "retry-after": "0" });
        return res.end();
      }
      job.polls += 1;
      if (s.expireAfterPolls !== undefined && job.polls > s.expireAfterPolls) {
        job.gone = true;
        return outcome(res, 404, "not-found", "The export has expired.");
      }
      if (s.failExport) return outcome(res, 500, s.failExport.code, s.failExport.diagnostics);
      if (job.polls <= s.pollsBeforeDone) {
        res.writeHead(202, {
          "x-progress": `${Math.round((100 * job.polls) / (s.pollsBeforeDone + 1))}% done`,
          "retry-after": s.retryAfter,
        });
        return res.end();
      }
      return manifestPage(res, status[1] as string, job, job.generation++, 0);
    }

    const page = /^\/manifest\/([\w-]+)\/(\d+)$/.exec(url.pathname);
    if (page && req.method === "GET") {
      const job = jobs.get(page[1] as string);
      if (!job || job.gone) return outcome(res, 404, "not-found", "No such export.");
      const generation = Number(url.searchParams.get("g"));
      return manifestPage(res, page[1] as string, job, generation, Number(page[2]));
    }

    const file = /^\/files\/([\w-]+)\/(\d+)$/.exec(url.pathname);
    if (file && req.method === "GET") {
      const job = jobs.get(file[1] as string);
      const index = Number(file[2]);
      const f = job?.files[index];
      if (!job || job.gone || !f) return outcome(res, 404, "not-found", "No such file.");
      const generation = Number(url.searchParams.get("g"));
      if (s.expireFirstLinks && generation === 1)
        return outcome(res, 410, "expired", "This link has expired; ask for the manifest again.");
      if (s.fileStore === "redirect" && at === "fhir") {
        res.writeHead(302, { location: `${state.storeOrigin}${url.pathname}${url.search}` });
        return res.end();
      }
      const etag = `"${job.transactionTime}-${index}"`;
      const headers: Record<string, string> = {
        "content-type": "application/fhir+ndjson",
        etag,
        ...(s.range ? { "accept-ranges": "bytes" } : {}),
        ...(f.gzip ? { "content-encoding": "gzip" } : {}),
      };
      const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
      const ifRange = req.headers["if-range"];
      let start = 0;
      if (s.range && range && (!ifRange || ifRange === etag)) {
        start = Number(range[1]);
        if (start >= f.body.length) {
          res.writeHead(416, { "content-range": `bytes */${f.body.length}` });
          return res.end();
        }
        headers["content-range"] = `bytes ${start}-${f.body.length - 1}/${f.body.length}`;
      }
      const body = f.body.subarray(start);
      headers["content-length"] = String(body.length);
      res.writeHead(start > 0 ? 206 : 200, headers);
      const outputIndex = job.files.filter((x) => x.list === "output").indexOf(f);
      if (
        s.failMidStreamOnce === outputIndex &&
        f.list === "output" &&
        !job.failedOnce.has(index)
      ) {
        job.failedOnce.add(index);
        const half = Math.floor(body.length / 2);
        res.write(body.subarray(0, half), () => {
          // Let the first half reach the client before the connection breaks.
          setTimeout(() => res.destroy(), 50);
        });
        return;
      }
      return res.end(body);
    }
    return outcome(res, 404, "not-found", `No route ${url.pathname}.`);
  };

  const serve = (at: "fhir" | "store"): Server =>
    createServer((req, res) => {
      handle(req, res, at).catch(() => {
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
    });
  const server = serve("fhir");
  const store = serve("store");
  const listen = async (s: Server) => {
    await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
  };
  const origin = await listen(server);
  state.storeOrigin = await listen(store);
  state.baseUrl = `${origin}/fhir`;
  state.tokenUrl = `${origin}/token`;
  const stop = (s: Server) =>
    new Promise<void>((resolve) => {
      s.closeAllConnections();
      s.close(() => resolve());
    });
  state.close = async () => {
    await Promise.all([stop(server), stop(store)]);
  };
  return state;
}

function bytesOf(f: BulkFile): { type: string; body: Buffer; gzip: boolean } {
  const text = Buffer.from(f.lines.map((l) => `${l}\n`).join(""));
  return { type: f.type, body: f.gzip ? gzipSync(text) : text, gzip: f.gzip === true };
}
