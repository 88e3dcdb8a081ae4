// Runs the SQL on FHIR v2 conformance suite and prints one line per failure and a closing
// `N passed, N failed`. Usage: npm run conformance [-- [--engine reference|duckdb] [DIR]]
// With --engine duckdb, cases the compiler does not translate are counted as not covered.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConformanceSuite, runCase } from "./conformance.js";
import { compileToDuckdb } from "./duckdb/compile.js";
import { openDuckdb, runCompiled } from "./duckdb/run.js";
import { evaluateAll, type Row } from "./reference.js";

const args = process.argv.slice(2);
const engineAt = args.indexOf("--engine");
const engine = engineAt >= 0 ? args.splice(engineAt, 2)[1] : "reference";
const dir =
  args[0] ?? join(import.meta.dirname, "../../../shared/conformance/sql-on-fhir-v2/tests");
const cases = loadConformanceSuite(dir);
const tmp = mkdtempSync(join(tmpdir(), "kaivo-conformance-"));
const db = await openDuckdb(1);
let passed = 0;
let notCovered = 0;
const reasons = new Map<string, number>();
try {
  for (const [i, c] of cases.entries()) {
    let skipped = false;
    const r = await runCase(c, async (plan, resources) => {
      if (engine !== "duckdb") return [...evaluateAll(plan, resources)];
      const compiled = compileToDuckdb(plan);
      if (!compiled.ok) {
        skipped = true;
        reasons.set(compiled.reason, (reasons.get(compiled.reason) ?? 0) + 1);
        return [];
      }
      const file = join(tmp, `case-${i}.ndjson`);
      writeFileSync(file, resources.map((res) => JSON.stringify(res)).join("\n"));
      const rows: Row[] = [];
      for await (const chunk of runCompiled(db.connection, compiled.sql, [file], "mixed"))
        rows.push(...chunk);
      return rows;
    });
    if (skipped) {
      notCovered++;
      continue;
    }
    if (r.passed) passed++;
    else process.stdout.write(`FAIL ${r.file} "${r.title}": ${r.reason}\n`);
  }
} finally {
  db.close();
  rmSync(tmp, { recursive: true, force: true });
}
const run = cases.length - notCovered;
if (engine === "duckdb") {
  process.stdout.write(
    `DuckDB compiler: ${notCovered} of ${cases.length} cases not covered (they fall back):\n`,
  );
  for (const [reason, n] of [...reasons].sort((a, b) => b[1] - a[1]))
    process.stdout.write(`  ${n} × ${reason}\n`);
}
process.stdout.write(`${passed} passed, ${run - passed} failed\n`);
process.exitCode = passed === run ? 0 : 1;
