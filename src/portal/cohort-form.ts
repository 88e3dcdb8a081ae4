import type { CohortDefinition, Node } from "../cohort/definition.js";
import { groupParts, isGroup } from "../cohort/definition.js";

/**
 * The cohort builder's form and the definition it stands for, both ways. This is presentation
 * only: it moves values between form fields and the definition's JSON shape and judges nothing
 * (the cohort service parses and validates what comes out; a number typed wrong stays text, so
 * its validator names the field). Parts of a definition the fields do not spell out (a rule's
 * members, the entry's filters, the exit's censoring event) are edited as JSON in their place,
 * so every definition the CLI reads round-trips to the same version.
 */

export const RULE_KINDS = ["criterion", "all", "any", "atLeast", "none"] as const;
export type RuleKind = (typeof RULE_KINDS)[number];
export const OCCURRENCES = ["first", "last", "all"] as const;
export const SEXES = ["female", "male", "other", "unknown"] as const;

export interface CodeSetFields {
  name: string;
  system: string;
  /** One code or `PREFIX*` a line (commas also separate). */
  codes: string;
}

export interface RuleFields {
  name: string;
  kind: RuleKind;
  /** The n of "at least n of". */
  n: string;
  /** The criterion (an object) or the group's members (an array), as JSON. */
  members: string;
}

export interface BuilderForm {
  name: string;
  title: string;
  description: string;
  codeSets: CodeSetFields[];
  entry: {
    table: string;
    codeSet: string;
    codeColumn: string;
    occurrence: string;
    from: string;
    to: string;
    /** The entry's filters as a JSON array; empty: none. */
    where: string;
  };
  age: { min: string; max: string };
  sex: string[];
  alive: boolean;
  municipality: string;
  rules: RuleFields[];
  exit: { offsetDays: string; atDeath: boolean; censor: string };
}

export interface FormProblem {
  field: string;
  message: string;
}

const json = (v: unknown) => JSON.stringify(v, null, 2);
const str = (v: unknown) => (v === undefined || v === null ? "" : String(v));

/** A definition (parsed, or raw JSON the CLI would read) as the builder's fields. */
export function formFromDefinition(def: CohortDefinition): BuilderForm {
  const events = def.entry.events;
  const d = def.demographics ?? {};
  return {
    name: def.name,
    title: def.title ?? "",
    description: def.description ?? "",
    codeSets: Object.entries(def.codeSets ?? {}).map(([name, set]) => ({
      name,
      system: set.system,
      codes: set.codes.join("\n"),
    })),
    entry: {
      table: events.table,
      codeSet: events.codeSet ?? "",
      codeColumn: events.codeColumn ?? "",
      occurrence: def.entry.occurrence ?? "first",
      from: def.entry.period?.from ?? "",
      to: def.entry.period?.to ?? "",
      where: events.where && events.where.length > 0 ? json(events.where) : "",
    },
    age: { min: str(d.age?.min), max: str(d.age?.max) },
    sex: d.sex ?? [],
    alive: d.aliveAtIndex === true,
    municipality: (d.municipality ?? []).join(", "),
    rules: (def.inclusion ?? []).map((r) => ruleFields(r.name, r.criteria)),
    exit: {
      offsetDays: str(def.exit?.offsetDays),
      atDeath: def.exit?.atDeath === true,
      censor: def.exit?.censor ? json(def.exit.censor) : "",
    },
  };
}

function ruleFields(name: string, node: Node): RuleFields {
  if (!isGroup(node)) return { name, kind: "criterion", n: "", members: json(node) };
  const { key, members } = groupParts(node);
  const kind: RuleKind = key === "of" ? "atLeast" : key;
  return { name, kind, n: "atLeast" in node ? String(node.atLeast) : "", members: json(members) };
}

export type Body = Record<string, string | File | Array<string | File>>;

