import type { TableMeta, VariableMeta } from "../catalog/metadata.js";
import { Lake } from "../lake/lake.js";
import { date, EMPTY, ident, int, integerText, join, type Sql, sql } from "../lake/sql.js";
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
  codeSetOf,
  type Events,
  type Filter,
  groupParts,
  isGroup,
  type Node,
} from "./definition.js";
import { validateDefinition } from "./validate.js";
import { isWholeRun, vocabularyPattern } from "./word-match.js";

/** One attrition step: a demographic limit or a named inclusion rule, and its flag column. */
export interface Step {
  name: string;
  column: string;
}

export interface CompiledCohort {
  /** CTEs that end in `flags`: one row per episode (index event) with one boolean per step. */
  ctes: Sql;
  steps: Step[];
  snapshot: number;
  /** The cohort from a flags relation: persons passing every step, with index and exit dates. */
  cohortFrom(flags: Sql): Sql;
  /** The whole cohort as one query (what `kaivo cohort sql` prints, with its parameters). */
  sql: Sql;
}

const NUMERIC = new Set(["DOUBLE", "BIGINT", "INTEGER"]);

function literal(v: string | number | boolean, variable: VariableMeta): Sql {
  if (typeof v === "boolean") return sql`${v}`;
  if (NUMERIC.has(variable.type)) {
    const n = Number(v);
    if (!Number.isFinite(n))
      throw new ValidationError(`${variable.variable} is a number; the value given is not.`);
    return sql`CAST(${n} AS DOUBLE)`;
  }
  if (variable.type === "DATE") return date(String(v));
  return sql`${String(v)}`;
}

const escapeRegex = (w: string) => w.replace(/[\\.^$|?*+()[\]{}]/g, "\\$&");

/** Builds the condition that a row is a candidate of the word index, given the vocabulary pattern. */
type Candidates = (vocabularyPattern: string) => Sql;

function condition(column: Sql, f: Filter, v: VariableMeta, candidates?: Candidates): Sql {
  const parts: Sql[] = [];
  if (f.in) parts.push(sql`${column} in (${join(f.in.map((x) => literal(x, v)))})`);
  if (f.gt !== undefined) parts.push(sql`${column} > ${literal(f.gt, v)}`);
  if (f.gte !== undefined) parts.push(sql`${column} >= ${literal(f.gte, v)}`);
  if (f.lt !== undefined) parts.push(sql`${column} < ${literal(f.lt, v)}`);
  if (f.lte !== undefined) parts.push(sql`${column} <= ${literal(f.lte, v)}`);
  // One case-insensitive pass over the text for all the words, not one per word. With the word
  // index (word-match.ts), words of letters only are answered by the index alone, and the rest
  // by the same pass over their candidate rows' text only: the CASE keeps DuckDB from running
  // the expression before the candidates are known.
  if (f.contains) {
    const pattern = (words: string[]) => `(?i)(${words.map(escapeRegex).join("|")})`;
    if (candidates && vocabularyPattern(f.contains)) {
      const whole = f.contains.filter(isWholeRun);
      const rest = f.contains.filter((w) => !isWholeRun(w));
      const either = [
        ...(whole.length ? [candidates(vocabularyPattern(whole) as string)] : []),
        ...(rest.length
          ? [
              sql`regexp_matches(case when ${candidates(vocabularyPattern(rest) as string)} then ${column} end, ${pattern(rest)})`,
            ]
          : []),
      ];
      parts.push(sql`(${join(either, sql` or `)})`);
    } else parts.push(sql`regexp_matches(${column}, ${pattern(f.contains)})`);
  }
  if (f.isNull !== undefined)
    parts.push(f.isNull ? sql`${column} is null` : sql`${column} is not null`);
  return join(parts, sql` and `);
}

/**
 * Compiles a definition into DuckDB SQL over the lake as of one snapshot: set-based CTEs (entry
 * events, episodes, one CTE per criterion, flags), never a query per person. Throws a
 * ValidationError listing every problem when the definition does not fit the catalog. Every
 * value of the definition is a bound parameter and every name a catalog identifier, so the
 * statement's text depends only on the definition's structure; comments hold no user text.
 */
