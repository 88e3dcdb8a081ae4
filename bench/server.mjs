// Benchmark of `kaivo serve`: feasibility over HTTP on the 1 M-person bench lake, warm server,
// loopback, a bounded load loop (autocannon) at 1, 8 and 32 concurrent researchers (each its own
// account, token and disclosure ledger). For each example cohort it reports p50/p95/p99 and errors,
// and the ratio of the server's p50 to the same hand-written DuckDB query run warm in this process
// before the server starts. Then 10 000 requests while the server's RSS is sampled.
// The bench home lifts the feasibility rate limits and query budget (they bound what a researcher
// may ask, not how fast it is answered) and the per-user request limit.
// Usage: npm run bench:server   (BENCH_PATIENTS=100000 BENCH_REPLICAS=10 BENCH_DIR=/tmp
//        BENCH_REQUESTS=200 BENCH_RSS_REQUESTS=10000 BENCH_COHORTS=mi-pci,joint-pain-crp)
import { execFileSync, spawn } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import autocannon from "autocannon";

const patients = Number(process.env.BENCH_PATIENTS ?? 100000);
const replicas = Number(process.env.BENCH_REPLICAS ?? 10);
const requests = Number(process.env.BENCH_REQUESTS ?? 200);
const rssRequests = Number(process.env.BENCH_RSS_REQUESTS ?? 10000);
const base = process.env.BENCH_DIR ?? tmpdir();
const only = process.env.BENCH_COHORTS?.split(",");
const root = join(import.meta.dirname, "..");
const cli = join(root, "dist/cli/main.js");
const data = join(base, `kaivo-bench-views-${patients}`);
const home = join(base, `kaivo-bench-cohorts-${patients}x${replicas}`);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const env = { ...process.env, KAIVO_HOME: home };
delete env.KAIVO_USER;

const { millionLake } = await import("./million-lake.mjs");
const { HAND } = await import("./hand-queries.mjs");
await millionLake({ patients, replicas, data, home });

// Limits off for the benchmark's home (see above).
const configFile = join(home, "kaivo.json");
const config = JSON.parse(readFileSync(configFile, "utf8"));
config.feasibility = { perMinute: 1e9, perDay: 1e9 };
config.disclosure = { ...(config.disclosure ?? {}), queryBudget: null };
config.server = { ...(config.server ?? {}), requestsPerMinute: 1e9, queryTimeoutSeconds: 600 };
writeFileSync(configFile, `${JSON.stringify(config, null, 2)}\n`);

const kaivo = (args, input) =>
  execFileSync(process.execPath, [cli, ...args], {
    env,
    encoding: "utf8",
    input,
    stdio: ["pipe", "pipe", "ignore"],
  });
const users = ["bench-steward", ...Array.from({ length: 32 }, (_, i) => `bench-r${i + 1}`)];
for (const u of users) {
  try {
    kaivo([
      "user",
      "add",
      u,
      "--role",
      u === "bench-steward" ? "steward" : "researcher",
      "--as",
      "root",
    ]);
  } catch {
    // Added by an earlier run.
  }
}
const tokens = new Map(
  users.map((u) => {
    const out = kaivo(["token", "create", "--user", u, "--expires", "1", "--as", "root"]);
    const token = out.match(/kaivo_[A-Za-z0-9_-]+/)?.[0];
    if (!token) throw new Error(`no token in the output of token create for ${u}`);
    return [u, token];
  }),
);

const examples = join(root, "examples/cohorts");
const cohorts = readdirSync(examples)
  .filter((f) => f.endsWith(".json"))
  .map((f) => ({
    name: f.replace(/\.json$/, ""),
    def: JSON.parse(readFileSync(join(examples, f), "utf8")),
  }))
  .filter((c) => !only || only.includes(c.name));

// The hand-written queries, warm, in this process, before the server holds the lake.
const { initHome } = await import(join(root, "dist/home/home.js"));
const { Lake } = await import(join(root, "dist/lake/lake.js"));
const h = initHome(home, {}).home;
const handMs = {};
{
  const lake = await Lake.open(h, { readOnly: true });
  for (const { name } of cohorts) {
    const times = [];
    for (let i = 0; i < 6; i++) {
      const t0 = performance.now();
      await lake.connection.runAndReadAll(HAND[name]);
      if (i > 0) times.push(performance.now() - t0);
    }
    handMs[name] = median(times);
  }
  lake.close();
}