const one = (body: Body, key: string): string => {
  const v = body[key];
  const first = Array.isArray(v) ? v[0] : v;
  return typeof first === "string" ? first : "";
};
const many = (body: Body, key: string): string[] => {
  const v = body[key];
  return (Array.isArray(v) ? v : v === undefined ? [] : [v]).filter(
    (x): x is string => typeof x === "string",
  );
};
/** The indices of repeated fields present (`rule.3.name` gives 3), in order. */
const indices = (body: Body, prefix: string) =>
  [
    ...new Set(
      Object.keys(body)
        .map((k) => new RegExp(`^${prefix}\\.(\\d+)\\.`).exec(k)?.[1])
        .filter((x): x is string => x !== undefined)
        .map(Number),
    ),
  ].sort((a, b) => a - b);

/** The builder's fields as posted (parseBody with `all: true`). */
export function formFromBody(body: Body): BuilderForm {
  return {
    name: one(body, "name"),
    title: one(body, "title"),
    description: one(body, "description"),
    codeSets: indices(body, "cs").map((i) => ({
      name: one(body, `cs.${i}.name`),
      system: one(body, `cs.${i}.system`),
      codes: one(body, `cs.${i}.codes`),
    })),
    entry: {
      table: one(body, "entry.table"),
      codeSet: one(body, "entry.codeSet"),
      codeColumn: one(body, "entry.codeColumn"),
      occurrence: one(body, "entry.occurrence") || "first",
      from: one(body, "entry.from"),
      to: one(body, "entry.to"),
      where: one(body, "entry.where"),
    },
    age: { min: one(body, "age.min"), max: one(body, "age.max") },
    sex: many(body, "sex"),
    alive: one(body, "alive") === "on",
    municipality: one(body, "municipality"),
    rules: indices(body, "rule").map((i) => {
      const kind = one(body, `rule.${i}.kind`);
      return {
        name: one(body, `rule.${i}.name`),
        kind: (RULE_KINDS as readonly string[]).includes(kind) ? (kind as RuleKind) : "all",
        n: one(body, `rule.${i}.n`),
        members: one(body, `rule.${i}.members`),
      };
    }),
    exit: {
      offsetDays: one(body, "exit.offsetDays"),
      atDeath: one(body, "exit.atDeath") === "on",
      censor: one(body, "exit.censor"),
    },
  };
}

/** A typed number as a number; anything else stays as typed, for the validator to name. */
const number = (s: string): number | string | undefined => {
  const t = s.trim();
  if (t === "") return undefined;
  return /^-?\d+$/.test(t) ? Number(t) : t;
};
const list = (s: string) =>
  s
    .split(/[\n,]/)
    .map((x) => x.trim())
    .filter(Boolean);
const defined = (o: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== ""));

/**
 * The definition the fields stand for, as raw JSON for the cohort service, and the fields whose
 * JSON does not parse (then there is no definition to send).
 */
export function definitionFromForm(form: BuilderForm): {
  raw: Record<string, unknown> | undefined;
  problems: FormProblem[];
} {
  const problems: FormProblem[] = [];
  const parse = (field: string, text: string): unknown => {
    if (!text.trim()) return undefined;
    try {
      return JSON.parse(text);
    } catch {
      problems.push({ field, message: "not JSON" });
      return undefined;
    }
  };
  const where = parse("entry.where", form.entry.where);
  const censor = parse("exit.censor", form.exit.censor);
  const inclusion = form.rules.map((r, i) => {
    const members = parse(`rule.${i}.members`, r.members);
    const criteria =
      r.kind === "criterion"
        ? members
        : r.kind === "atLeast"
          ? { atLeast: number(r.n), of: members }
          : { [r.kind]: members };
    return { name: r.name, criteria };
  });
  const age = defined({ min: number(form.age.min), max: number(form.age.max) });
  const demographics = defined({
    age: Object.keys(age).length > 0 ? age : undefined,
    sex: form.sex.length > 0 ? form.sex : undefined,
    aliveAtIndex: form.alive ? true : undefined,
    municipality: list(form.municipality).length > 0 ? list(form.municipality) : undefined,
  });
  const period = defined({ from: form.entry.from.trim(), to: form.entry.to.trim() });
  const raw = defined({
    name: form.name.trim(),
    title: form.title.trim() || undefined,
    description: form.description.trim() ? form.description : undefined,
    codeSets: Object.fromEntries(
      form.codeSets
        .filter((s) => s.name.trim() || s.codes.trim())
        .map((s) => [s.name.trim(), { system: s.system.trim(), codes: list(s.codes) }]),
    ),
    entry: defined({
      events: defined({
        table: form.entry.table.trim(),
        codeSet: form.entry.codeSet.trim() || undefined,
        codeColumn: form.entry.codeColumn.trim() || undefined,
        where,
      }),
      occurrence: form.entry.occurrence,
      period: Object.keys(period).length > 0 ? period : undefined,
    }),
    demographics,
    inclusion,
    exit: defined({
      offsetDays: number(form.exit.offsetDays),
      atDeath: form.exit.atDeath ? true : undefined,
      censor,
    }),
  });
  return { raw: problems.length > 0 ? undefined : raw, problems };
}

