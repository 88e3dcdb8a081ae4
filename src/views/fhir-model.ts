import r4 from "fhirpath/fhir-context/r4/index.js";

/** Element types of FHIR R4, from fhirpath.js's model: what the compiler needs to type a path. */
const model = r4 as unknown as {
  path2Type: Record<string, string | { code: string }>;
  path2Repeating: Record<string, boolean> | string[];
  pathsDefinedElsewhere: Record<string, string>;
  choiceTypePaths: Record<string, string[]>;
};

const repeating = new Set(
  Array.isArray(model.path2Repeating)
    ? model.path2Repeating
    : Object.keys(model.path2Repeating).filter(
        (k) => (model.path2Repeating as Record<string, boolean>)[k],
      ),
);

export interface ElementInfo {
  /** FHIR type code: "HumanName", "string", "BackboneElement", ... */
  type: string;
  repeating: boolean;
  /** Where this element's own children are defined ("HumanName", "Observation.component"). */
  childBase: string;
  primitive: boolean;
}

const PRIMITIVE = /^(System\.|[a-z])/;

/** The element `name` of a type or backbone path, or undefined if FHIR R4 has no such element. */
export function elementOf(base: string, name: string): ElementInfo | undefined {
  const path = `${base}.${name}`;
  const raw = model.path2Type[path];
  if (raw === undefined) return undefined;
  const type = typeof raw === "string" ? raw : raw.code;
  const backbone = type === "BackboneElement" || type === "Element";
  const childBase = model.pathsDefinedElsewhere[path] ?? (backbone ? path : type);
  return {
    type,
    repeating: repeating.has(path),
    childBase,
    primitive: PRIMITIVE.test(type) && !backbone,
  };
}

/** The type names a choice element `name[x]` may take, if it is one. */
export function choiceTypesOf(base: string, name: string): string[] | undefined {
  return model.choiceTypePaths[`${base}.${name}`];
}

/** How DuckDB reads a primitive from JSON. Dates and times stay text: never auto-converted. */
export function duckdbPrimitive(type: string): "VARCHAR" | "BOOLEAN" | "BIGINT" | "DOUBLE" {
  switch (type.replace(/^System\./, "").toLowerCase()) {
    case "boolean":
      return "BOOLEAN";
    case "integer":
    case "positiveint":
    case "unsignedint":
    case "integer64":
      return "BIGINT";
    case "decimal":
      return "DOUBLE";
    default:
      return "VARCHAR";
  }
}
