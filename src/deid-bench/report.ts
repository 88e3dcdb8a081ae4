import type { BenchResult, Goal } from "./run.js";
import type { Score } from "./score.js";

const pct = (x: number) => `${(100 * x).toFixed(2)} %`;

function section(title: string, s: Score): string[] {
  const lines = [`${title}: ${s.documents} documents, ${s.overall.gold} identifiers`];
  lines.push("  type      gold   found  recall    type-exact");
  const types = Object.keys(s.byType).sort();
  for (const type of types) {
    const r = s.byType[type];
    if (!r) continue;
    lines.push(
      `  ${type.padEnd(8)} ${String(r.gold).padStart(5)} ${String(r.found).padStart(7)}  ${pct(r.recall).padStart(8)}  ${pct(r.recallTypeExact).padStart(8)}`,
    );
  }
  const o = s.overall;
  lines.push(
    `  ${"overall".padEnd(8)} ${String(o.gold).padStart(5)} ${String(o.found).padStart(7)}  ${pct(o.recall).padStart(8)}  ${pct(o.recallTypeExact).padStart(8)}`,
  );
  const fp = Object.entries(s.falsePositivesByType)
    .map(([t, n]) => `${t} ${n}`)
    .join(", ");
  lines.push(
    `  precision ${pct(s.precision)} (${s.truePositives} of ${s.detected} detected spans overlap an identifier; false positives: ${fp || "none"})`,
    `  characters: recall ${pct(s.characters.recall)}, precision ${pct(s.characters.precision)}`,
  );
  return lines;
}

/**
 * The benchmark as text. Misses and false positives are printed with their values: every text
 * in the corpus is synthetic or hand-written and fictitious, and the command reads no other.
 */
export function formatReport(r: BenchResult, listLimit = 40): string {
  const lines = [
    ...section("Synthetic notes (kaivo synth)", r.synthetic),
    "",
    ...section("Hard cases (bench/deid/hard-cases.jsonl)", r.hard),
    "",
    ...section("Combined (synthetic and hard cases)", r.combined),
    "",
    ...r.heldOut.flatMap((h) => [
      ...section(`${h.set.title} (bench/deid/${h.set.file}; ${h.set.note})`, h.score),
      "",
    ]),
    "By language (combined):",
    ...Object.entries(r.byLanguage).map(
      ([lang, l]) =>
        `  ${lang}: ${l.documents} documents, recall ${pct(l.recall)}, precision ${pct(l.precision)}`,
    ),
    "",
    `Goals:                synthetic       hard   combined${r.heldOut.map((h) => h.set.title.toLowerCase().padStart(11)).join("")}`,
    ...r.goals.combined.map((g, i) => {
      const cell = (x: Goal | undefined) =>
        x ? `${pct(x.actual)}${x.met ? " " : "!"}`.padStart(11) : "";
      return `  ${`${g.name} ${g.target === 1 ? "= 100 %" : `>= ${pct(g.target)}`}`.padEnd(26)}${cell(r.goals.synthetic[i])}${cell(r.goals.hard[i])}${cell(g)}${r.heldOut.map((h) => cell(h.goals[i])).join("")}`;
    }),
    "  (! = goal not met)",
    "",
  ];
  const list = (title: string, s: Score) => {
    const { misses, falsePositives } = s;
    lines.push(
      `${title}misses (${misses.length}${misses.length > listLimit ? `, first ${listLimit}` : ""}):`,
    );
    for (const m of misses.slice(0, listLimit))
      lines.push(
        `  ${m.type.padEnd(8)} ${m.partial ? "partly" : "wholly"} ${m.doc}@${m.start}: ${m.context}`,
      );
    lines.push(
      `${title}false positives (${falsePositives.length}${falsePositives.length > listLimit ? `, first ${listLimit}` : ""}):`,
    );
    for (const f of falsePositives.slice(0, listLimit))
      lines.push(`  ${f.type.padEnd(8)} ${f.doc}@${f.start}: ${f.context}`);
  };
  list("Combined: ", r.combined);
  for (const h of r.heldOut) if (!h.set.blind) list(`${h.set.title}: `, h.score);
  lines.push("", `Scored in ${r.seconds.toFixed(1)} s.`);
  return `${lines.join("\n")}\n`;
}
