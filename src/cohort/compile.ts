import type { TableMeta, VariableMeta } from "../catalog/metadata.js";
import { Lake } from "../lake/lake.js";
import { ValidationError } from "../shared/errors.js";
import {
  type CohortContext,
  codeColumnFor,
  filterColumn,
  findTable,
  personsOf,
  visitColumn,
} from "./context.js";
import {
  type CohortDefinition,
  type Criterion,
  type Events,
  type Filter,
  groupParts,
  isGroup,
  type Node,
} from "./definition.js";
import { validateDefinition } from "./validate.js";

/** One attrition step: a demographic limit or a named inclusion rule, and its flag column. */
export interface Step {
  name: string;
  column: string;
}

export interface CompiledCohort {
  /** CTEs that end in `flags`: one row per episode (index event) with one boolean per step. */
  ctes: string;
  steps: Step[];
  snapshot: number;
  /** The cohort from a flags relation: persons passing every step, with index and exit dates. */
  cohortFrom(flags: string): string;
  /** Readable SQL of the whole cohort (what `kaivo cohort sql` prints). */
  sql: string;
}

const q = (name: string) => `"${name.replace(/"/g, '""')}"`;
const str = (v: string) => `'${v.replace(/'/g, "''")}'`;
const NUMERIC = new Set(["DOUBLE", "BIGINT", "INTEGER"]);

function literal(v: string | number | boolean, variable: VariableMeta): string {
  if (typeof v === "boolean") return v ? "true" : "false";
  if (NUMERIC.has(variable.type)) {
    const n = Number(v);
    if (!Number.isFinite(n))
      throw new ValidationError(`${variable.variable} is a number; "${v}" is not.`);
    return String(n);
  }
  if (variable.type === "DATE") return `date ${str(String(v))}`;
  return str(String(v));
}

const escapeRegex = (w: string) => w.replace(/[\\.^$|?*+()[\]{}]/g, "\\$&");

function condition(column: string, f: Filter, v: VariableMeta): string {
  const parts: string[] = [];
  if (f.in) parts.push(`${column} in (${f.in.map((x) => literal(x, v)).join(", ")})`);
  if (f.gt !== undefined) parts.push(`${column} > ${literal(f.gt, v)}`);
  if (f.gte !== undefined) parts.push(`${column} >= ${literal(f.gte, v)}`);
  if (f.lt !== undefined) parts.push(`${column} < ${literal(f.lt, v)}`);
  if (f.lte !== undefined) parts.push(`${column} <= ${literal(f.lte, v)}`);
  // One case-insensitive pass over the text for all the words, not one per word.
  if (f.contains)
    parts.push(
      `regexp_matches(${column}, ${str(`(?i)(${f.contains.map(escapeRegex).join("|")})`)})`,
    );
  if (f.isNull !== undefined) parts.push(`${column} is ${f.isNull ? "" : "not "}null`);
  return parts.join(" and ");
}

/**
 * Compiles a definition into DuckDB SQL over the lake as of one snapshot: set-based CTEs (entry
 * events, episodes, one CTE per criterion, flags), never a query per person. Throws a
 * ValidationError listing every problem when the definition does not fit the catalog.
 */
export function compileCohort(def: CohortDefinition, ctx: CohortContext): CompiledCohort {
  const { errors } = validateDefinition(def, ctx);
  if (errors.length > 0)
    throw new ValidationError(
      `cohort ${def.name}: ${errors.map((e) => `${e.path}: ${e.message}`).join("; ")}`,
    );
  const ctes: string[] = [];
  const steps = new Compiler(def, ctx, "", ctes).compile();
  const text = ctes.join(",\n");
  const cohortFrom = (flags: string) => {
    const all = steps.map((s) => s.column).join(" and ");
    return `select pseudo_id, index_date, greatest(index_date, exit_date) as exit_date from ${flags}${all ? ` where ${all}` : ""}`;
  };
  return {
    ctes: text,
    steps,
    snapshot: ctx.snapshot,
    cohortFrom,
    sql: `-- cohort ${def.name}${def.title ? `: ${def.title}` : ""}\n-- lake snapshot ${ctx.snapshot}, data until ${ctx.endOfData}\nwith\n${text},\ncohort as (\n  ${cohortFrom("flags")}\n)\nselect * from cohort order by pseudo_id, index_date`,
  };
}

