import type { Catalog } from "../catalog/catalog-store.js";
import { isFreeText, type TableMeta, type VariableMeta } from "../catalog/metadata.js";
import { personsOf } from "../cohort/context.js";
import { Lake } from "../lake/lake.js";
import { date, EMPTY, ident, int, join, type Sql, sql } from "../lake/sql.js";
import type { Scope } from "../permits/scope.js";
import { ValidationError } from "../shared/errors.js";

/** What a release asks for within its permit; by default the whole scope. */
export interface ReleaseRequest {
  tables?: Record<string, string[]>;
  period?: { from: string; to: string };
}

export interface ReleaseColumn {
  name: string;
  sql: Sql;
  /** A reference to another record: pseudonymized once per distinct key through `_ref_ids`. */
  reference?: string;
  /** The alias its `_ref_ids` join goes by. */
  alias?: string;
  /** Frictionless Table Schema type. */
  type: string;
  variable?: VariableMeta;
  note?: string;
}

export interface ReleaseTable {
  name: string;
  table: TableMeta;
  columns: ReleaseColumn[];
  sql: Sql;
  /**
   * Per free-text column shifted with a date shift: a count of the released rows whose text has
   * a date that cannot be shifted safely (`note_dates_unshiftable`, see note-dates-sql.ts).
   */
  unshiftableNotes: Array<{ column: string; sql: Sql }>;
}

/** Refuses anything outside the permit's scope, naming it; returns what to extract. */
export function resolveRequest(permitId: string, scope: Scope, request: ReleaseRequest = {}) {
  const tables = request.tables ?? scope.tables;
  for (const [name, vars] of Object.entries(tables)) {
    const allowed = scope.tables[name];
    if (!allowed)
      throw new ValidationError(
        `${name} is outside permit ${permitId}'s scope.`,
        `The permit covers: ${Object.keys(scope.tables).join(", ")}.`,
      );
    const outside = vars.filter((v) => !allowed.includes(v));
    if (outside.length)
      throw new ValidationError(
        `${outside.map((v) => `${name}.${v}`).join(", ")} ${outside.length === 1 ? "is" : "are"} outside permit ${permitId}'s scope.`,
        `Allowed in ${name}: ${allowed.join(", ")}.`,
      );
  }
  const period = request.period ?? scope.period;
  if (period.from < scope.period.from || period.to > scope.period.to || period.from > period.to)
    throw new ValidationError(
      `The period ${period.from} to ${period.to} is outside permit ${permitId}'s data period ${scope.period.from} to ${scope.period.to}.`,
    );
  return { tables, period };
}

const TYPES: Record<string, string> = {
  VARCHAR: "string",
  DOUBLE: "number",
  BIGINT: "integer",
  INTEGER: "integer",
  BOOLEAN: "boolean",
  DATE: "date",
  JSON: "object",
};

/**
 * The SELECT for each released table: only permitted variables, rows of the release's people
 * (`_release_people`: lake pseudo-ID, permit person ID, date shift) in the period, as of the
 * snapshot, with identifiers re-pseudonymized, dates shifted and birth dates coarsened.
 */
