import { createHash, generateKeyPairSync } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type BulkFile, type BulkServer, startBulkServer } from "../../test/support/bulk-server.js";
import { type TestDeployment, testDeployment } from "../../test/support/stores.js";
import type { Actor } from "../auth/roles.js";
import { parseConfig } from "../home/config.js";
import type { Home } from "../home/home.js";
import { ForbiddenError, NotFoundError } from "../shared/errors.js";
import { BulkExportError, ExportGoneError, type FetchProgress } from "./bulk-client.js";
import { type FetchCtx, fetchSource, fetchState } from "./fetch-service.js";
import { Backoff, retryAfterMs } from "./http-wait.js";

const steward: Actor = { name: "stina", role: "steward" };

const keys = (() => {
  const pair = generateKeyPairSync("ec", { namedCurve: "P-384" });
  return {
    privatePem: pair.privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    publicPem: pair.publicKey.export({ type: "spki", format: "pem" }).toString(),
  };
})();

const patients = Array.from({ length: 40 }, (_, i) =>
  JSON.stringify({ resourceType: "Patient", id: `p${i}`, gender: i % 2 ? "male" : "female" }),
);
const observations = Array.from({ length: 300 }, (_, i) =>
  JSON.stringify({
    resourceType: "Observation",
    id: `o${i}`,
    status: "final",
    subject: { reference: `Patient/p${i % 40}` },
  }),
);
const conditions = Array.from({ length: 20 }, (_, i) =>
  JSON.stringify({ resourceType: "Condition", id: `c${i}`, subject: { reference: "Patient/p1" } }),
);
const OUTPUT: BulkFile[] = [
  { type: "Patient", lines: patients },
  { type: "Observation", lines: observations },
  { type: "Condition", lines: conditions, gzip: true },
];
const ERRORS = [
  JSON.stringify({
    resourceType: "OperationOutcome",
    issue: [
      {
        severity: "error",
        code: "processing",
        diagnostics: "Patient/p7 secret detail 131052-308T",
      },
    ],
  }),
  JSON.stringify({
    resourceType: "OperationOutcome",
    issue: [
      { severity: "error", code: "processing", diagnostics: "more" },
      { severity: "warning", code: "too-costly", diagnostics: "and more" },
    ],
  }),
];

const sha256 = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");

let t: TestDeployment;
let server: BulkServer;
beforeAll(async () => {
  t = await testDeployment("sqlite");
  writeFileSync(join(t.home.dir, "bulk-client.pem"), keys.privatePem, { mode: 0o600 });
});
afterAll(async () => {
  await t.cleanup();
});
afterEach(async () => {
  await server?.close();
});

/** The deployment with one configured source, `ehr`, pointing at the test server. */
function ctxFor(source: Record<string, unknown> = {}, actor: Actor = steward): FetchCtx {
  const config = parseConfig(
    {
      version: 1,
      fetch: {
        sources: {
          ehr: {
            baseUrl: server.baseUrl,
            auth: {
              tokenEndpoint: server.tokenUrl,
              clientId: "kaivo",
              keyFile: "bulk-client.pem",
              algorithm: "ES384",
            },
            pollMaxSeconds: 2,
            retries: 3,
            ...source,
          },
        },
      },
    },
    "test",
  );
  const home: Home = { ...t.home, config };
  return { home, store: t.store, actor };
}

const FAST = { baseDelayMs: 20 };

function unexpected(): never {
  throw new Error("expected the fetch to fail");
}

async function freshState(): Promise<void> {
  await t.store.db.deleteFrom("fetch_state").execute();
}