/** Whether any criterion asks for the index event's visit. */
function needsVisit(def: CohortDefinition): boolean {
  const walk = (n: Node): boolean =>
    isGroup(n) ? groupParts(n).members.some(walk) : n.sameVisit === true;
  return def.inclusion.some((r) => walk(r.criteria));
}

class Compiler {
  private leaf = 0;
  private nested = 0;
  private leafCtes: string[] = [];
  private usesPersons = false;

  constructor(
    private readonly def: CohortDefinition,
    private readonly ctx: CohortContext,
    private readonly prefix: string,
    private readonly out: string[],
  ) {}

  private name(n: string) {
    return `${this.prefix}${n}`;
  }

  private asOf(alias: string) {
    // At the latest load nothing is closed later, so `load_to is null` is the whole condition.
    return Lake.asOf(this.ctx.latest ? undefined : this.ctx.snapshot, alias);
  }

  private table(name: string): TableMeta {
    return findTable(this.ctx.catalog, name) as TableMeta;
  }

  /** `select pseudo_id, event_date, visit` of the rows an Events clause names. */
  private events(events: Events, extra = ""): string {
    const t = this.table(events.table);
    const visit = visitColumn(this.ctx.catalog, t);
    const where = [this.asOf("e"), "e.event_date is not null"];
    if (events.codeSet) {
      const set = this.def.codeSets[events.codeSet];
      const { column } = codeColumnFor(this.ctx.catalog, this.def, events);
      if (set && column) {
        const exact = set.codes.filter((c) => !c.endsWith("*"));
        const prefixes = set.codes.filter((c) => c.endsWith("*")).map((c) => c.slice(0, -1));
        const col = `e.${q(column)}::varchar`;
        where.push(
          `(${[
            ...(exact.length ? [`${col} in (${exact.map(str).join(", ")})`] : []),
            ...prefixes.map((p) => `starts_with(${col}, ${str(p)})`),
          ].join(" or ")})`,
        );
      }
    }
    for (const f of events.where) {
      const { variable, via } = filterColumn(this.ctx.catalog, t, f.column);
      if (!variable) continue;
      if (via) {
        const r = `${q(via.reference.variable)}`;
        where.push(
          `e.${r} in (select r.record_key from ${Lake.qualified(via.table.registry, via.table.table)} r where ${this.asOf("r")} and ${condition(`r.${q(variable.variable)}`, f, variable)})`,
        );
      } else where.push(condition(`e.${q(variable.variable)}`, f, variable));
    }
    if (extra) where.push(extra);
    return `select e.pseudo_id, e.event_date, ${visit ? `e.${q(visit)}` : "null::varchar"} as visit
    from ${Lake.qualified(t.registry, t.table)} e
    where ${where.join("\n      and ")}`;
  }

