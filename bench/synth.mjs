// Benchmark for `kaivo synth`: people/s, MB/s and peak RSS at 10 k and 100 k people, with the
// ratio to a baseline measured in the same run: writing the same number of bytes of NDJSON to the
// same disk with no generation at all (what the disk and fs.writeSync give).
//
// Usage: npm run bench:synth   (BENCH_SIZES=10000,100000 BENCH_RUNS=3 BENCH_DIR=/tmp)
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const sizes = (process.env.BENCH_SIZES ?? "10000,100000").split(",").map(Number);
const runs = Number(process.env.BENCH_RUNS ?? 3);
const root = mkdtempSync(join(process.env.BENCH_DIR ?? tmpdir(), "kaivo-bench-synth-"));
const cli = join(import.meta.dirname, "../dist/cli/main.js");

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function synth(patients, out) {
  const stdout = execFileSync(
    process.execPath,
    [cli, "synth", "--patients", String(patients), "--seed", "1", "--out", out, "--json"],
    {
      encoding: "utf8",
      maxBuffer: 1 << 20,
    },
  );
  return JSON.parse(stdout);
}

/** Writes `bytes` of NDJSON in 1 MB chunks with fs.writeSync, as the generator does, in a child. */
function baseline(bytes, out) {
  const script = `
    const fs = require("node:fs");
    const line = JSON.stringify({ resourceType: "Observation", id: "x".repeat(36), status: "final" }) + "\\n";
    const chunk = line.repeat(Math.ceil((1 << 20) / line.length));
    const fd = fs.openSync(${JSON.stringify(join(out, "baseline.ndjson"))}, "w");
    const t0 = performance.now();
    let written = 0;
    while (written < ${bytes}) written += fs.writeSync(fd, chunk);
    fs.closeSync(fd);
    console.log(JSON.stringify({ seconds: (performance.now() - t0) / 1000, bytes: written }));`;
  return JSON.parse(execFileSync(process.execPath, ["-e", script], { encoding: "utf8" }));
}

console.log(
  `kaivo synth benchmark: ${runs} runs per size, medians; baseline = raw NDJSON write of the same bytes`,
);
console.log("people  | seconds | people/s | MB/s  | peak RSS MB | baseline MB/s | synth/baseline");
for (const patients of sizes) {
  const results = [];
  const baselines = [];
  for (let i = 0; i < runs; i++) {
    const out = join(root, `run-${patients}-${i}`);
    const r = synth(patients, out);
    results.push(r);
    rmSync(out, { recursive: true, force: true });
    const b = baseline(r.bytes, root);
    baselines.push(b);
    rmSync(join(root, "baseline.ndjson"), { force: true });
  }
  const seconds = median(results.map((r) => r.seconds));
  const mbps = median(results.map((r) => r.bytes / 1e6 / r.seconds));
  const rss = Math.max(...results.map((r) => r.peakRssMb));
  const baseMbps = median(baselines.map((b) => b.bytes / 1e6 / b.seconds));
  console.log(
    [
      String(patients).padStart(7),
      seconds.toFixed(1).padStart(7),
      Math.round(patients / seconds)
        .toString()
        .padStart(8),
      mbps.toFixed(1).padStart(5),
      String(rss).padStart(11),
      baseMbps.toFixed(0).padStart(13),
      (mbps / baseMbps).toFixed(3).padStart(14),
    ].join(" | "),
  );
}
rmSync(root, { recursive: true, force: true });
