// Runs the SQL on FHIR v2 conformance suite against the reference evaluator and prints one line
// per failure and a closing `N passed, N failed`. Usage: npm run conformance [-- DIR]
import { join } from "node:path";
import { loadConformanceSuite, runCase } from "./conformance.js";
import { evaluateAll } from "./reference.js";

const dir =
  process.argv[2] ?? join(import.meta.dirname, "../../../shared/conformance/sql-on-fhir-v2/tests");
const cases = loadConformanceSuite(dir);
let passed = 0;
for (const c of cases) {
  const r = await runCase(c, (plan, resources) => [...evaluateAll(plan, resources)]);
  if (r.passed) passed++;
  else process.stdout.write(`FAIL ${r.file} "${r.title}": ${r.reason}\n`);
}
process.stdout.write(`${passed} passed, ${cases.length - passed} failed\n`);
process.exitCode = passed === cases.length ? 0 : 1;
