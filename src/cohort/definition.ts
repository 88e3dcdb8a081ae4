import { createHash } from "node:crypto";
import { z } from "zod";
import { canonicalJson } from "../audit/entry.js";
import { ValidationError } from "../shared/errors.js";
import { firstUnsafeCharacter, printable } from "../shared/printable.js";
import { checkStructure, formatPath, DEFINITION_LIMITS as L } from "./limits.js";

/**
 * The cohort definition language. A definition is JSON: an entry event that sets each person's
 * index date, demographic limits, named inclusion rules built from ALL / ANY / AT LEAST n / NONE
 * groups of criteria placed in time relative to the index, and an exit. Definitions are
 * immutable: a version is the SHA-256 of the definition's canonical JSON (RFC 8785).
 */

/** A name, code or value: bounded, and nothing in it that could hide text when printed. */
const text = (max: number = L.textLength, allowed?: RegExp) =>
  z
    .string()
    .max(max)
    .superRefine((s, ctx) => {
      const found = firstUnsafeCharacter(allowed ? s.replace(allowed, "") : s);
      if (found)
        ctx.addIssue({
          code: "custom",
          message: `contains a control character (${found}); only printable text is accepted`,
        });
    });

const CODE_SET_NAME = z
  .string()
  .max(64)
  .regex(/^[A-Za-z][A-Za-z0-9_-]*$/, "a letter, then letters, digits, _ or -");
const Scalar = z.union([text(), z.number(), z.boolean()]);

/** A condition on one column of an event table. `a.b` follows reference column a to its table's column b. */
export const FilterSchema = z
  .strictObject({
    column: text().min(1),
    in: z.array(Scalar).min(1).max(L.values).optional(),
    gt: z.union([z.number(), text()]).optional(),
    gte: z.union([z.number(), text()]).optional(),
    lt: z.union([z.number(), text()]).optional(),
    lte: z.union([z.number(), text()]).optional(),
    /** Free text: any of these words or phrases, case-insensitive. */
    contains: z.array(text().min(1)).min(1).max(L.values).optional(),
    isNull: z.boolean().optional(),
  })
  .refine(
    (f) =>
      ["in", "gt", "gte", "lt", "lte", "contains", "isNull"].some(
        (k) => f[k as keyof typeof f] !== undefined,
      ),
    { message: "a filter needs a condition: in, gt, gte, lt, lte, contains or isNull" },
  )
  .describe("A condition on a column of the event's table.");
export type Filter = z.infer<typeof FilterSchema>;

/** Rows of one lake table with a person and a time column, narrowed by a code set and filters. */
export const EventsSchema = z
  .strictObject({
    table: z.string().regex(/^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$/, "REGISTRY.TABLE"),
    codeSet: CODE_SET_NAME.optional(),
    /** The code column the code set applies to, when the table has more than one of its system. */
    codeColumn: text().optional(),
    where: z.array(FilterSchema).max(L.filters).default([]),
  })
  .describe("Rows of a lake table (registry.table) with a person and a date.");
export type Events = z.infer<typeof EventsSchema>;

const WindowSchema = z
  .strictObject({
    /** Days relative to the index date; negative is before. Missing: unbounded. */
    start: z.number().int().min(-L.windowDays).max(L.windowDays).optional(),
    end: z.number().int().min(-L.windowDays).max(L.windowDays).optional(),
  })
  .refine((w) => w.start === undefined || w.end === undefined || w.start <= w.end, {
    message: "window start is after its end",
  });

const CountSchema = z.strictObject({
  atLeast: z.number().int().min(1).max(L.countAtLeast),
  /** Count distinct days rather than rows. */
  distinctDays: z.boolean().default(false),
});

const CriterionBase = {
  window: WindowSchema.optional(),
  /** The event happened during the index event's visit. */
  sameVisit: z.boolean().optional(),
  count: CountSchema.optional(),
};

export const CriterionSchema = z.union([
  z.strictObject({ events: EventsSchema, ...CriterionBase }),
  z.strictObject({ death: z.literal(true), ...CriterionBase }),
  z.strictObject({
    cohort: z.strictObject({
      name: text(),
      /** The version's content hash, or a prefix of at least 8 characters of it. */
      version: z.string().regex(/^[0-9a-f]{8,64}$/, "a content hash or its first 8+ hex digits"),
    }),
    ...CriterionBase,
  }),
]);
export type Criterion = z.infer<typeof CriterionSchema>;