  compile(): Step[] {
    const { def } = this;
    const period = def.entry.period;
    const bounds = [
      ...(period?.from ? [`e.event_date >= date ${str(period.from)}`] : []),
      ...(period?.to ? [`e.event_date <= date ${str(period.to)}`] : []),
    ].join(" and ");
    this.out.push(
      `${this.name("entry_events")} as (\n  -- entry: ${def.entry.events.table}${def.entry.events.codeSet ? ` codes ${def.entry.events.codeSet}` : ""}${period ? `, ${period.from ?? "…"} to ${period.to ?? "…"}` : ""}\n  ${this.events(def.entry.events, bounds)}\n)`,
    );
    const ee = this.name("entry_events");
    const pickDay = def.entry.occurrence === "first" ? "min" : "max";
    // The index visit is looked up (a second pass over the entry events) only for same-visit
    // criteria; otherwise one aggregate per person is enough.
    const pick =
      def.entry.occurrence === "all"
        ? `select distinct pseudo_id, event_date as index_date, ${needsVisit(def) ? "visit" : "null::varchar"} as index_visit from ${ee}`
        : needsVisit(def)
          ? `select x.pseudo_id, x.index_date, min(e.visit) as index_visit
    from (select pseudo_id, ${pickDay}(event_date) as index_date from ${ee} group by pseudo_id) x
    join ${ee} e on e.pseudo_id = x.pseudo_id and e.event_date = x.index_date
    group by x.pseudo_id, x.index_date`
          : `select pseudo_id, ${pickDay}(event_date) as index_date, null::varchar as index_visit from ${ee} group by pseudo_id`;
    this.out.push(
      `${this.name("episodes")} as (\n  -- ${def.entry.occurrence} occurrence${def.entry.occurrence === "all" ? "s" : ""} per person: the index date\n  select row_number() over (order by pseudo_id, index_date, index_visit) as episode, *\n  from (${pick})\n)`,
    );

    const steps: Array<Step & { sql: string }> = [];
    const d = def.demographics;
    if (d.age && (d.age.min !== undefined || d.age.max !== undefined)) {
      const age = "date_part('year', age(i.index_date, p.birth))";
      const parts = [
        ...(d.age.min !== undefined ? [`${age} >= ${d.age.min}`] : []),
        ...(d.age.max !== undefined ? [`${age} <= ${d.age.max}`] : []),
      ];
      steps.push({
        name: `aged ${d.age.min ?? 0}${d.age.max !== undefined ? `-${d.age.max}` : "+"} at index`,
        column: "",
        sql: parts.join(" and "),
      });
    }
    if (d.sex)
      steps.push({
        name: `sex ${d.sex.join(" or ")}`,
        column: "",
        sql: `p.sex in (${d.sex.map(str).join(", ")})`,
      });
    if (d.aliveAtIndex)
      steps.push({
        name: "alive at index",
        column: "",
        sql: "(p.death is null or p.death >= i.index_date)",
      });
    if (d.municipality)
      steps.push({
        name: `living in ${d.municipality.join(", ")}`,
        column: "",
        sql: `p.municipality in (${d.municipality.map(str).join(", ")})`,
      });
    for (const rule of def.inclusion)
      steps.push({ name: rule.name, column: "", sql: this.node(rule.criteria) });
    if (d.age || d.sex || d.aliveAtIndex || d.municipality || def.exit.atDeath)
      this.usesPersons = true;
    if (this.usesPersons) this.out.splice(this.out.length - 2, 0, this.personsCte());
    this.out.push(...this.leafCtes);

    let censor = "";
    if (def.exit.censor) {
      this.out.push(
        `${this.name("censor")} as (\n  -- exit at the first ${def.exit.censor.table} event after the index\n  select i.episode, min(x.event_date) as first_censor\n  from ${this.name("episodes")} i join (${this.events(def.exit.censor)}) x\n    on x.pseudo_id = i.pseudo_id and x.event_date > i.index_date\n  group by i.episode\n)`,
      );
      censor = `left join ${this.name("censor")} cx on cx.episode = i.episode`;
    }
    const exit = [
      `date ${str(this.ctx.endOfData)}`,
      ...(def.exit.offsetDays !== undefined ? [`i.index_date + ${def.exit.offsetDays}`] : []),
      ...(def.exit.atDeath ? [`coalesce(p.death, date ${str(this.ctx.endOfData)})`] : []),
      ...(censor ? [`coalesce(cx.first_censor, date ${str(this.ctx.endOfData)})`] : []),
    ];
    const named = steps.map((s, k) => ({ ...s, column: `s${k + 1}` }));
    const joins = [
      ...(this.usesPersons
        ? [`left join ${this.name("persons")} p on p.pseudo_id = i.pseudo_id`]
        : []),
      ...Array.from(
        { length: this.leaf },
        (_, k) =>
          `left join ${this.name(`c${k + 1}`)} on ${this.name(`c${k + 1}`)}.episode = i.episode`,
      ),
      ...(censor ? [censor] : []),
    ];
    this.out.push(
      `${this.name("flags")} as (\n  select i.episode, i.pseudo_id, i.index_date, i.index_visit,\n    least(${exit.join(", ")}) as exit_date${named.map((s) => `,\n    -- ${s.name}\n    coalesce(${s.sql}, false) as ${s.column}`).join("")}\n  from ${this.name("episodes")} i\n  ${joins.join("\n  ")}\n)`,
    );
    return named.map(({ name, column }) => ({ name, column }));
  }

