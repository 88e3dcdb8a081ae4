import { ValidationError } from "../shared/errors.js";
import {
  type CohortContext,
  codeColumnFor,
  codeMatches,
  eventTables,
  filterColumn,
  findTable,
  type Issue,
  personsOf,
  visitColumn,
} from "./context.js";
import {
  type CohortDefinition,
  codeSetOf,
  criteriaIn,
  type Events,
  groupParts,
  isGroup,
  type Node,
} from "./definition.js";
import { filterValueProblems } from "./filter-values.js";
import { DEFINITION_LIMITS } from "./limits.js";

/**
 * The criteria a cohort's query joins, counting those of the cohorts it uses, which are compiled
 * into it: each definition is within the limit alone, but a chain of them could multiply.
 * Counting stops once over the limit.
 */
function joinsOf(def: CohortDefinition, ctx: CohortContext, level: number): number {
  if (level > DEFINITION_LIMITS.groupDepth)
    throw new ValidationError(
      `cohorts are used inside one another more than ${DEFINITION_LIMITS.groupDepth} deep`,
    );
  let joins = def.inclusion.reduce((n, r) => n + criteriaIn(r.criteria), 0);
  const visit = (node: Node) => {
    if (joins > DEFINITION_LIMITS.criteria) return;
    if (isGroup(node)) groupParts(node).members.forEach(visit);
    else if ("cohort" in node) {
      const [used, ...others] = ctx.cohorts.filter(
        (c) => c.name === node.cohort.name && c.hash.startsWith(node.cohort.version),
      );
      if (used && others.length === 0) joins += joinsOf(used.definition, ctx, level + 1);
    }
  };
  for (const rule of def.inclusion) visit(rule.criteria);
  return joins;
}

export interface Validation {
  errors: Issue[];
  warnings: Issue[];
}

/**
 * Checks a definition against the catalog: every table, column, code set and referenced cohort
 * must exist (errors, with the valid choices); codes that match nothing in the vocabulary are
 * warnings (the vocabulary may be partial).
 */
export function validateDefinition(def: CohortDefinition, ctx: CohortContext): Validation {
  const errors: Issue[] = [];
  const warnings: Issue[] = [];
  const { catalog } = ctx;
  const tables = eventTables(catalog).map((t) => `${t.registry}.${t.table}`);

  for (const [name, set] of Object.entries(def.codeSets)) {
    const codes = ctx.codes.get(set.system);
    if (!codes)
      warnings.push({
        path: `codeSets.${name}.system`,
        message: `no vocabulary for "${set.system}", codes are not checked; systems: ${[...ctx.codes.keys()].join(", ")}`,
      });
    set.codes.forEach((pattern, i) => {
      if (codes && !codeMatches(codes, pattern))
        warnings.push({
          path: `codeSets.${name}.codes[${i}]`,
          message: `${pattern} matches no ${set.system} code in the vocabulary`,
        });
    });
  }

  const checkEvents = (events: Events, path: string) => {
    const table = findTable(catalog, events.table);
    if (!table?.personColumn || !table.eventColumn) {
      errors.push({
        path: `${path}.table`,
        message: `${events.table} is not a table with persons and dates; tables: ${tables.join(", ")}`,
      });
      return;
    }
    if (events.codeSet !== undefined) {
      if (!codeSetOf(def, events.codeSet))
        errors.push({
          path: `${path}.codeSet`,
          message: `no code set "${events.codeSet}"; code sets: ${Object.keys(def.codeSets).join(", ") || "none"}`,
        });
      else {
        const { problem } = codeColumnFor(catalog, def, events);
        if (problem) errors.push({ path: `${path}.codeSet`, message: problem });
      }
    }
    events.where.forEach((f, i) => {
      const { problem, variable } = filterColumn(catalog, table, f.column);
      if (problem) errors.push({ path: `${path}.where[${i}].column`, message: problem });
      else if (variable)
        for (const p of filterValueProblems(f, variable))
          errors.push({ path: `${path}.where[${i}].${p.at}`, message: p.message });
    });
  };

  checkEvents(def.entry.events, "entry.events");
  if (def.exit.censor) checkEvents(def.exit.censor, "exit.censor");
  const persons = personsOf(catalog);
  const needsPersons = Object.keys(def.demographics).length > 0 || def.exit.atDeath === true;
  if (needsPersons && !persons)
    errors.push({
      path: "demographics",
      message: "the lake has no person table with birth and death dates",
    });

  const entryTable = findTable(catalog, def.entry.events.table);
  const checkNode = (node: Node, path: string) => {
    if (isGroup(node)) {
      const { key, members: list } = groupParts(node);
      if ("atLeast" in node && node.atLeast > node.of.length)
        errors.push({
          path: `${path}.atLeast`,
          message: `at least ${node.atLeast} of ${node.of.length} criteria can never hold`,
        });
      list.forEach((n, i) => {
        checkNode(n, `${path}.${key}[${i}]`);
      });
      return;
    }
    if ("events" in node) checkEvents(node.events, `${path}.events`);
    if ("death" in node && !persons)
      errors.push({ path, message: "the lake has no person table with death dates" });
    if ("cohort" in node) {
      const found = ctx.cohorts.filter(
        (c) => c.name === node.cohort.name && c.hash.startsWith(node.cohort.version),
      );
      if (found.length !== 1)
        errors.push({
          path: `${path}.cohort`,
          message:
            found.length === 0
              ? `no saved cohort ${node.cohort.name} version ${node.cohort.version}; saved versions: ${
                  ctx.cohorts
                    .filter((c) => c.name === node.cohort.name)
                    .map((c) => c.hash.slice(0, 12))
                    .join(", ") || "none (validate or run it first)"
                }`
              : `version ${node.cohort.version} of ${node.cohort.name} is ambiguous: give more of the hash`,
        });
    }
    if (node.sameVisit) {
      const own = "events" in node ? findTable(catalog, node.events.table) : undefined;
      if (!entryTable || !visitColumn(catalog, entryTable))
        errors.push({
          path: `${path}.sameVisit`,
          message: `the entry table ${def.entry.events.table} does not record visits`,
        });
      if (!own || !visitColumn(catalog, own))
        errors.push({
          path: `${path}.sameVisit`,
          message: "only events of a table that records visits can be in the same visit",
        });
    }
  };
  def.inclusion.forEach((rule, i) => {
    checkNode(rule.criteria, `inclusion[${i}].criteria`);
  });
  if (errors.length === 0) {
    // Only once every cohort it uses is found; a saved one that no longer parses is named.
    try {
      const joins = joinsOf(def, ctx, 0);
      if (joins > DEFINITION_LIMITS.criteria)
        errors.push({
          path: "inclusion",
          message: `over ${DEFINITION_LIMITS.criteria} criteria with those of the cohorts it uses, which are compiled into it`,
        });
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      errors.push({ path: "inclusion", message: error.message });
    }
  }
  const names = def.inclusion.map((r) => r.name);
  names.forEach((n, i) => {
    if (names.indexOf(n) !== i)
      errors.push({ path: `inclusion[${i}].name`, message: `rule name "${n}" is used twice` });
  });
  return { errors, warnings };
}