export type Group =
  | { all: Node[] }
  | { any: Node[] }
  | { atLeast: number; of: Node[] }
  | { none: Node[] };
export type Node = Group | Criterion;

export const NodeSchema: z.ZodType<Node> = z.lazy(() =>
  z.union([
    z.strictObject({ all: z.array(NodeSchema).min(1).max(L.groupMembers) }),
    z.strictObject({ any: z.array(NodeSchema).min(1).max(L.groupMembers) }),
    z.strictObject({
      atLeast: z.number().int().min(1).max(L.groupMembers),
      of: z.array(NodeSchema).min(1).max(L.groupMembers),
    }),
    z.strictObject({ none: z.array(NodeSchema).min(1).max(L.groupMembers) }),
    CriterionSchema,
  ]),
);

const DateSchema = z.iso.date();

export const CohortDefinitionSchema = z
  .strictObject({
    $schema: text(L.titleLength).optional(),
    name: z
      .string()
      .max(L.nameLength)
      .regex(/^[a-z0-9][a-z0-9-]*$/, "lower-case letters, digits and -"),
    title: text(L.titleLength).optional(),
    /** Lines and tabs are allowed here, and only here. */
    description: text(L.descriptionLength, /[\n\t]/g).optional(),
    /** Named code lists reused across criteria; `M05*` is a prefix. */
    codeSets: z
      .record(
        CODE_SET_NAME,
        z.strictObject({
          system: text(),
          codes: z.array(text().min(1)).min(1).max(L.codesPerSet),
        }),
      )
      .refine((sets) => Object.keys(sets).length <= L.codeSets, {
        message: `at most ${L.codeSets} code sets`,
      })
      .default({}),
    entry: z.strictObject({
      events: EventsSchema,
      occurrence: z.enum(["first", "last", "all"]).default("first"),
      period: z
        .strictObject({ from: DateSchema.optional(), to: DateSchema.optional() })
        .refine((p) => p.from === undefined || p.to === undefined || p.from <= p.to, {
          message: "from is after to",
        })
        .optional(),
    }),
    demographics: z
      .strictObject({
        age: z
          .strictObject({
            min: z.number().int().min(0).max(L.ageYears).optional(),
            max: z.number().int().min(0).max(L.ageYears).optional(),
          })
          .refine((a) => a.min === undefined || a.max === undefined || a.min <= a.max, {
            message: "the minimum age is over the maximum",
          })
          .optional(),
        sex: z.array(text()).min(1).max(L.values).optional(),
        aliveAtIndex: z.boolean().optional(),
        municipality: z.array(text()).min(1).max(L.values).optional(),
      })
      .default({}),
    inclusion: z
      .array(z.strictObject({ name: text().min(1), criteria: NodeSchema }))
      .max(L.inclusionRules)
      .default([]),
    exit: z
      .strictObject({
        /** Days after the index date. */
        offsetDays: z.number().int().min(0).max(L.windowDays).optional(),
        atDeath: z.boolean().optional(),
        /** The first such event after the index ends follow-up. */
        censor: EventsSchema.optional(),
      })
      .default({}),
  })
  .describe("A Kaivo cohort definition");
export type CohortDefinition = z.infer<typeof CohortDefinitionSchema>;

export function isGroup(node: Node): node is Group {
  return "all" in node || "any" in node || "none" in node || "of" in node;
}

/** A group's kind (its key in the definition) and its members. */
export function groupParts(g: Group): { key: "all" | "any" | "none" | "of"; members: Node[] } {
  if ("all" in g) return { key: "all", members: g.all };
  if ("any" in g) return { key: "any", members: g.any };
  if ("none" in g) return { key: "none", members: g.none };
  return { key: "of", members: g.of };
}

/** The code set a criterion names, if the definition has one of that name (never a prototype's). */
export function codeSetOf(
  def: CohortDefinition,
  name: string | undefined,
): CohortDefinition["codeSets"][string] | undefined {
  return name !== undefined && Object.hasOwn(def.codeSets, name) ? def.codeSets[name] : undefined;
}

