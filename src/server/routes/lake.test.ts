import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TestServer, testServer } from "../../../test/support/server.js";

let s: TestServer;
beforeAll(async () => {
  s = await testServer({
    users: { stina: "steward", aino: "auditor", riku: "researcher" },
    patients: 400,
    dirty: 0.05,
  });
}, 300_000);
afterAll(async () => {
  await s?.close();
});

describe("lake", () => {
  it("lists snapshots and tables for stewards and auditors", async () => {
    for (const user of ["stina", "aino"]) {
      const snaps = await s.call(user, "GET", "/api/lake/snapshots");
      expect(snaps.status).toBe(200);
      expect(snaps.body.snapshots.length).toBeGreaterThan(0);
      expect(snaps.body.snapshots[0]).toMatchObject({ loadId: 1, source: "ehr" });
      const tables = await s.call(user, "GET", "/api/lake/tables?snapshot=1");
      expect(tables.status).toBe(200);
      const person = tables.body.tables.find(
        (t: { registry: string; table: string }) =>
          t.registry === "clinical" && t.table === "person",
      );
      expect(person.people).toBeGreaterThan(100);
    }
  });
  it("refuses researchers and unauthenticated calls, and bad snapshots", async () => {
    expect((await s.call("riku", "GET", "/api/lake/tables")).status).toBe(403);
    expect((await s.call(undefined, "GET", "/api/lake/snapshots")).status).toBe(401);
    const bad = await s.call("stina", "GET", "/api/lake/tables?snapshot=zero");
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/snapshot/);
  });
});

describe("loads", () => {
  it("queues an ingest job from the inbox for stewards; the same export again changes nothing", async () => {
    const r = await s.call("stina", "POST", "/api/lake/loads", {
      path: s.inboxPath,
      reason: "again",
    });
    expect(r.status, r.text).toBe(202);
    expect(r.body).toMatchObject({ kind: "ingest", status: "queued" });
    const done = await s.jobs.waitFor(r.body.id);
    expect(done.error).toBeNull();
    const loads = (done.result as { loads: Array<{ alreadyLoaded: boolean }> }).loads;
    expect(loads.length).toBeGreaterThan(0);
    expect(loads.every((l) => l.alreadyLoaded)).toBe(true);
  });
  it("refuses other roles, paths outside the inbox and missing exports", async () => {
    const body = { path: s.inboxPath, reason: "x" };
    expect((await s.call("aino", "POST", "/api/lake/loads", body)).status).toBe(403);
    expect((await s.call("riku", "POST", "/api/lake/loads", body)).status).toBe(403);
    const outside = await s.call("stina", "POST", "/api/lake/loads", { path: "../x", reason: "x" });
    expect(outside.status).toBe(400);
    const missing = await s.call("stina", "POST", "/api/lake/loads", { path: "nope", reason: "x" });
    expect(missing.status).toBe(400);
    expect((await s.call("stina", "POST", "/api/lake/loads", { path: s.inboxPath })).status).toBe(
      400,
    );
  });
});

describe("quarantine", () => {
  it("lists, shows and retries through a job (stewards)", async () => {
    const list = await s.call("stina", "GET", "/api/quarantine?status=open");
    expect(list.status).toBe(200);
    expect(list.body.entries.length).toBeGreaterThan(0);
    const entry = list.body.entries[0];
    expect(entry).toMatchObject({ status: "open" });
    expect(entry).not.toHaveProperty("record");

    const shown = await s.call("stina", "GET", `/api/quarantine/${entry.id}`);
    expect(shown.status).toBe(200);
    expect(typeof shown.body.record).toBe("string");
    expect(shown.headers.get("Cache-Control")).toBe("no-store");

    const before = (await s.call("stina", "GET", "/api/lake/snapshots")).body.snapshots.length;
    const retry = await s.call("stina", "POST", `/api/quarantine/${entry.id}/retry`, {
      reason: "test retry",
    });
    expect(retry.status).toBe(202);
    expect(retry.body).toMatchObject({ kind: "quarantine.retry", status: "queued" });
    const done = await s.jobs.waitFor(retry.body.id);
    expect(done.error).toBeNull();
    expect(done.status).toBe("done");
    expect(done.result).toMatchObject({ quarantineId: entry.id, load: { loadId: before + 1 } });
    const after = await s.call("stina", "GET", "/api/quarantine?status=retried");
    expect(after.body.entries.map((e: { id: number }) => e.id)).toContain(entry.id);
    const job = await s.call("stina", "GET", `/api/jobs/${retry.body.id}`);
    expect(job.body.status).toBe("done");
  });
  it("refuses other roles, unknown records and requests without a reason", async () => {
    expect((await s.call("aino", "GET", "/api/quarantine")).status).toBe(403);
    expect((await s.call("riku", "GET", "/api/quarantine/1")).status).toBe(403);
    const retry = await s.call("riku", "POST", "/api/quarantine/1/retry", { reason: "x" });
    expect(retry.status).toBe(403);
    expect((await s.call("stina", "GET", "/api/quarantine/999999")).status).toBe(404);
    const unknown = await s.call("stina", "POST", "/api/quarantine/999999/retry", { reason: "x" });
    expect(unknown.status).toBe(404);
    expect((await s.call("stina", "POST", "/api/quarantine/1/retry", {})).status).toBe(400);
    expect((await s.call("stina", "GET", "/api/quarantine?status=gone")).status).toBe(400);
  });
});
