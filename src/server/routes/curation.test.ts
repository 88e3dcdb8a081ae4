import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TestServer, testServer } from "../../../test/support/server.js";

let s: TestServer;
beforeAll(async () => {
  s = await testServer({
    users: { stina: "steward", aino: "auditor", riku: "researcher", reija: "reviewer" },
    patients: 400,
  });
}, 300_000);
afterAll(async () => {
  await s?.close();
});

const T2D = {
  name: "t2d-any",
  codeSets: { t2d: { system: "icd10", codes: ["E11*"] } },
  entry: { events: { table: "clinical.diagnosis", codeSet: "t2d" } },
};

describe("catalog curation", () => {
  it("annotates for stewards, and researchers see the annotation", async () => {
    const r = await s.call("stina", "POST", "/api/catalog/clinical.lab/annotations", {
      description: "Laboratory results from the hospital's LIS",
      keywords: "lab, LIS",
    });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      target: "clinical.lab",
      fields: { description: "Laboratory results from the hospital's LIS", keywords: "lab, LIS" },
    });
    const shown = await s.call("riku", "GET", "/api/catalog/clinical.lab");
    expect(shown.body.table.description).toBe("Laboratory results from the hospital's LIS");
  });
  it("refuses other roles, unknown fields and empty annotations", async () => {
    const body = { description: "no" };
    expect(
      (await s.call("riku", "POST", "/api/catalog/clinical.lab/annotations", body)).status,
    ).toBe(403);
    expect(
      (await s.call("aino", "POST", "/api/catalog/clinical.lab/annotations", body)).status,
    ).toBe(403);
    const unknown = await s.call("stina", "POST", "/api/catalog/clinical.lab/annotations", {
      colour: "red",
    });
    expect(unknown.status).toBe(400);
    // A table has no unit: the service says which fields it has.
    const unit = await s.call("stina", "POST", "/api/catalog/clinical.lab/annotations", {
      unit: "mmol/l",
    });
    expect(unit.status).toBe(400);
    expect(unit.body.hint).toMatch(/Fields of a table/);
    expect(
      (await s.call("stina", "POST", "/api/catalog/clinical.lab/annotations", {})).status,
    ).toBe(400);
  });
  it("exports HealthDCAT-AP and Markdown for stewards only", async () => {
    const dcat = await s.call("stina", "GET", "/api/exports/catalog?format=healthdcat");
    expect(dcat.status).toBe(200);
    expect(dcat.headers.get("Content-Type")).toMatch(/application\/ld\+json/);
    expect(JSON.parse(dcat.text)).toHaveProperty("@context");
    const md = await s.call("stina", "GET", "/api/exports/catalog?format=markdown");
    expect(md.status).toBe(200);
    expect(md.headers.get("Content-Type")).toMatch(/text\/markdown/);
    expect(md.text).toMatch(/clinical/);
    expect((await s.call("riku", "GET", "/api/exports/catalog?format=markdown")).status).toBe(403);
    expect((await s.call("stina", "GET", "/api/exports/catalog?format=pdf")).status).toBe(400);
  });
  it("looks codes up for every role", async () => {
    const r = await s.call("riku", "GET", "/api/vocab/icd10?codes=E11*,Z99.99");
    expect(r.status).toBe(200);
    expect(r.body.found[0].pattern).toBe("E11*");
    expect(r.body.found[0].codes.length).toBeGreaterThan(0);
    expect(r.body.found[1]).toEqual({ pattern: "Z99.99", codes: [] });
    expect((await s.call("riku", "GET", "/api/vocab/icd10")).status).toBe(400);
  });
});

describe("quality", () => {
  it("reports for stewards and auditors, not researchers", async () => {
    for (const user of ["stina", "aino"]) {
      const r = await s.call(user, "GET", "/api/quality");
      expect(r.status).toBe(200);
      expect(r.body.loadId).toBeGreaterThan(0);
      expect(r.body.results.length).toBeGreaterThan(0);
      expect(["pass", "warn", "fail"]).toContain(r.body.results[0].status);
    }
    expect((await s.call("riku", "GET", "/api/quality")).status).toBe(403);
    expect((await s.call("stina", "GET", "/api/quality?snapshot=-1")).status).toBe(400);
  });
});

describe("cohorts", () => {
  it("validates (and saves), explains, shows SQL and lists", async () => {
    const v = await s.call("riku", "POST", "/api/cohorts/validate", { definition: T2D });
    expect(v.status).toBe(200);
    expect(v.body).toMatchObject({ name: "t2d-any", errors: [] });
    expect(v.body.hash).toMatch(/^[0-9a-f]{64}$/);
    const again = await s.call("stina", "POST", "/api/cohorts/validate", { definition: T2D });
    expect(again.body.hash).toBe(v.body.hash);
    for (const user of ["riku", "stina", "reija", "aino"]) {
      const e = await s.call(user, "POST", "/api/cohorts/explain", { definition: T2D });
      expect(e.status).toBe(200);
      expect(e.body.text).toMatch(/E11/);
      const q = await s.call(user, "POST", "/api/cohorts/sql", { definition: T2D, snapshot: 1 });
      expect(q.status).toBe(200);
      expect(q.body.sql).toMatch(/select/i);
      expect(q.body.params.length).toBeGreaterThan(0);
    }
    const l = await s.call("aino", "GET", "/api/cohorts");
    expect(l.status).toBe(200);
    expect(l.body.versions.map((x: { hash: string }) => x.hash)).toContain(v.body.hash);
    expect(l.body.runs).toEqual([]);
  });
  it("reports a definition's errors, and refuses shapes and roles", async () => {
    const unknownTable = await s.call("riku", "POST", "/api/cohorts/validate", {
      definition: { ...T2D, entry: { events: { table: "clinical.nope", codeSet: "t2d" } } },
    });
    expect(unknownTable.status).toBe(200);
    expect(unknownTable.body.errors.length).toBeGreaterThan(0);
    expect((await s.call("riku", "POST", "/api/cohorts/validate", { definition: 7 })).status).toBe(
      400,
    );
    expect(
      (await s.call("riku", "POST", "/api/cohorts/sql", { definition: T2D, snapshot: "x" })).status,
    ).toBe(400);
    expect(
      (await s.call("reija", "POST", "/api/cohorts/validate", { definition: T2D })).status,
    ).toBe(403);
    expect((await s.call("adam", "GET", "/api/cohorts")).status).toBe(401);
  });
  it("runs a cohort as a job for stewards; the run is then listed", async () => {
    expect(
      (await s.call("riku", "POST", "/api/cohorts/runs", { definition: T2D, reason: "try" }))
        .status,
    ).toBe(403);
    const r = await s.call("stina", "POST", "/api/cohorts/runs", {
      definition: T2D,
      reason: "for P-1",
    });
    expect(r.status).toBe(202);
    expect(r.body).toMatchObject({ kind: "cohort.run", status: "queued" });
    const done = await s.jobs.waitFor(r.body.id);
    expect(done.error).toBeNull();
    expect(done.result).toMatchObject({ name: "t2d-any", runId: 1 });
    const l = await s.call("stina", "GET", "/api/cohorts");
    expect(l.body.runs).toHaveLength(1);
    expect((await s.call("stina", "POST", "/api/cohorts/runs", { definition: T2D })).status).toBe(
      400,
    );
  });
});
