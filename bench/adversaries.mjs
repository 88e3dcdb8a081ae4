// The automated adversaries of issue 16 against the disclosure engine: each attack over TARGETS
// synthetic targets, each target with its own researcher, ledger and BUDGET queries, on a fresh
// SQLite control store. Prints each attack's success rate beside the rate of guessing from the
// published answers (or the prior) alone, measured on the same targets.
// Usage: npm run bench:adversaries   (TARGETS=50 BUDGET=200 SEED=kaivo, or BUDGETS=24,50,200)
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = join(import.meta.dirname, "..");
const load = (p) => import(join(root, "dist", p));
const { initHome } = await load("home/home.js");
const { openControlStore } = await load("store/control-store.js");
const { policyFrom } = await load("disclosure/policy.js");
const { evaluateAdversaries, adversaryTable } = await load("disclosure/adversaries/evaluate.js");

const targets = Number(process.env.TARGETS ?? 50);
const budgets = (process.env.BUDGETS ?? process.env.BUDGET ?? "200").split(",").map(Number);
const dir = mkdtempSync(join(tmpdir(), "kaivo-adversaries-"));
try {
  const { home } = initHome(dir, {});
  const store = await openControlStore(home);
  const policy = policyFrom(home.config);
  console.log(`policy ${policy.version}, ${targets} targets per attack`);
  for (const budget of budgets) {
    const started = Date.now();
    const results = await evaluateAdversaries(store, policy, {
      targets,
      budget,
      seed: process.env.SEED ?? "kaivo",
    });
    console.log(
      `\nbudget ${budget} queries per target (${((Date.now() - started) / 1000).toFixed(0)} s)`,
    );
    console.log(adversaryTable(results));
  }
  await store.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