export function compileCohort(def: CohortDefinition, ctx: CohortContext): CompiledCohort {
  const { errors } = validateDefinition(def, ctx);
  if (errors.length > 0)
    throw new ValidationError(
      `cohort ${def.name}: ${errors.map((e) => `${e.path}: ${e.message}`).join("; ")}`,
    );
  const ctes: Sql[] = [];
  const steps = new Compiler(def, ctx, "", ctes).compile();
  const text = join(ctes, sql`,\n`);
  const cohortFrom = (flags: Sql) => {
    const all = join(
      steps.map((s) => ident(s.column)),
      sql` and `,
    );
    return sql`select pseudo_id, index_date, greatest(index_date, exit_date) as exit_date from ${flags}${steps.length ? sql` where ${all}` : EMPTY}`;
  };
  return {
    ctes: text,
    steps,
    snapshot: ctx.snapshot,
    cohortFrom,
    sql: sql`with\n${text},\ncohort as (\n  ${cohortFrom(sql`flags`)}\n)\nselect * from cohort order by pseudo_id, index_date`,
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
  private leafCtes: Sql[] = [];
  private usesPersons = false;

  constructor(
    private readonly def: CohortDefinition,
    private readonly ctx: CohortContext,
    private readonly prefix: string,
    private readonly out: Sql[],
  ) {}

  /** A CTE's name: fixed words, a counter and the nesting prefix, never user text. */
  private name(n: string): Sql {
    return ident(`${this.prefix}${n}`);
  }

  private asOf(alias: string): Sql {
    // At the latest load nothing is closed later, so `load_to is null` is the whole condition.
    return Lake.asOf(this.ctx.latest ? undefined : this.ctx.snapshot, alias);
  }

  /** The word-index candidates of an aliased table's text column, if the index covers it. */
  private candidates(alias: string, t: TableMeta, column: string): Candidates | undefined {
    const id = this.ctx.wordIndex?.get(`${t.registry}.${t.table}.${column}`);
    if (id === undefined) return undefined;
    return (words) =>
      sql`${ident(alias, "record_key")} in (select w.record_key from _search.postings w where w.table_id = ${int(id)} and ${this.asOf("w")} and w.word_id in (select v.word_id from _search.vocabulary v where regexp_matches(v.word, ${words})))`;
  }

  private table(name: string): TableMeta {
    return findTable(this.ctx.catalog, name) as TableMeta;
  }

  /** `select pseudo_id, event_date, visit` of the rows an Events clause names. */
  private events(events: Events, extra?: Sql): Sql {
    const t = this.table(events.table);
    const visit = visitColumn(this.ctx.catalog, t);
    const where: Sql[] = [this.asOf("e"), sql`e.event_date is not null`];
    if (events.codeSet) {
      const set = codeSetOf(this.def, events.codeSet);
      const { column } = codeColumnFor(this.ctx.catalog, this.def, events);
      if (set && column) {
        const exact = set.codes.filter((c) => !c.endsWith("*"));
        const prefixes = set.codes.filter((c) => c.endsWith("*")).map((c) => c.slice(0, -1));
        const col = sql`${ident("e", column)}::varchar`;
        where.push(
          sql`(${join(
            [
              ...(exact.length ? [sql`${col} in (${join(exact.map((c) => sql`${c}`))})`] : []),
              ...prefixes.map((p) => sql`starts_with(${col}, ${p})`),
            ],
            sql` or `,
          )})`,
        );
      }
    }
    for (const f of events.where) {
      const { variable, via } = filterColumn(this.ctx.catalog, t, f.column);
      if (!variable) continue;
      if (via) {
        where.push(
          sql`${ident("e", via.reference.variable)} in (select r.record_key from ${Lake.qualified(via.table.registry, via.table.table)} r where ${this.asOf("r")} and ${condition(ident("r", variable.variable), f, variable, this.candidates("r", via.table, variable.variable))})`,
        );
      } else
        where.push(
          condition(
            ident("e", variable.variable),
            f,
            variable,
            this.candidates("e", t, variable.variable),
          ),
        );
    }
    if (extra && !extra.isEmpty) where.push(extra);
    return sql`select e.pseudo_id, e.event_date, ${visit ? ident("e", visit) : sql`null::varchar`} as visit
    from ${Lake.qualified(t.registry, t.table)} e
    where ${join(where, sql`\n      and `)}`;
  }

  compile(): Step[] {
    const { def } = this;
    const period = def.entry.period;
    const bounds = join(
      [
        ...(period?.from ? [sql`e.event_date >= ${date(period.from)}`] : []),
        ...(period?.to ? [sql`e.event_date <= ${date(period.to)}`] : []),
      ],
      sql` and `,
    );
    this.out.push(
      sql`${this.name("entry_events")} as (\n  -- entry events\n  ${this.events(def.entry.events, bounds)}\n)`,
    );
    const ee = this.name("entry_events");
    const pickDay = def.entry.occurrence === "first" ? sql`min` : sql`max`;
    // The index visit is looked up (a second pass over the entry events) only for same-visit
    // criteria; otherwise one aggregate per person is enough.
    const pick =
      def.entry.occurrence === "all"
        ? sql`select distinct pseudo_id, event_date as index_date, ${needsVisit(def) ? sql`visit` : sql`null::varchar`} as index_visit from ${ee}`
        : needsVisit(def)
          ? sql`select x.pseudo_id, x.index_date, min(e.visit) as index_visit
    from (select pseudo_id, ${pickDay}(event_date) as index_date from ${ee} group by pseudo_id) x
    join ${ee} e on e.pseudo_id = x.pseudo_id and e.event_date = x.index_date
    group by x.pseudo_id, x.index_date`
          : sql`select pseudo_id, ${pickDay}(event_date) as index_date, null::varchar as index_visit from ${ee} group by pseudo_id`;
    this.out.push(
      sql`${this.name("episodes")} as (\n  -- the index date of each episode\n  select row_number() over (order by pseudo_id, index_date, index_visit) as episode, *\n  from (${pick})\n)`,
    );

    const steps: Array<{ name: string; sql: Sql }> = [];
    const d = def.demographics;
    if (d.age && (d.age.min !== undefined || d.age.max !== undefined)) {
      const age = sql`date_part('year', age(i.index_date, p.birth))`;
      const parts = [
        ...(d.age.min !== undefined ? [sql`${age} >= ${int(d.age.min)}`] : []),
        ...(d.age.max !== undefined ? [sql`${age} <= ${int(d.age.max)}`] : []),
      ];
      steps.push({
        name: `aged ${d.age.min ?? 0}${d.age.max !== undefined ? `-${d.age.max}` : "+"} at index`,
        sql: join(parts, sql` and `),
      });
    }
    if (d.sex)
      steps.push({
        name: `sex ${d.sex.join(" or ")}`,
        sql: sql`p.sex in (${join(d.sex.map((x) => sql`${x}`))})`,
      });
    if (d.aliveAtIndex)
      steps.push({
        name: "alive at index",
        sql: sql`(p.death is null or p.death >= i.index_date)`,
      });
    if (d.municipality)
      steps.push({
        name: `living in ${d.municipality.join(", ")}`,
        sql: sql`p.municipality in (${join(d.municipality.map((x) => sql`${x}`))})`,
      });
    for (const rule of def.inclusion)
      steps.push({ name: rule.name, sql: this.node(rule.criteria) });
    if (d.age || d.sex || d.aliveAtIndex || d.municipality || def.exit.atDeath)
      this.usesPersons = true;
    if (this.usesPersons) this.out.splice(this.out.length - 2, 0, this.personsCte());
    this.out.push(...this.leafCtes);

    let censor: Sql | undefined;
    if (def.exit.censor) {
      this.out.push(
        sql`${this.name("censor")} as (\n  -- exit at the first censoring event after the index\n  select i.episode, min(x.event_date) as first_censor\n  from ${this.name("episodes")} i join (${this.events(def.exit.censor)}) x\n    on x.pseudo_id = i.pseudo_id and x.event_date > i.index_date\n  group by i.episode\n)`,
      );
      censor = sql`left join ${this.name("censor")} cx on cx.episode = i.episode`;
    }
    const end = date(this.ctx.endOfData);
    const exit = [
      end,
      ...(def.exit.offsetDays !== undefined
        ? [sql`i.index_date + ${int(def.exit.offsetDays)}`]
        : []),
      ...(def.exit.atDeath ? [sql`coalesce(p.death, ${end})`] : []),
      ...(censor ? [sql`coalesce(cx.first_censor, ${end})`] : []),
    ];
    const named = steps.map((s, k) => ({ ...s, column: `s${k + 1}` }));
    const joins = [
      ...(this.usesPersons
        ? [sql`left join ${this.name("persons")} p on p.pseudo_id = i.pseudo_id`]
        : []),
      ...Array.from({ length: this.leaf }, (_, k) => {
        const c = this.name(`c${k + 1}`);
        return sql`left join ${c} on ${c}.episode = i.episode`;
      }),
      ...(censor ? [censor] : []),
    ];
    this.out.push(
      sql`${this.name("flags")} as (\n  select i.episode, i.pseudo_id, i.index_date, i.index_visit,\n    least(${join(exit)}) as exit_date${join(
        named.map(
          (s, k) =>
            sql`,\n    -- step ${integerText(k + 1)}\n    coalesce(${s.sql}, false) as ${ident(s.column)}`,
        ),
        EMPTY,
      )}\n  from ${this.name("episodes")} i\n  ${join(joins, sql`\n  `)}\n)`,
    );
    return named.map(({ name, column }) => ({ name, column }));
  }

  private personsCte(): Sql {
    const p = personsOf(this.ctx.catalog);
    if (!p) throw new ValidationError("The lake has no person table.");
    return sql`${this.name("persons")} as (\n  select e.pseudo_id, try_cast(substr(${ident("e", p.birth)}, 1, 10) as date) as birth,\n    try_cast(substr(${ident("e", p.death)}, 1, 10) as date) as death,\n    ${ident("e", p.sex)} as sex, ${ident("e", p.municipality)} as municipality\n  from ${Lake.qualified(p.table.registry, p.table.table)} e where ${this.asOf("e")}\n)`;
  }

  /** A boolean SQL expression for a node, over the flags row (episode i, person p, leaf CTEs). */
  private node(node: Node): Sql {
    if (isGroup(node)) {
      if ("all" in node)
        return sql`(${join(
          node.all.map((n) => this.node(n)),
          sql` and `,
        )})`;
      if ("any" in node)
        return sql`(${join(
          node.any.map((n) => this.node(n)),
          sql` or `,
        )})`;
      if ("none" in node)
        return sql`not (${join(
          node.none.map((n) => this.node(n)),
          sql` or `,
        )})`;
      return sql`(${join(
        node.of.map((n) => sql`(${this.node(n)})::int`),
        sql` + `,
      )} >= ${int(node.atLeast)})`;
    }
    return this.criterion(node);
  }

  private criterion(c: Criterion): Sql {
    const k = ++this.leaf;
    const cte = this.name(`c${k}`);
    let source: Sql;
    if ("events" in c) {
      source = this.events(c.events);
    } else if ("death" in c) {
      this.usesPersons = true;
      source = sql`select pseudo_id, death as event_date, null::varchar as visit from ${this.name("persons")} where death is not null`;
    } else {
      const other = this.ctx.cohorts.find(
        (o) => o.name === c.cohort.name && o.hash.startsWith(c.cohort.version),
      );
      if (!other) throw new ValidationError("A cohort used as a criterion is not saved.");
      const prefix = `${this.prefix}k${++this.nested}_`;
      const inner: Sql[] = [];
      const steps = new Compiler(other.definition, this.ctx, prefix, inner).compile();
      this.leafCtes.push(...inner);
      const all = join(
        steps.map((s) => ident(s.column)),
        sql` and `,
      );
      source = sql`select pseudo_id, index_date as event_date, null::varchar as visit from ${ident(`${prefix}flags`)}${steps.length ? sql` where ${all}` : EMPTY}`;
    }
    const on: Sql[] = [sql`x.pseudo_id = i.pseudo_id`];
    if (c.window?.start !== undefined)
      on.push(sql`x.event_date >= i.index_date + ${int(c.window.start)}`);
    if (c.window?.end !== undefined)
      on.push(sql`x.event_date <= i.index_date + ${int(c.window.end)}`);
    if (c.sameVisit) on.push(sql`x.visit = i.index_visit`);
    this.leafCtes.push(
      sql`${cte} as (\n  -- criterion ${integerText(k)}\n  select i.episode, count(*) as n, count(distinct x.event_date) as days\n  from ${this.name("episodes")} i join (${source}) x\n    on ${join(on, sql` and `)}\n  group by i.episode\n)`,
    );
    const atLeast = c.count?.atLeast ?? 1;
    return sql`coalesce(${cte}.${c.count?.distinctDays ? sql`days` : sql`n`}, 0) >= ${int(atLeast)}`;
  }
}
