import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { E2E_TEST_TIMEOUT_MS, kaivo } from "./support/cli.js";
import { tempDir } from "./support/stores.js";

vi.setConfig({ testTimeout: E2E_TEST_TIMEOUT_MS, hookTimeout: E2E_TEST_TIMEOUT_MS });

const env = { PATH: process.env.PATH };
const tmp = tempDir("kaivo-view-cli-");
const VIEWS = join(import.meta.dirname, "../views/fhir");
const out = join(tmp.dir, "synth");

beforeAll(() => {
  const synth = kaivo(["synth", "--patients", "120", "--out", out, "--dirty", "0.03"], env);
  expect(synth.status).toBe(0);
});
afterAll(() => tmp.remove());

describe("kaivo view", () => {
  it("validate describes a good view and names the place of an error", () => {
    const good = kaivo(["view", "validate", join(VIEWS, "observation.json")], env);
    expect(good.status).toBe(0);
    expect(good.stdout).toMatch(/valid ViewDefinition of Observation, 17 columns/);
    expect(good.stdout).toMatch(/DuckDB compiler: translates it/);
    const bad = join(tmp.dir, "bad.json");
    writeFileSync(
      bad,
      JSON.stringify({
        resource: "Patient",
        select: [{ column: [{ name: "id", path: "id", typ: "id" }] }],
      }),
    );
    const result = kaivo(["view", "validate", bad], env);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/ViewDefinition select\[0\]\.column\[0\]: unknown key "typ"/);
  });

  it("runs a view over an export folder, reports bad lines with file and line, and goes on", () => {
    const result = kaivo(["view", "run", join(VIEWS, "condition.json"), out], env);
    expect(result.status).toBe(0);
    const rows = result.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(rows.length).toBeGreaterThan(100);
    expect(Object.keys(rows[0])).toEqual([
      "condition_id",
      "patient_id",
      "encounter_id",
      "category",
      "clinical_status",
      "verification_status",
      "onset",
      "onset_start",
      "recorded",
      "coding_index",
      "system",
      "code",
      "display",
    ]);
    expect(result.stderr).toMatch(/Condition-1\.ndjson:\d+: not valid JSON .*skipped/);
    expect(result.stderr).toMatch(/using the reference evaluator/);
  });

  it("writes CSV and Parquet", async () => {
    const csv = kaivo(
      [
        "view",
        "run",
        join(VIEWS, "patient.json"),
        join(out, "fhir"),
        "--format",
        "csv",
        "--engine",
        "reference",
      ],
      env,
    );
    expect(csv.status).toBe(0);
    const lines = csv.stdout.trim().split("\n");
    expect(lines[0]).toBe(
      "patient_id,version,last_updated,sex,birth_date,deceased_at,municipality,language",
    );
    const parquet = join(tmp.dir, "encounters.parquet");
    const clean = join(tmp.dir, "clean");
    expect(kaivo(["synth", "--patients", "50", "--out", clean], env).status).toBe(0);
    const result = kaivo(
      ["view", "run", join(VIEWS, "encounter.json"), clean, "--out", parquet],
      env,
    );
    expect(result.status).toBe(0);
    const db = await DuckDBInstance.create(":memory:");
    const connection = await db.connect();
    const rows = (
      await connection.runAndReadAll(
        `SELECT count(*) AS n, count(DISTINCT patient_id) AS p FROM '${parquet}'`,
      )
    ).getRowObjectsJson();
    expect(Number(rows[0]?.n)).toBeGreaterThan(50);
    connection.closeSync();
    db.closeSync();
  });

  it("says so when a view falls back to the reference evaluator", () => {
    const view = join(tmp.dir, "repeat.json");
    writeFileSync(
      view,
      JSON.stringify({
        resource: "Patient",
        select: [
          { column: [{ name: "id", path: "id" }] },
          { repeat: ["contact"], column: [{ name: "rel", path: "relationship.text.first()" }] },
        ],
      }),
    );
    const result = kaivo(["view", "run", view, join(out, "fhir"), "--engine", "duckdb"], env);
    expect(result.status).toBe(0);
    expect(result.stderr).toMatch(
      /view uses repeat, which the DuckDB compiler does not translate: using the reference evaluator/,
    );
    expect(result.stdout.trim().split("\n").length).toBeGreaterThan(50);
  });
});
