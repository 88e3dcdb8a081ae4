import { z } from "zod";

/**
 * The SQL on FHIR v2 ViewDefinition, validated strictly: an unknown key is an error that names
 * where it is, never silently ignored.
 */

const NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

export const ColumnSchema = z.strictObject({
  name: z
    .string()
    .regex(NAME, "a column name must start with a letter and hold only letters, digits and _"),
  path: z.string().min(1),
  description: z.string().optional(),
  collection: z.boolean().optional(),
  type: z.string().optional(),
  tag: z.array(z.strictObject({ name: z.string(), value: z.string() })).optional(),
});
export type Column = z.infer<typeof ColumnSchema>;

export interface Select {
  column?: Column[];
  select?: Select[];
  forEach?: string;
  forEachOrNull?: string;
  repeat?: string[];
  unionAll?: Select[];
}

export const SelectSchema: z.ZodType<Select> = z.lazy(() =>
  z
    .strictObject({
      column: z.array(ColumnSchema).optional(),
      select: z.array(SelectSchema).optional(),
      forEach: z.string().min(1).optional(),
      forEachOrNull: z.string().min(1).optional(),
      repeat: z.array(z.string().min(1)).min(1).optional(),
      unionAll: z.array(SelectSchema).min(1).optional(),
    })
    .refine(
      (s) => [s.forEach, s.forEachOrNull, s.repeat].filter((x) => x !== undefined).length <= 1,
      {
        message: "use at most one of forEach, forEachOrNull and repeat",
      },
    ),
);

/** Every value[x] a constant may have, and the FHIRPath literal kind each becomes. */
export const CONSTANT_TYPES = {
  valueBase64Binary: "string",
  valueBoolean: "boolean",
  valueCanonical: "string",
  valueCode: "string",
  valueDate: "date",
  valueDateTime: "dateTime",
  valueDecimal: "number",
  valueId: "string",
  valueInstant: "dateTime",
  valueInteger: "number",
  valueInteger64: "number",
  valueOid: "string",
  valuePositiveInt: "number",
  valueString: "string",
  valueTime: "time",
  valueUnsignedInt: "number",
  valueUri: "string",
  valueUrl: "string",
  valueUuid: "string",
} as const;
export type ConstantKey = keyof typeof CONSTANT_TYPES;

export const ConstantSchema = z
  .strictObject({
    name: z
      .string()
      .regex(NAME, "a constant name must start with a letter and hold only letters, digits and _"),
    ...Object.fromEntries(
      Object.entries(CONSTANT_TYPES).map(([key, kind]) => [
        key,
        (kind === "boolean" ? z.boolean() : kind === "number" ? z.number() : z.string()).optional(),
      ]),
    ),
  })
  .refine((c) => Object.keys(c).filter((k) => k.startsWith("value")).length === 1, {
    message: "a constant needs exactly one value[x]",
  });
export type Constant = { name: string } & Partial<Record<ConstantKey, string | number | boolean>>;

export const ViewDefinitionSchema = z.strictObject({
  resourceType: z.literal("ViewDefinition").optional(),
  id: z.string().optional(),
  meta: z.record(z.string(), z.unknown()).optional(),
  text: z.record(z.string(), z.unknown()).optional(),
  language: z.string().optional(),
  extension: z.array(z.record(z.string(), z.unknown())).optional(),
  url: z.string().optional(),
  identifier: z.array(z.record(z.string(), z.unknown())).optional(),
  version: z.string().optional(),
  name: z.string().optional(),
  title: z.string().optional(),
  status: z.enum(["draft", "active", "retired", "unknown"]).optional(),
  experimental: z.boolean().optional(),
  publisher: z.string().optional(),
  contact: z.array(z.record(z.string(), z.unknown())).optional(),
  description: z.string().optional(),
  useContext: z.array(z.record(z.string(), z.unknown())).optional(),
  copyright: z.string().optional(),
  resource: z
    .string()
    .regex(/^[A-Z][A-Za-z]+$/, "resource must be a FHIR resource type, e.g. Patient"),
  fhirVersion: z.array(z.string()).optional(),
  constant: z.array(ConstantSchema).optional(),
  select: z.array(SelectSchema).min(1),
  where: z
    .array(z.strictObject({ path: z.string().min(1), description: z.string().optional() }))
    .optional(),
});

export type ViewDefinition = Omit<z.infer<typeof ViewDefinitionSchema>, "constant" | "select"> & {
  constant?: Constant[];
  select: Select[];
};
