// De-identification benchmark: recall per identifier type and precision of the identifier
// detector (src/identity/detect.ts) on annotated synthetic notes, hand-written hard cases and
// the held-out sets written without sight of the detector (deid/held-out*.jsonl; the list and
// what is known of each is HELD_OUT_SETS in src/deid-bench/run.ts). A blind set's misses are not
// printed, in the report or in --json.
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
const blindFigures = (h) =>
  h.set.blind
    ? {
        ...h,
        score: {
          ...h.score,
          misses: h.score.misses.length,
          falsePositives: h.score.falsePositives.length,
        },
      }
    : h;
const json = () =>
  JSON.stringify({ ...result, heldOut: result.heldOut.map(blindFigures) }, null, 1);
process.stdout.write(values.json ? `${json()}\n` : formatReport(result, Number(values.list)));
