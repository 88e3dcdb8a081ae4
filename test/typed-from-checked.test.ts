import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadLakeTables } from "../src/ingest/table-config.js";
import { DEFAULT_SYNTH_OPTIONS, runSynth } from "../src/synth/synth.js";
import { compileToDuckdb } from "../src/views/duckdb/compile.js";
import { openDuckdb } from "../src/views/duckdb/run.js";
import { literal, type SchemaNode } from "../src/views/duckdb/schema.js";
import { tempDir } from "./support/stores.js";

// A load parses each line once, with every value the views read kept as JSON text so the checks
// see its real JSON type; SchemaNode.typedSql then gives each view its typed value. This holds
// that value to what the view's own typed parse of the line gives, for every line that passes
// the type check: synth output, and hand-made lines with values that typing could change.

const tmp = tempDir("kaivo-typed-");
afterAll(() => tmp.remove());

const edgeLines: Record<string, string[]> = {
  Observation: [
    '{"resourceType":"Observation","id":"o1","status":"final","valueQuantity":{"value":1.50,"unit":"\\u00b5mol/l"},"code":{"coding":[{"system":"s","code":"c\\"q"},null,{"code":"x"}],"text":"line\\nbreak"}}',
    '{"resourceType":"Observation","id":"o2","valueQuantity":{"value":-0},"referenceRange":[],"interpretation":[{"coding":[]},{"coding":[{"code":"H"}]}]}',
    '{"resourceType":"Observation","id":"o3","valueQuantity":{"value":1e3},"code":null,"subject":{"reference":"Patient/p","display":"x"}}',
    '{"resourceType":"Observation","id":"o4","valueQuantity":{"value":12345678901234567890},"referenceRange":[{"low":{"value":0.1},"high":{"value":2}}]}',
    '{"resourceType":"Observation","id":"o5","valueString":"ä \\u2028 \\ud83d\\ude00","issued":"2020-01-01T00:00:00Z","extra":{"a":[1,2]}}',
  ],
  Patient: [
    '{"resourceType":"Patient","id":"p1","gender":"female","birthDate":"1970-01-01","deceasedBoolean":false,"deceasedDateTime":null}',
    '{"resourceType":"Patient","id":"p2","deceasedBoolean":true,"address":[{"use":"home","extension":[{"url":"u","valueCoding":{"code":"091"}}]},null],"communication":[{"preferred":true,"language":{"coding":[{"code":"fi"}]}}]}',
  ],
};

async function typedAgreement(schema: SchemaNode, lines: string[]) {
  const db = await openDuckdb(1);
  try {
    const c = db.connection;
    await c.run("CREATE TEMP TABLE lines (n INTEGER, raw VARCHAR)");
    const appender = await c.createAppender("lines");
    lines.forEach((raw, i) => {
      appender.appendInteger(i);
      appender.appendVarchar(raw);
      appender.endRow();
    });
    appender.closeSync();
    const untyped = literal(JSON.stringify(schema.untypedStructure()));
    const typed = literal(JSON.stringify(schema.jsonStructure()));
    let k = 0;
    const rows = (
      await c.runAndReadAll(`SELECT n, from_json(raw, ${typed})::VARCHAR AS want,
          ${schema.typedSql("c")}::VARCHAR AS got, typeof(${schema.typedSql("c")}) = typeof(from_json(raw, ${typed})) AS same_type
        FROM (SELECT n, raw, try(from_json(raw, ${untyped})) AS c FROM lines)
        WHERE c IS NOT NULL AND ${schema.typeCheckSql("c", () => `k${++k}`)}`)
    ).getRowObjectsJson();
    return rows;
  } finally {
    db.close();
  }
}

describe("typed values from the check's parse", () => {
  let fhir: string;
  beforeAll(async () => {
    const out = join(tmp.dir, "synth");
    await runSynth({ ...DEFAULT_SYNTH_OPTIONS, patients: 40, seed: 11, out });
    fhir = join(out, "fhir");
  }, 60_000);

  it("equal the view's own typed parse, for every lake view", async () => {
    const tables = loadLakeTables();
    let compared = 0;
    for (const table of tables) {
      const compiled = compileToDuckdb(table.plan, { lines: true });
      if (!compiled.ok) continue;
      const synth = readdirSync(fhir)
        .filter((f) => f.startsWith(`${table.resourceType}-`))
        .flatMap((f) => readFileSync(join(fhir, f), "utf8").split("\n").filter(Boolean));
      const edges = edgeLines[table.resourceType] ?? [];
      const rows = await typedAgreement(compiled.sql.schema, [...synth, ...edges]);
      for (const row of rows) {
        expect(row.got, `${table.name} line ${row.n}`).toBe(row.want);
        expect(row.same_type, `${table.name} line ${row.n}`).toBe(true);
      }
      compared += rows.length;
      expect(rows.length, table.name).toBeGreaterThan(0);
      // Every hand-made line passes the type check, so each was compared.
      expect(rows.filter((r) => Number(r.n) >= synth.length).length, table.name).toBe(edges.length);
    }
    expect(compared).toBeGreaterThan(1000);
  }, 60_000);
});
