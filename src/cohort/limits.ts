/**
 * Limits on a cohort definition, documented in docs/cohorts.md (Limits). They are far above what
 * a study needs and keep a hostile or broken definition from costing others time or memory:
 * every definition is parsed, checked, compiled into one query and saved for good.
 */
export const DEFINITION_LIMITS = {
  /** The definition file, and about that much as JSON when given as an object. */
  bytes: 256 * 1024,
  /** Groups (all / any / atLeast-of / none) inside one another. */
  groupDepth: 20,
  /** JSON nesting anywhere (a definition within the other limits needs about 50). */
  jsonDepth: 64,
  /** Members of one group. */
  groupMembers: 100,
  /** Criteria in all inclusion rules together: each is one join of the compiled query. */
  criteria: 200,
  inclusionRules: 50,
  codeSets: 100,
  codesPerSet: 1000,
  /** Filters of one `events`. */
  filters: 20,
  /** Values of one list: `in`, `contains`, `sex`, `municipality`. */
  values: 1000,
  /** The cohort's name. */
  nameLength: 100,
  /** Every other name, code, column and value. */
  textLength: 200,
  titleLength: 1000,
  descriptionLength: 10_000,
  /** Days of a window or an exit offset either way: 100 years and a bit. */
  windowDays: 36_600,
  countAtLeast: 10_000,
  ageYears: 150,
} as const;

/** A path inside a definition as the errors print it: `inclusion[0].criteria.all[2]`. */
export function formatPath(segments: ReadonlyArray<PropertyKey>): string {
  let out = "";
  for (const s of segments) {
    if (typeof s === "number") out += `[${s}]`;
    else {
      // A key is only ever shown in part: it is the user's text, not ours.
      const key = String(s);
      out += `${out ? "." : ""}${key.length > 40 ? `${key.slice(0, 40)}…` : key}`;
    }
  }
  return out || "(root)";
}

interface Frame {
  value: unknown;
  parent: Frame | undefined;
  key: string | number | undefined;
  depth: number;
  groups: number;
}

const GROUP_KEYS = ["all", "any", "of", "none"];

function pathOf(frame: Frame): string {
  const segments: Array<string | number> = [];
  for (let f: Frame | undefined = frame; f?.key !== undefined; f = f.parent) segments.push(f.key);
  return formatPath(segments.reverse());
}

/**
 * The checks that must come before the schema: size, JSON depth and group depth, over the raw
 * value with a stack of our own, so 100 000 levels of nesting are an error rather than a stack
 * overflow in the recursive schema. Stops at the first problem.
 */
export function checkStructure(raw: unknown): { path: string; message: string } | undefined {
  const L = DEFINITION_LIMITS;
  let size = 0;
  const stack: Frame[] = [{ value: raw, parent: undefined, key: undefined, depth: 0, groups: 0 }];
  const tooLarge = {
    path: "(root)",
    message: `the definition is larger than the limit of ${L.bytes / 1024} KB`,
  };
  for (let frame = stack.pop(); frame; frame = stack.pop()) {
    const { value, depth } = frame;
    if (depth > L.jsonDepth)
      return { path: pathOf(frame), message: `nests deeper than ${L.jsonDepth} levels` };
    const children: Array<[string | number, unknown]> = [];
    let groups = frame.groups;
    if (typeof value === "string") size += value.length + 2;
    else if (Array.isArray(value)) {
      size += 2 + value.length;
      if (size > L.bytes) return tooLarge;
      for (const [i, v] of value.entries()) children.push([i, v]);
    } else if (value !== null && typeof value === "object") {
      if (GROUP_KEYS.some((k) => Object.hasOwn(value, k))) groups++;
      if (groups > L.groupDepth)
        return { path: pathOf(frame), message: `groups nest deeper than ${L.groupDepth} levels` };
      size += 2;
      for (const [k, v] of Object.entries(value)) {
        size += k.length + 4;
        if (size > L.bytes) return tooLarge;
        children.push([k, v]);
      }
    } else size += 8;
    if (size > L.bytes) return tooLarge;
    for (let i = children.length - 1; i >= 0; i--) {
      const [key, child] = children[i] as [string | number, unknown];
      stack.push({ value: child, parent: frame, key, depth: depth + 1, groups });
    }
  }
  return undefined;
}
