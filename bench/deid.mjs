// De-identification benchmark: recall per identifier type and precision of the identifier
// detector (src/identity/detect.ts) on annotated synthetic notes, hand-written hard cases and
// four held-out sets written without sight of the detector (deid/held-out.jsonl,
// deid/held-out-2.jsonl, deid/held-out-3.jsonl, deid/held-out-4.jsonl).
// See docs/deidentification.md, "The benchmark".
//
// Usage: npm run bench:deid [-- --json] [-- --list N]   (misses and false positives listed: 40)
import { join } from "node:path";
import { parseArgs } from "node:util";
import { formatReport } from "../dist/deid-bench/report.js";
import { runBenchmark } from "../dist/deid-bench/run.js";

const { values } = parseArgs({
  options: { json: { type: "boolean" }, list: { type: "string", default: "40" } },
});
const result = runBenchmark(join(import.meta.dirname, "deid/hard-cases.jsonl"));
process.stdout.write(
  values.json ? `${JSON.stringify(result, null, 1)}\n` : formatReport(result, Number(values.list)),
);
