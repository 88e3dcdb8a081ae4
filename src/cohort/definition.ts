import { createHash } from "node:crypto";
import { z } from "zod";
import { canonicalJson } from "../audit/entry.js";
import { ValidationError } from "../shared/errors.js";

/**
 * The cohort definition language. A definition is JSON: an entry event that sets each person's
 * index date, demographic limits, named inclusion rules built from ALL / ANY / AT LEAST n / NONE
 * groups of criteria placed in time relative to the index, and an exit. Definitions are
 * immutable: a version is the SHA-256 of the definition's canonical JSON (RFC 8785).
 */

const Scalar = z.union([z.string(), z.number(), z.boolean()]);

/** A condition on one column of an event table. `a.b` follows reference column a to its table's column b. */
export const FilterSchema = z
  .strictObject({
    column: z.string().min(1),
    in: z.array(Scalar).min(1).optional(),
    gt: z.union([z.number(), z.string()]).optional(),
    gte: z.union([z.number(), z.string()]).optional(),
    lt: z.union([z.number(), z.string()]).optional(),
    lte: z.union([z.number(), z.string()]).optional(),
    /** Free text: any of these words or phrases, case-insensitive. */
    contains: z.array(z.string().min(1)).min(1).optional(),
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
    codeSet: z.string().optional(),
    /** The code column the code set applies to, when the table has more than one of its system. */
    codeColumn: z.string().optional(),
    where: z.array(FilterSchema).default([]),
  })
  .describe("Rows of a lake table (registry.table) with a person and a date.");
export type Events = z.infer<typeof EventsSchema>;

const WindowSchema = z
  .strictObject({
    /** Days relative to the index date; negative is before. Missing: unbounded. */
    start: z.number().int().optional(),
    end: z.number().int().optional(),
  })
  .refine((w) => w.start === undefined || w.end === undefined || w.start <= w.end, {
    message: "window start is after its end",
  });

const CountSchema = z.strictObject({
  atLeast: z.number().int().min(1),
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
      name: z.string(),
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
    z.strictObject({ all: z.array(NodeSchema).min(1) }),
    z.strictObject({ any: z.array(NodeSchema).min(1) }),
    z.strictObject({ atLeast: z.number().int().min(1), of: z.array(NodeSchema).min(1) }),
    z.strictObject({ none: z.array(NodeSchema).min(1) }),
    CriterionSchema,
  ]),
);

const DateSchema = z.iso.date();

export const CohortDefinitionSchema = z
  .strictObject({
    $schema: z.string().optional(),
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "lower-case letters, digits and -"),
    title: z.string().optional(),
    description: z.string().optional(),
    /** Named code lists reused across criteria; `M05*` is a prefix. */
    codeSets: z
      .record(
        z.string().regex(/^[A-Za-z][A-Za-z0-9_-]*$/),
        z.strictObject({ system: z.string(), codes: z.array(z.string().min(1)).min(1) }),
      )
      .default({}),
    entry: z.strictObject({
      events: EventsSchema,
      occurrence: z.enum(["first", "last", "all"]).default("first"),
      period: z.strictObject({ from: DateSchema.optional(), to: DateSchema.optional() }).optional(),
    }),
    demographics: z
      .strictObject({
        age: z
          .strictObject({
            min: z.number().int().min(0).optional(),
            max: z.number().int().optional(),
          })
          .optional(),
        sex: z.array(z.string()).min(1).optional(),
        aliveAtIndex: z.boolean().optional(),
        municipality: z.array(z.string()).min(1).optional(),
      })
      .default({}),
    inclusion: z
      .array(z.strictObject({ name: z.string().min(1), criteria: NodeSchema }))
      .default([]),
    exit: z
      .strictObject({
        /** Days after the index date. */
        offsetDays: z.number().int().min(0).optional(),
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

/** Parses and validates a definition's shape; errors name the path inside the definition. */
export function parseDefinition(raw: unknown, source = "definition"): CohortDefinition {
  const parsed = CohortDefinitionSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
  throw new ValidationError(
    `${source}: ${problems.join("; ")}`,
    "See docs/cohorts.md for the language.",
  );
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