  private personsCte(): string {
    const p = personsOf(this.ctx.catalog);
    if (!p) throw new ValidationError("The lake has no person table.");
    return `${this.name("persons")} as (\n  select e.pseudo_id, try_cast(substr(e.${q(p.birth)}, 1, 10) as date) as birth,\n    try_cast(substr(e.${q(p.death)}, 1, 10) as date) as death,\n    e.${q(p.sex)} as sex, e.${q(p.municipality)} as municipality\n  from ${Lake.qualified(p.table.registry, p.table.table)} e where ${this.asOf("e")}\n)`;
  }

  /** A boolean SQL expression for a node, over the flags row (episode i, person p, leaf CTEs). */
  private node(node: Node): string {
    if (isGroup(node)) {
      if ("all" in node) return `(${node.all.map((n) => this.node(n)).join(" and ")})`;
      if ("any" in node) return `(${node.any.map((n) => this.node(n)).join(" or ")})`;
      if ("none" in node) return `not (${node.none.map((n) => this.node(n)).join(" or ")})`;
      return `(${node.of.map((n) => `(${this.node(n)})::int`).join(" + ")} >= ${node.atLeast})`;
    }
    return this.criterion(node);
  }

  private criterion(c: Criterion): string {
    const k = ++this.leaf;
    const cte = this.name(`c${k}`);
    let source: string;
    let what: string;
    if ("events" in c) {
      source = this.events(c.events);
      what = `${c.events.table}${c.events.codeSet ? ` codes ${c.events.codeSet}` : ""}${c.events.where.length ? ` where ${c.events.where.map((f) => f.column).join(", ")}` : ""}`;
    } else if ("death" in c) {
      this.usesPersons = true;
      source = `select pseudo_id, death as event_date, null::varchar as visit from ${this.name("persons")} where death is not null`;
      what = "death";
    } else {
      const other = this.ctx.cohorts.find(
        (o) => o.name === c.cohort.name && o.hash.startsWith(c.cohort.version),
      );
      if (!other)
        throw new ValidationError(`No saved cohort ${c.cohort.name} ${c.cohort.version}.`);
      const prefix = `${this.prefix}k${++this.nested}_`;
      const inner: string[] = [];
      const steps = new Compiler(other.definition, this.ctx, prefix, inner).compile();
      this.leafCtes.push(...inner);
      const all = steps.map((s) => s.column).join(" and ");
      source = `select pseudo_id, index_date as event_date, null::varchar as visit from ${prefix}flags${all ? ` where ${all}` : ""}`;
      what = `member of cohort ${c.cohort.name} (${other.hash.slice(0, 12)}), at its index date`;
    }
    const on = ["x.pseudo_id = i.pseudo_id"];
    if (c.window?.start !== undefined) on.push(`x.event_date >= i.index_date + ${c.window.start}`);
    if (c.window?.end !== undefined) on.push(`x.event_date <= i.index_date + ${c.window.end}`);
    if (c.sameVisit) on.push("x.visit = i.index_visit");
    this.leafCtes.push(
      `${cte} as (\n  -- ${what}${c.window ? `, days ${c.window.start ?? "…"} to ${c.window.end ?? "…"} from index` : ""}${c.sameVisit ? ", same visit" : ""}\n  select i.episode, count(*) as n, count(distinct x.event_date) as days\n  from ${this.name("episodes")} i join (${source}) x\n    on ${on.join(" and ")}\n  group by i.episode\n)`,
    );
    const atLeast = c.count?.atLeast ?? 1;
    return `coalesce(${cte}.${c.count?.distinctDays ? "days" : "n"}, 0) >= ${atLeast}`;
  }
}