/** Adds a code to the code set of that name, or (no name) to a new set named after its system. */
export function withCode(form: BuilderForm, set: string, system: string, code: string) {
  const name =
    set.trim() || `${system.replace(/[^A-Za-z0-9_-]/g, "-").replace(/^[^A-Za-z]*/, "")}-codes`;
  let target = form.codeSets.find((s) => s.name === name);
  if (!target) {
    target = { name, system, codes: "" };
    form.codeSets.push(target);
  }
  if (!list(target.codes).includes(code)) target.codes = [...list(target.codes), code].join("\n");
  return form;
}

/** One criterion from the builder's helper fields, appended to a rule's members. */
export function withCriterion(
  form: BuilderForm,
  rule: number,
  c: { table: string; codeSet: string; start: string; end: string; atLeast: string },
): BuilderForm {
  const r = form.rules[rule];
  if (!r) return form;
  const window = defined({ start: number(c.start), end: number(c.end) });
  const atLeast = number(c.atLeast);
  const criterion = defined({
    ...(c.table === "death"
      ? { death: true }
      : { events: defined({ table: c.table, codeSet: c.codeSet || undefined }) }),
    window: Object.keys(window).length > 0 ? window : undefined,
    count: atLeast === undefined ? undefined : { atLeast },
  });
  let members: unknown;
  try {
    members = r.members.trim() ? JSON.parse(r.members) : undefined;
  } catch {
    return form;
  }
  if (r.kind === "criterion") {
    if (members === undefined) r.members = json(criterion);
    else {
      r.kind = "all";
      r.members = json([members, criterion]);
    }
  } else r.members = json([...(Array.isArray(members) ? members : []), criterion]);
  return form;
}

/** The fields a browser posts for a form (checkboxes only when ticked), for tests and scripts. */
export function formFields(form: BuilderForm): Array<[string, string]> {
  const out: Array<[string, string]> = [
    ["name", form.name],
    ["title", form.title],
    ["description", form.description],
  ];
  form.codeSets.forEach((s, i) => {
    out.push([`cs.${i}.name`, s.name], [`cs.${i}.system`, s.system], [`cs.${i}.codes`, s.codes]);
  });
  const e = form.entry;
  out.push(
    ["entry.table", e.table],
    ["entry.codeSet", e.codeSet],
    ["entry.occurrence", e.occurrence],
    ["entry.from", e.from],
    ["entry.to", e.to],
    ["entry.where", e.where],
  );
  if (e.codeColumn) out.push(["entry.codeColumn", e.codeColumn]);
  out.push(["age.min", form.age.min], ["age.max", form.age.max]);
  for (const x of form.sex) out.push(["sex", x]);
  if (form.alive) out.push(["alive", "on"]);
  out.push(["municipality", form.municipality]);
  form.rules.forEach((r, i) => {
    out.push(
      [`rule.${i}.name`, r.name],
      [`rule.${i}.kind`, r.kind],
      [`rule.${i}.n`, r.n],
      [`rule.${i}.members`, r.members],
    );
  });
  out.push(["exit.offsetDays", form.exit.offsetDays], ["exit.censor", form.exit.censor]);
  if (form.exit.atDeath) out.push(["exit.atDeath", "on"]);
  return out;
}