export function planRelease(
  catalog: Catalog,
  scope: Scope,
  tables: Record<string, string[]>,
  period: { from: string; to: string },
  snapshot: number,
): { tables: ReleaseTable[]; referenceIds: Sql } {
  const persons = personsOf(catalog);
  const rules = scope.rules;
  const asOf = Lake.asOf(snapshot, "e");
  // Tables the released references point to (visits, units, hospitals): each of their rows gets
  // its permit pseudonym once, in `_ref_ids`, however many rows refer to it.
  const targets = new Set(
    Object.entries(tables).flatMap(([name, vars]) =>
      catalog.variables
        .filter(
          (v) => `${v.registry}.${v.table}` === name && vars.includes(v.variable) && v.references,
        )
        .map((v) => v.references as string),
    ),
  );
  const referenceIds = referenceIdsSql(catalog, [...targets].sort(), asOf);
  const released = Object.entries(tables)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, wanted]) => {
      const table = catalog.tables.find((t) => `${t.registry}.${t.table}` === name);
      if (!table) throw new ValidationError(`${name} is not in the lake's catalog.`);
      const isPersons = persons?.table === table;
      const variables = catalog.variables.filter(
        (v) => v.registry === table.registry && v.table === table.table,
      );
      const isTarget = targets.has(name);
      const columns: ReleaseColumn[] = [
        {
          name: "person_id",
          sql: sql`p.person_id`,
          type: "string",
          note: "the person, pseudonymized for this permit",
        },
        {
          name: "row_id",
          sql: isTarget
            ? pseudonymOf("rowref", sql`e.record_key`)
            : sql`rel_id('row|' || e.record_key)`,
          type: "string",
          note: "the record, pseudonymized for this permit",
        },
      ];
      const coarse = (expr: Sql): Sql =>
        rules.birthDate === "year"
          ? sql`strftime(${expr}, '%Y')`
          : rules.birthDate === "year-month"
            ? sql`strftime(${expr}, '%Y-%m')`
            : sql`${expr} + p.shift`;
      const coarseType =
        rules.birthDate === "year"
          ? "year"
          : rules.birthDate === "year-month"
            ? "yearmonth"
            : "date";
      const shiftedText: string[] = [];
      for (const v of wanted) {
        const meta = variables.find((x) => x.variable === v);
        if (!meta) throw new ValidationError(`${name} has no variable ${v}.`);
        // Whatever a scope lists, free text leaves only when the permit allows notes.
        if (isFreeText(meta) && !rules.notes)
          throw new ValidationError(
            `${name}.${v} is free text and the permit does not allow notes.`,
          );
        const col = ident("e", v);
        if (isFreeText(meta) && rules.dateShiftDays > 0) {
          // Dates written in the text move with the person's dates (note-dates.ts).
          columns.push({
            name: v,
            sql: sql`shift_note_dates(${col}::varchar, p.shift, e.event_date)`,
            type: "string",
            variable: meta,
            note: "dates in the text shifted with the person's dates",
          });
          shiftedText.push(v);
          continue;
        }
        const birth = isPersons && (v === persons?.birth || v === "event_date");
        if (birth) {
          columns.push({
            name: v,
            sql: coarse(sql`try_cast(substr(${col}::varchar, 1, 10) as date)`),
            type: coarseType,
            variable: meta,
            note: `birth date as ${rules.birthDate}`,
          });
        } else if (v === "event_date") {
          columns.push({ name: v, sql: sql`${col} + p.shift`, type: "date", variable: meta });
        } else if (meta.references) {
          columns.push({
            name: v,
            sql: pseudonymOf(`ref_${columns.length}`, col),
            alias: `ref_${columns.length}`,
            reference: v,
            type: "string",
            variable: meta,
            note: "pseudonymized for this permit",
          });
        } else if (meta.role === "key") {
          columns.push({
            name: v,
            sql: sql`rel_id('row|' || ${col})`,
            type: "string",
            variable: meta,
            note: "pseudonymized for this permit",
          });
        } else if (meta.sourceType === "date" || (isPersons && v === persons?.death)) {
          columns.push({
            name: v,
            sql: sql`try_cast(substr(${col}, 1, 10) as date) + p.shift`,
            type: "date",
            variable: meta,
          });
        } else if (meta.sourceType === "dateTime" || meta.sourceType === "instant") {
          columns.push({
            name: v,
            sql: sql`try_cast(${col} as timestamptz) + to_days(p.shift)`,
            type: "datetime",
            variable: meta,
          });
        } else if (meta.codeSystem === "postal-code") {
          const d = rules.postalCodeDigits;
          columns.push({
            name: v,
            sql: sql`left(${col}, ${int(d)}) || repeat('0', ${int(5 - d)})`,
            type: "string",
            variable: meta,
            note: `first ${d} digits kept`,
          });
        } else {
          columns.push({ name: v, sql: col, type: TYPES[meta.type] ?? "string", variable: meta });
        }
      }
      const where = [asOf];
      if (table.eventColumn && !isPersons)
        where.push(sql`e.event_date between ${date(period.from)} and ${date(period.to)}`);
      const from = sql`from ${Lake.qualified(table.registry, table.table)} e join _release_people p on p.pseudo_id = e.pseudo_id`;
      const joins = [
        ...(isTarget ? [sql`left join _ref_ids rowref on rowref.k = e.record_key`] : []),
        ...columns.flatMap((c) =>
          c.reference && c.alias
            ? [
                sql`left join _ref_ids ${ident(c.alias)} on ${ident(c.alias, "k")} = ${ident("e", c.reference)}`,
              ]
            : [],
        ),
      ];
      const select = sql`select ${join(columns.map((c) => sql`${c.sql} as ${ident(c.name)}`))}
        ${from} ${join(joins, sql` `)}
        where ${join(where, sql` and `)}
        order by person_id, row_id`;
      const unshiftableNotes = shiftedText.map((v) => ({
        column: v,
        sql: sql`select count(*) as n ${from}
          where ${join(where, sql` and `)} and note_dates_unshiftable(${ident("e", v)}::varchar, e.event_date) > 0`,
      }));
      return { name, table, columns, sql: select, unshiftableNotes };
    });
  return { tables: released, referenceIds };
}

/** The pseudonym from the reference map, or computed when the key is not in it. */
function pseudonymOf(alias: string, key: Sql): Sql {
  const id = ident(alias, "id");
  return sql`case when ${id} is null and ${key} is not null then rel_id('row|' || ${key}) else ${id} end`;
}

/**
 * `_ref_ids (k, id)`: every current row of the target tables (for person tables, the release's
 * people only; periods aside, since a reference may point outside them), pseudonymized once.
 */
function referenceIdsSql(catalog: Catalog, targets: string[], asOf: Sql): Sql {
  const sources = targets.flatMap((name) => {
    const t = catalog.tables.find((x) => `${x.registry}.${x.table}` === name);
    if (!t) return [];
    const people = t.personColumn
      ? sql` join _release_people p on p.pseudo_id = e.pseudo_id`
      : EMPTY;
    return [
      sql`select e.record_key as k from ${Lake.qualified(t.registry, t.table)} e${people} where ${asOf}`,
    ];
  });
  const source = sources.length
    ? join(sources, sql` union all `)
    : sql`select null::varchar as k where false`;
  return sql`create or replace temp table _ref_ids as select k, rel_id('row|' || k) as id from (${source})`;
}