const server = spawn(process.execPath, [cli, "serve", "--port", "0"], {
  env,
  stdio: ["ignore", "ignore", "pipe"],
});
const url = await new Promise((resolve, reject) => {
  let err = "";
  server.stderr.on("data", (d) => {
    err += d;
    const m = err.match(/at (http:\/\/[^\s]+)/);
    if (m) resolve(m[1]);
  });
  server.once("exit", (code) => reject(new Error(`kaivo serve exited ${code}: ${err}`)));
});
const rss = () =>
  Number(readFileSync(`/proc/${server.pid}/status`, "utf8").match(/VmRSS:\s+(\d+)/)[1]) / 1024;

let nextResearcher = 0;
let edit = 0;
const pct = (xs, q) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((q / 100) * sorted.length) - 1)] ?? NaN;
};
async function load({ def, connections, amount, vary = false }) {
  const times = [];
  const body = JSON.stringify({ definition: def });
  const result = await autocannon({
    url: `${url}/api/feasibility`,
    method: "POST",
    connections,
    amount,
    timeout: 60,
    headers: { "content-type": "application/json" },
    body,
    // A user editing the cohort: every request a new definition (a new title is enough to miss
    // the cache), so each is compiled and run on the lake.
    ...(vary
      ? {
          requests: [
            {
              setupRequest: (req) => ({
                ...req,
                body: JSON.stringify({
                  definition: { ...def, title: `${def.title ?? def.name} (edit ${++edit})` },
                }),
              }),
            },
          ],
        }
      : {}),
    // Each connection is a researcher of its own.
    setupClient: (client) => {
      const i = nextResearcher++ % 32;
      client.setHeaders({
        "content-type": "application/json",
        authorization: `Bearer ${tokens.get(`bench-r${i + 1}`)}`,
      });
      client.on("response", (_status, _bytes, ms) => times.push(ms));
    },
  });
  result.ms = { p50: pct(times, 50), p95: pct(times, 95), p99: pct(times, 99) };
  return result;
}

console.log(
  `server benchmark: ${patients * replicas} people, ${requests} requests per cohort and concurrency, loopback, warm server; machine: ${(await import("node:os")).cpus().length} cores`,
);
console.log(
  "cohort                      | requests | conc | p50 ms | p95 ms | p99 ms | req/s | errors | non-2xx | hand ms | p50/hand",
);
const uncached = Number(process.env.BENCH_UNCACHED ?? 10);
const row = (name, mode, connections, r) => {
  const p = r.ms;
  console.log(
    `${name.padEnd(27)} | ${mode.padEnd(8)} | ${String(connections).padStart(4)} | ${p.p50.toFixed(0).padStart(6)} | ${p.p95.toFixed(0).padStart(6)} | ${p.p99.toFixed(0).padStart(6)} | ${r.requests.average.toFixed(1).padStart(5)} | ${String(r.errors + r.timeouts).padStart(6)} | ${String(r.non2xx).padStart(7)} | ${handMs[name].toFixed(0).padStart(7)} | ${(p.p50 / handMs[name]).toFixed(2).padStart(8)}`,
  );
};
for (const { name, def } of cohorts) {
  // Edits: each request a new definition, compiled and run on the warm lake.
  row(name, "edited", 1, await load({ def, connections: 1, amount: uncached, vary: true }));
  // Repeats: the same definition again (a refresh, another researcher), from the cache.
  await load({ def, connections: 1, amount: 2 });
  for (const connections of [1, 8, 32])
    row(
      name,
      "repeated",
      connections,
      await load({ def, connections, amount: Math.max(requests, connections * 4) }),
    );
}

// RSS over many requests: sampled every second while they run.
const samples = [];
const sampler = setInterval(() => samples.push(rss()), 1000);
const rssDef = cohorts[0].def;
const t0 = performance.now();
const r = await load({ def: rssDef, connections: 8, amount: rssRequests });
clearInterval(sampler);
const tenth = Math.max(1, Math.floor(samples.length / 10));
const early = median(samples.slice(0, tenth));
const late = median(samples.slice(-tenth));
console.log(
  `RSS over ${rssRequests} requests (${cohorts[0].name}, 8 connections, ${((performance.now() - t0) / 1000).toFixed(0)} s, ${r.errors + r.timeouts} errors, ${r.non2xx} non-2xx): first tenth median ${early.toFixed(0)} MB, last tenth median ${late.toFixed(0)} MB, max ${Math.max(...samples).toFixed(0)} MB (${(((late - early) / early) * 100).toFixed(1)} %)`,
);
server.kill("SIGTERM");
