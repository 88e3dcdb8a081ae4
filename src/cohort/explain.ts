import type { CodeTitle } from "../catalog/vocabulary.js";
import { printable } from "../shared/printable.js";
import type { CohortDefinition, Criterion, Events, Filter, Node } from "./definition.js";
import { codeSetOf, groupParts, isGroup } from "./definition.js";

/** Titles of codes, to name what a code set holds. */
export type TitleOf = (system: string, pattern: string) => CodeTitle[];

function filterText(f: Filter): string {
  const parts: string[] = [];
  if (f.in) parts.push(`is ${f.in.join(" or ")}`);
  if (f.gt !== undefined) parts.push(`is over ${f.gt}`);
  if (f.gte !== undefined) parts.push(`is at least ${f.gte}`);
  if (f.lt !== undefined) parts.push(`is under ${f.lt}`);
  if (f.lte !== undefined) parts.push(`is at most ${f.lte}`);
  if (f.contains) parts.push(`contains ${f.contains.map((w) => `"${w}"`).join(" or ")}`);
  if (f.isNull !== undefined) parts.push(f.isNull ? "is empty" : "is not empty");
  return `${f.column} ${parts.join(" and ")}`;
}

function days(n: number): string {
  const d = Math.abs(n);
  return `${d} day${d === 1 ? "" : "s"} ${n < 0 ? "before" : "after"}`;
}

function windowText(c: Criterion): string {
  const w = c.window;
  const parts: string[] = [];
  if (w && (w.start !== undefined || w.end !== undefined)) {
    if (w.start !== undefined && w.end !== undefined)
      parts.push(
        w.start === 0 && w.end === 0
          ? "on the index date"
          : `from ${w.start === 0 ? "the index date" : `${days(w.start)} the index`} to ${w.end === 0 ? "the index date" : `${days(w.end)} the index`}`,
      );
    else if (w.start !== undefined) parts.push(`from ${days(w.start)} the index on`);
    else if (w.end !== undefined) parts.push(`up to ${days(w.end as number)} the index`);
  } else parts.push("at any time");
  if (c.sameVisit) parts.push("during the index visit");
  return parts.join(", ");
}

/**
 * The definition in plain English, for reviewers who do not read JSON or SQL: what starts a
 * person's follow-up, who is kept and why, and when follow-up ends. Control characters are
 * shown as escapes.
 */
export function explainDefinition(def: CohortDefinition, titles: TitleOf, hash: string): string {
  const events = (e: Events): string => {
    const parts = [`${e.table} row`];
    if (e.codeSet) {
      const set = codeSetOf(def, e.codeSet);
      if (set) {
        const named = set.codes.map((p) => {
          const found = titles(set.system, p);
          const first = found[0];
          if (p.endsWith("*"))
            return `${p} (${found.length} code${found.length === 1 ? "" : "s"}${first ? `, e.g. ${first.titleEn ?? first.titleFi}` : ""})`;
          return first ? `${p} ${first.titleEn ?? first.titleFi}` : p;
        });
        parts.push(`coded in ${set.system} set "${e.codeSet}": ${named.join("; ")}`);
      }
    }
    if (e.where.length) parts.push(`where ${e.where.map(filterText).join(" and ")}`);
    return parts.join(" ");
  };
  const criterion = (c: Criterion): string => {
    const count = c.count
      ? `at least ${c.count.atLeast} times${c.count.distinctDays ? " on different days" : ""}: `
      : "";
    const what =
      "events" in c
        ? `a ${events(c.events)}`
        : "death" in c
          ? "death"
          : `membership of cohort ${c.cohort.name} (version ${c.cohort.version}), dated at its index`;
    return `${count}${what}, ${windowText(c)}`;
  };
  const node = (n: Node, depth: number): string[] => {
    const pad = "  ".repeat(depth);
    if (!isGroup(n)) return [`${pad}- ${criterion(n)}`];
    const { key, members } = groupParts(n);
    const head = "atLeast" in n ? `at least ${n.atLeast} of` : `${key} of`;
    return [`${pad}- ${head}:`, ...members.flatMap((x) => node(x, depth + 1))];
  };

  const lines: string[] = [];
  lines.push(
    `Cohort "${def.name}"${def.title ? `: ${def.title}` : ""} (version ${hash.slice(0, 12)})`,
  );
  if (def.description) lines.push(...def.description.split("\n"));
  lines.push("");
  const p = def.entry.period;
  lines.push(
    `Entry: a person enters on the date of ${def.entry.occurrence === "all" ? "each" : `their ${def.entry.occurrence}`} ${events(def.entry.events)}${p ? `, dated ${p.from ? `from ${p.from}` : ""}${p.from && p.to ? " " : ""}${p.to ? `to ${p.to}` : ""}` : ""}. That date is the index date.`,
  );
  const d = def.demographics;
  const demo = [
    ...(d.age
      ? [
          `aged ${d.age.min ?? 0}${d.age.max !== undefined ? ` to ${d.age.max}` : " or over"} at the index date`,
        ]
      : []),
    ...(d.sex ? [`sex ${d.sex.join(" or ")}`] : []),
    ...(d.aliveAtIndex ? ["alive at the index date"] : []),
    ...(d.municipality ? [`living in municipality ${d.municipality.join(" or ")}`] : []),
  ];
  if (demo.length) lines.push(`Only persons ${demo.join(", ")}.`);
  if (def.inclusion.length) {
    lines.push("", "Inclusion rules, applied in order (a person must meet every one):");
    def.inclusion.forEach((rule, i) => {
      lines.push(`${i + 1}. ${rule.name}`);
      lines.push(...node(rule.criteria, 1));
    });
  }
  const exit = [
    "the end of the data",
    ...(def.exit.offsetDays !== undefined ? [`${def.exit.offsetDays} days after the index`] : []),
    ...(def.exit.atDeath ? ["death"] : []),
    ...(def.exit.censor ? [`the first ${events(def.exit.censor)} after the index`] : []),
  ];
  lines.push(
    "",
    exit.length === 1
      ? "Exit: follow-up ends at the end of the data."
      : `Exit: follow-up ends at the earliest of ${exit.join(", ")}.`,
  );
  // Every line holds the user's text (and the vocabulary's): nothing in it may move the cursor,
  // recolour or reorder what the reviewer reads.
  return `${lines.map(printable).join("\n")}\n`;
}