describe("Retry-After and backoff", () => {
  it("reads seconds and HTTP-dates, and caps the doubling backoff", () => {
    expect(retryAfterMs("3")).toBe(3000);
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(retryAfterMs("Thu, 01 Jan 2026 00:00:05 GMT", now)).toBe(5000);
    expect(retryAfterMs("Wed, 31 Dec 2025 23:00:00 GMT", now)).toBe(0);
    expect(retryAfterMs("soon")).toBeUndefined();
    const b = new Backoff(100, 500);
    expect([b.next(), b.next(), b.next(), b.next(), b.next(10_000), b.next(50)]).toEqual([
      100, 200, 400, 500, 500, 50,
    ]);
  });
});

describe("kaivo fetch against a Bulk Data server on loopback", () => {
  it("fetches a whole export: token, 429, progress, expired links, a broken transfer resumed by Range, gzip, checksums, the error manifest", async () => {
    await freshState();
    server = await startBulkServer(
      {
        output: OUTPUT,
        errors: ERRORS,
        transactionTime: "2026-02-01T10:00:00Z",
        pollsBeforeDone: 2,
        retryAfter: "0",
        rateLimitOnce: true,
        expireFirstLinks: true,
        failMidStreamOnce: 1,
      },
      { clientId: "kaivo", publicKeyPem: keys.publicPem, algorithm: "ES384" },
    );
    const progress: FetchProgress[] = [];
    const report = await fetchSource(ctxFor({ folder: "bulk/ehr" }), "ehr", {
      ...FAST,
      onProgress: (p) => progress.push(p),
    });

    // The export's folder, in place and complete; nothing half-written is left beside it.
    expect(report.folder).toBe(join(t.home.dir, "bulk", "ehr", "export-20260201T100000Z"));
    expect(readdirSync(join(t.home.dir, "bulk", "ehr"))).toEqual(["export-20260201T100000Z"]);
    const files = readdirSync(report.folder).sort();
    expect(files).toEqual([
      "Condition-1.ndjson.gz",
      "Observation-1.ndjson",
      "Patient-1.ndjson",
      "errors",
      "fetch.json",
      "manifest.json",
    ]);
    expect(readFileSync(join(report.folder, "Observation-1.ndjson"), "utf8")).toBe(
      `${observations.join("\n")}\n`,
    );
    expect(gunzipSync(readFileSync(join(report.folder, "Condition-1.ndjson.gz"))).toString()).toBe(
      `${conditions.join("\n")}\n`,
    );

    // The manifest ingest reads: local names, counts and SHA-256 of the bytes on disk.
    const manifest = JSON.parse(readFileSync(join(report.folder, "manifest.json"), "utf8"));
    expect(manifest.transactionTime).toBe("2026-02-01T10:00:00Z");
    expect(
      manifest.output.map((o: { type: string; url: string; count: number }) => [
        o.type,
        o.url,
        o.count,
      ]),
    ).toEqual([
      ["Patient", "Patient-1.ndjson", 40],
      ["Observation", "Observation-1.ndjson", 300],
      ["Condition", "Condition-1.ndjson.gz", 20],
    ]);
    for (const o of [...manifest.output, ...manifest.error])
      expect(o.sha256).toBe(sha256(join(report.folder, o.url)));

    // The error manifest: counted by issue code, its text never in the report.
    expect(report.errors).toEqual({ files: 1, issues: { processing: 2, "too-costly": 1 } });
    expect(JSON.stringify(report)).not.toMatch(/secret detail|131052/);

    // What happened on the way: a 429, progress, a link renewal, a resumed transfer.
    expect(progress.some((p) => p.phase === "retry" && p.reason === "HTTP 429")).toBe(true);
    expect(
      progress.filter((p) => p.phase === "waiting").map((p) => p.phase === "waiting" && p.progress),
    ).toEqual(["33% done", "67% done"]);
    expect(report.renewedLinks).toBeGreaterThanOrEqual(1);
    expect(report.retries).toBe(1);
    expect(report.resumedBytes).toBeGreaterThan(0);
    const observationGets = server.requests.filter((r) => r.path === "/files/job-1/1");
    expect(observationGets.at(-1)?.range).toMatch(/^bytes=\d+-$/);

    // The protocol: kick-off once, a token everywhere, the export deleted once fetched.
    expect(server.kickOffs).toBe(1);
    expect(server.requests.filter((r) => r.path !== "/token").every((r) => r.authorized)).toBe(
      true,
    );
    expect(server.deletes).toBe(1);
    const kick = server.requests.find((r) => r.path === "/fhir/$export");
    expect(kick?.query._since).toBeUndefined();

    // The next fetch asks for what changed since this export.
    const state = await fetchState(ctxFor());
    expect(state).toEqual([{ source: "ehr", since: "2026-02-01T10:00:00Z", pending: null }]);

    // Audited, with counts and no token or record content.
    const entry = await t.store.db
      .selectFrom("audit_log")
      .selectAll()
      .where("action", "=", "fetch.export")
      .executeTakeFirstOrThrow();
    const details = JSON.parse(entry.details);
    expect(details).toMatchObject({
      source: "ehr",
      files: 3,
      resources: 360,
      transactionTime: "2026-02-01T10:00:00Z",
      errorIssues: { processing: 2, "too-costly": 1 },
    });
    expect(entry.details).not.toMatch(/bulk-token|secret detail/);
  }, 30_000);

  it("sends the last export's transactionTime as _since, with _type and the group", async () => {
    await freshState();
    server = await startBulkServer(
      { output: OUTPUT, transactionTime: "2026-02-01T10:00:00Z", unavailableOnce: true },
      {
        clientId: "kaivo",
        publicKeyPem: keys.publicPem,
        algorithm: "ES384",
      },
    );
    const ctx = ctxFor({ level: "group", groupId: "diabetes", types: ["Patient", "Observation"] });
    const progress: FetchProgress[] = [];
    const first = await fetchSource(ctx, "ehr", { ...FAST, onProgress: (p) => progress.push(p) });
    // A busy server (503 with an HTTP-date) is asked again after it, not failed.
    expect(progress.find((p) => p.phase === "retry")).toMatchObject({
      what: "kick-off",
      reason: "HTTP 503",
    });
    expect(first.since).toBeNull();
    expect(first.output.map((f) => f.type)).toEqual(["Patient", "Observation"]);
    server.scenario.transactionTime = "2026-02-02T10:00:00Z";
    const second = await fetchSource(ctx, "ehr", FAST);
    expect(second.since).toBe("2026-02-01T10:00:00Z");
    const kicks = server.requests.filter((r) => r.path === "/fhir/Group/diabetes/$export");
    // The first kick-off twice (503, then accepted), the second with _since.
    expect(kicks.map((k) => k.query._since)).toEqual([
      undefined,
      undefined,
      "2026-02-01T10:00:00Z",
    ]);
    expect(kicks[0]?.query._type).toBe("Patient,Observation");
    // A full export on request, whatever the state.
    const full = await fetchSource(ctx, "ehr", { ...FAST, full: true });
    expect(full.since).toBeNull();
  }, 30_000);

  it("sends no token to file links that do not need one, and starts over where Range is not offered", async () => {
    await freshState();
    server = await startBulkServer(
      {
        output: OUTPUT,
        requiresAccessToken: false,
        range: false,
        failMidStreamOnce: 1,
        retryAfter: new Date(Date.now() - 1000).toUTCString(),
      },
      { clientId: "kaivo", publicKeyPem: keys.publicPem, algorithm: "ES384" },
    );
    const report = await fetchSource(ctxFor(), "ehr", FAST);
    const fileRequests = server.requests.filter((r) => r.path.startsWith("/files/"));
    expect(fileRequests.length).toBeGreaterThan(0);
    expect(fileRequests.every((r) => !r.authorized)).toBe(true);
    expect(report.resumedBytes).toBe(0);
    expect(report.retries).toBe(1);
    expect(readFileSync(join(report.folder, "Observation-1.ndjson"), "utf8")).toBe(
      `${observations.join("\n")}\n`,
    );
  }, 30_000);

  it("follows a file link's redirect to another origin without the token, and sends the token to no other origin unless configured", async () => {
    await freshState();
    const auth = { clientId: "kaivo", publicKeyPem: keys.publicPem, algorithm: "ES384" as const };
    server = await startBulkServer({ output: OUTPUT, fileStore: "redirect" }, auth);
    const redirected = await fetchSource(ctxFor(), "ehr", FAST);
    expect(readFileSync(join(redirected.folder, "Patient-1.ndjson"), "utf8")).toBe(
      `${patients.join("\n")}\n`,
    );
    const atStore = server.requests.filter((r) => r.at === "store");
    expect(atStore).toHaveLength(3);
    expect(atStore.every((r) => !r.authorized)).toBe(true);
    expect(
      server.requests
        .filter((r) => r.at === "fhir" && r.path.startsWith("/files/"))
        .every((r) => r.authorized),
    ).toBe(true);
    await server.close();

    await freshState();
    server = await startBulkServer({ output: OUTPUT, fileStore: "links" }, auth);
    const refused = await fetchSource(ctxFor(), "ehr", FAST).then(
      unexpected,
      (e: unknown) => e as Error,
    );
    expect(refused).toBeInstanceOf(BulkExportError);
    expect(refused.message).toMatch(/sends only to the Bulk Data server itself/);
    expect(server.requests.filter((r) => r.at === "store")).toEqual([]);
    const allowed = await fetchSource(ctxFor({ fileOrigins: [server.storeOrigin] }), "ehr", FAST);
    expect(allowed.resumed).toBe(true);
    expect(allowed.output).toHaveLength(3);
  }, 30_000);

  it("reads a manifest in pages, with links that expire, and refuses a next page on another origin", async () => {
    await freshState();
    const many: BulkFile[] = Array.from({ length: 5 }, (_, i) => ({
      type: "Observation",
      lines: observations.slice(i * 60, (i + 1) * 60),
    }));
    server = await startBulkServer(
      {
        output: [{ type: "Patient", lines: patients }, ...many],
        errors: ERRORS,
        manifestPageSize: 2,
        expireFirstLinks: true,
      },
      { clientId: "kaivo", publicKeyPem: keys.publicPem, algorithm: "ES384" },
    );
    const report = await fetchSource(ctxFor({ folder: "paged/ehr" }), "ehr", FAST);
    const manifest = JSON.parse(readFileSync(join(report.folder, "manifest.json"), "utf8"));
    expect(manifest.output.map((o: { url: string }) => o.url)).toEqual([
      "Patient-1.ndjson",
      ...[1, 2, 3, 4, 5].map((n) => `Observation-${n}.ndjson`),
    ]);
    expect(manifest.output.reduce((n: number, o: { count: number }) => n + o.count, 0)).toBe(340);
    expect(report.errors).toEqual({ files: 1, issues: { processing: 2, "too-costly": 1 } });
    expect(report.renewedLinks).toBeGreaterThanOrEqual(1);
    // Pages 1..3 of the 7 files, asked for with the token, twice (the links expired once).
    const pages = server.requests.filter((r) => r.path.startsWith("/manifest/"));
    expect(pages.map((r) => r.path)).toEqual([
      "/manifest/job-1/1",
      "/manifest/job-1/2",
      "/manifest/job-1/3",
      "/manifest/job-1/1",
      "/manifest/job-1/2",
      "/manifest/job-1/3",
    ]);
    expect(pages.every((r) => r.authorized)).toBe(true);
    await server.close();

    await freshState();
    server = await startBulkServer(
      {
        output: [{ type: "Patient", lines: patients }, ...many],
        manifestPageSize: 2,
        foreignNextLink: true,
        fileStore: "links",
      },
      { clientId: "kaivo", publicKeyPem: keys.publicPem, algorithm: "ES384" },
    );
    const error = await fetchSource(ctxFor({ folder: "paged2/ehr" }), "ehr", FAST).then(
      unexpected,
      (e: unknown) => e as Error,
    );
    expect(error).toBeInstanceOf(BulkExportError);
    expect(error.message).toMatch(
      /names its next page at http:\/\/127\.0\.0\.1:\d+, not at the Bulk Data server/,
    );
    expect(server.requests.some((r) => r.at === "store")).toBe(false);
  }, 30_000);

  it("reports a refused kick-off with the server's OperationOutcome", async () => {
    await freshState();
    server = await startBulkServer(
      {
        output: OUTPUT,
        refuseKickOff: { status: 400, code: "not-supported", diagnostics: "_type Foo is unknown" },
      },
      { clientId: "kaivo", publicKeyPem: keys.publicPem, algorithm: "ES384" },
    );
    const error = await fetchSource(ctxFor(), "ehr", FAST).then(
      unexpected,
      (e: unknown) => e as Error,
    );
    expect(error).toBeInstanceOf(BulkExportError);
    expect(error.message).toBe(
      "The Bulk Data server refused the export request (HTTP 400 Bad Request: error not-supported: _type Foo is unknown).",
    );
    expect((error as BulkExportError).hint).toMatch(/types in kaivo.json/);
    expect(await fetchState(ctxFor())).toEqual([{ source: "ehr", since: null, pending: null }]);
  }, 30_000);

  it("reports an export that failed on the server, and one that expired", async () => {
    await freshState();
    server = await startBulkServer(
      { output: OUTPUT, failExport: { code: "exception", diagnostics: "disk full" } },
      { clientId: "kaivo", publicKeyPem: keys.publicPem, algorithm: "ES384" },
    );
    const failed = await fetchSource(ctxFor(), "ehr", FAST).then(
      unexpected,
      (e: unknown) => e as Error,
    );
    expect(failed).toBeInstanceOf(BulkExportError);
    expect(failed.message).toMatch(/export failed \(HTTP 500.*exception: disk full\)/);
    await server.close();

    server = await startBulkServer({ output: OUTPUT, pollsBeforeDone: 5, expireAfterPolls: 1 });
    const gone = await fetchSource(ctxFor({ auth: undefined }), "ehr", FAST).then(
      unexpected,
      (e: unknown) => e as Error,
    );
    expect(gone).toBeInstanceOf(ExportGoneError);
    expect(gone.message).toMatch(/cancelled or has expired/);
    // Neither is kept to resume.
    expect((await fetchState(ctxFor()))[0]?.pending).toBeNull();
    const failures = await t.store.db
      .selectFrom("audit_log")
      .select("details")
      .where("action", "=", "fetch.failed")
      .execute();
    expect(failures.length).toBeGreaterThanOrEqual(2);
  }, 30_000);

  it("cancels an export that takes longer than maxWaitMinutes (DELETE)", async () => {
    await freshState();
    server = await startBulkServer({ output: OUTPUT, pollsBeforeDone: 100, retryAfter: "5" });
    const error = await fetchSource(
      ctxFor({ auth: undefined, maxWaitMinutes: 0.01, pollMaxSeconds: 5 }),
      "ehr",
      FAST,
    ).then(unexpected, (e: unknown) => e as Error);
    expect(error.message).toMatch(/not complete after 0.01 minutes; it was cancelled/);
    expect(server.deletes).toBe(1);
  }, 30_000);

  it("resumes an export a cut-off fetch kicked off, instead of asking for another", async () => {
    await freshState();
    server = await startBulkServer({ output: OUTPUT, pollsBeforeDone: 3, retryAfter: "1" });
    const ctx = ctxFor({ auth: undefined });
    const stop = new AbortController();
    const cut = await fetchSource(ctx, "ehr", {
      ...FAST,
      signal: stop.signal,
      onProgress: (p) => {
        if (p.phase === "waiting") stop.abort(new Error("cut off"));
      },
    }).then(unexpected, (e: unknown) => e as Error);
    expect(cut.message).toBe("cut off");
    expect((await fetchState(ctx))[0]?.pending).not.toBeNull();
    server.scenario.retryAfter = "0";
    const report = await fetchSource(ctx, "ehr", FAST);
    expect(report.resumed).toBe(true);
    expect(server.kickOffs).toBe(1);
    expect(existsSync(join(report.folder, "Patient-1.ndjson"))).toBe(true);
    expect((await fetchState(ctx))[0]).toMatchObject({
      since: "2026-01-01T00:00:00Z",
      pending: null,
    });
  }, 30_000);

  it("leaves a fetch cut off mid-file as a .part, never a partial file, and resumes it by Range", async () => {
    await freshState();
    const big = Array.from({ length: 20_000 }, (_, i) =>
      JSON.stringify({
        resourceType: "Observation",
        id: `big${i}`,
        status: "final",
        note: "x".repeat(80),
      }),
    );
    server = await startBulkServer({
      output: [
        { type: "Patient", lines: patients },
        { type: "Observation", lines: big },
      ],
    });
    const ctx = ctxFor({ auth: undefined });
    const stop = new AbortController();
    const cut = await fetchSource(ctx, "ehr", {
      ...FAST,
      signal: stop.signal,
      onProgress: (p) => {
        if (p.phase === "download" && p.file === "Observation-1" && p.bytes > 1_000_000)
          stop.abort(new Error("cut off"));
      },
    }).then(unexpected, (e: unknown) => e as Error);
    expect(cut.message).toBe("cut off");
    const folder = join(t.home.dir, "inbox", "ehr");
    const incoming = readdirSync(folder).filter((n) => n.startsWith(".incoming-"));
    expect(incoming).toHaveLength(1);
    const left = readdirSync(join(folder, incoming[0] as string)).sort();
    expect(left).toEqual(["Observation-1.part", "Patient-1.ndjson", "errors"]);
    expect(
      statSync(join(folder, incoming[0] as string, "Observation-1.part")).size,
    ).toBeGreaterThan(0);

    const report = await fetchSource(ctx, "ehr", FAST);
    expect(report.resumed).toBe(true);
    expect(report.resumedBytes).toBeGreaterThan(0);
    expect(server.kickOffs).toBe(1);
    expect(readFileSync(join(report.folder, "Observation-1.ndjson"), "utf8")).toBe(
      `${big.join("\n")}\n`,
    );
    expect(readdirSync(folder).filter((n) => n.startsWith(".incoming-"))).toEqual([]);
  }, 30_000);

  it("asks for a new token when the server stops taking the old one", async () => {
    await freshState();
    server = await startBulkServer(
      { output: OUTPUT, pollsBeforeDone: 2 },
      { clientId: "kaivo", publicKeyPem: keys.publicPem, algorithm: "ES384" },
    );
    const report = await fetchSource(ctxFor(), "ehr", {
      ...FAST,
      onProgress: (p) => {
        if (p.phase === "waiting") server.revokeTokens();
      },
    });
    expect(report.output).toHaveLength(3);
    expect(server.tokensIssued).toBeGreaterThanOrEqual(2);
  }, 30_000);

  it("is for stewards only, and names the configured sources", async () => {
    server = await startBulkServer({ output: OUTPUT });
    await expect(
      fetchSource(ctxFor({}, { name: "riku", role: "researcher" }), "ehr"),
    ).rejects.toBeInstanceOf(ForbiddenError);
    const missing = await fetchSource(ctxFor(), "lab").then(
      unexpected,
      (e: unknown) => e as NotFoundError,
    );
    expect(missing).toBeInstanceOf(NotFoundError);
    expect(missing.hint).toBe("Configured: ehr.");
    expect(server.requests).toEqual([]);
  });
});