/** Problems shown in one error: enough to act on, without a wall of text. */
const SHOWN_PROBLEMS = 10;

type Issue = z.core.$ZodIssue;

/**
 * A union's error is the errors of each of its options; the option that got furthest into the
 * input (longest paths, then fewest problems) is the one the user meant.
 */
function flatten(issues: readonly Issue[], prefix: readonly PropertyKey[]): Issue[] {
  return issues.flatMap((issue) => {
    const path = [...prefix, ...issue.path];
    if (issue.code !== "invalid_union" || issue.errors.length === 0) return [{ ...issue, path }];
    const options = issue.errors.map((option) => flatten(option, path));
    const reach = (o: Issue[]) => Math.min(...o.map((i) => i.path.length));
    options.sort((a, b) => reach(b) - reach(a) || a.length - b.length);
    return options[0] ?? [];
  });
}

function describeIssue(issue: Issue): string {
  if (issue.code === "too_big")
    return issue.origin === "array"
      ? `more than the limit of ${issue.maximum} items`
      : issue.origin === "string"
        ? `longer than the limit of ${issue.maximum} characters`
        : `at most ${issue.maximum}`;
  if (issue.code === "too_small" && issue.origin !== "array" && issue.origin !== "string")
    return `at least ${issue.minimum}`;
  const received = (issue as { received?: unknown }).received;
  if (issue.code === "invalid_type" && (received === "Infinity" || received === "NaN"))
    return "a finite number is expected";
  if (issue.code === "unrecognized_keys")
    return `unknown key ${issue.keys.map((k) => `"${formatPath([k])}"`).join(", ")}`;
  return issue.message;
}

/** The saved cohorts a definition's rules use as criteria (name and version), each once. */
export function cohortsUsed(def: CohortDefinition): Array<{ name: string; version: string }> {
  const used = new Map<string, { name: string; version: string }>();
  const visit = (node: Node) => {
    if (isGroup(node)) groupParts(node).members.forEach(visit);
    else if ("cohort" in node)
      used.set(`${node.cohort.name}@${node.cohort.version}`, {
        name: node.cohort.name,
        version: node.cohort.version,
      });
  };
  for (const rule of def.inclusion) visit(rule.criteria);
  return [...used.values()];
}

/** The criteria (leaves) of a node: each is one join of the compiled query. */
export function criteriaIn(node: Node): number {
  return isGroup(node) ? groupParts(node).members.reduce((n, m) => n + criteriaIn(m), 0) : 1;
}

function refuse(source: string, problems: string[]): never {
  const shown = problems.slice(0, SHOWN_PROBLEMS);
  if (problems.length > SHOWN_PROBLEMS)
    shown.push(`and ${problems.length - SHOWN_PROBLEMS} more problems`);
  throw new ValidationError(
    printable(`${source}: ${shown.join("; ")}`),
    "See docs/cohorts.md for the language and its limits.",
  );
}

/**
 * Parses and validates a definition's shape within the limits (src/cohort/limits.ts); errors
 * name the path inside the definition and never quote more of it than a key.
 */
export function parseDefinition(raw: unknown, source = "definition"): CohortDefinition {
  const structure = checkStructure(raw);
  if (structure) refuse(source, [`${structure.path}: ${structure.message}`]);
  const parsed = CohortDefinitionSchema.safeParse(raw);
  if (!parsed.success)
    refuse(
      source,
      flatten(parsed.error.issues, []).map((i) => `${formatPath(i.path)}: ${describeIssue(i)}`),
    );
  const criteria = parsed.data.inclusion.reduce((n, r) => n + criteriaIn(r.criteria), 0);
  if (criteria > L.criteria)
    refuse(source, [`inclusion: ${criteria} criteria; at most ${L.criteria}`]);
  return parsed.data;
}

/** The version of a definition: SHA-256 of its canonical JSON, without `$schema`. */
export function definitionHash(d: CohortDefinition): string {
  const { $schema: _schema, ...rest } = d;
  return createHash("sha256").update(canonicalJson(rest)).digest("hex");
}

/** The JSON Schema of the language, published in docs/cohort-definition.schema.json. */
export function definitionJsonSchema(): object {
  return z.toJSONSchema(CohortDefinitionSchema, { io: "input", unrepresentable: "any" });
}
