import type { Catalog } from "../catalog/catalog-store.js";
import { attritionSets } from "../cohort/cohort-service.js";
import type { CompiledCohort } from "../cohort/compile.js";
import { findTable, personsOf } from "../cohort/context.js";
import type { CellGroup, CellQuery } from "../disclosure/measure.js";
import { Lake } from "../lake/lake.js";
import { EMPTY, ident, int, join, sql } from "../lake/sql.js";
import { NotFoundError } from "../shared/errors.js";

/** FHIR's administrative genders: always listed, so an empty category says nothing. */
const SEXES = ["female", "male", "other", "unknown"] as const;

const AGE_BANDS = [
  [0, 17],
  [18, 39],
  [40, 59],
  [60, 79],
  [80, 200],
] as const;
const bandLabel = ([lo, hi]: readonly [number, number]) => (hi >= 200 ? `${lo}+` : `${lo}-${hi}`);
const BAND_LABELS = [...AGE_BANDS.map(bandLabel), "unknown"];

/** A requested table or variable with its catalog entry. */
export interface DataRequest {
  name: string;
  registry: string;
  table: string;
  variable: string | undefined;
  eventColumn: boolean;
}

/** The layout of an assessment: every label it will have, fixed before anyone is counted. */
export interface AssessmentLayout {
  steps: string[];
  sexes: readonly string[];
  bands: string[];
  indexYears: readonly number[];
  data: Array<DataRequest & { years: readonly number[] }>;
}

/** Checks every requested table and variable against the catalog before anything runs. */
export function dataRequests(catalog: Catalog, names: string[]): DataRequest[] {
  return names.map((name) => {
    const [registry, table, variable] = name.split(".");
    const t = findTable(catalog, `${registry}.${table}`);
    if (!t?.personColumn)
      throw new NotFoundError(
        `No table ${registry}.${table} with persons in the catalog.`,
        `Tables: ${catalog.tables
          .filter((x) => x.personColumn)
          .map((x) => `${x.registry}.${x.table}`)
          .join(", ")}.`,
      );
    if (
      variable &&
      !catalog.variables.some(
        (v) => v.registry === t.registry && v.table === t.table && v.variable === variable,
      )
    )
      throw new NotFoundError(
        `No variable ${variable} in ${registry}.${table}.`,
        `See \`kaivo catalog show ${registry}.${table}\`.`,
      );
    return {
      name,
      registry: t.registry,
      table: t.table,
      variable,
      eventColumn: Boolean(t.eventColumn),
    };
  });
}

/**
 * Every year a table has events in as of the snapshot: the years listed for it, whoever asks.
 * Read once per write of the lake: a scan of the table per answer cost as much as a cohort step.
 */
function tableYears(lake: Lake, registry: string, table: string, snapshot: number) {
  return lake.remember(`table-years:${registry}.${table}@${snapshot}`, () =>
    scanTableYears(lake, registry, table, snapshot),
  );
}

async function scanTableYears(lake: Lake, registry: string, table: string, snapshot: number) {
  const [span] = await lake.query(
    sql`select min(year(e.event_date)) lo, max(year(e.event_date)) hi from ${Lake.qualified(registry, table)} e where ${Lake.asOf(snapshot, "e")}`,
  );
  const lo = Number(span?.lo ?? Number.NaN);
  const hi = Number(span?.hi ?? Number.NaN);
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  // Shared by every answer of this write generation: frozen, so that none changes another's.
  return Object.freeze(Array.from({ length: hi - lo + 1 }, (_, i) => lo + i));
}

export async function assessmentLayout(
  lake: Lake,
  catalog: Catalog,
  compiled: CompiledCohort,
  entryTable: string,
  data: DataRequest[],
): Promise<AssessmentLayout> {
  const entry = findTable(catalog, entryTable);
  return {
    steps: compiled.steps.map((s) => s.name),
    sexes: SEXES,
    bands: BAND_LABELS,
    indexYears: entry ? await tableYears(lake, entry.registry, entry.table, compiled.snapshot) : [],
    data: await Promise.all(
      data.map(async (d) => ({
        ...d,
        years: d.eventColumn ? await tableYears(lake, d.registry, d.table, compiled.snapshot) : [],
      })),
    ),
  };
}

/**
 * `cohort_attrs`: one row per cohort member with the first episode's index year, sex (anything
 * but FHIR's four codes reads "unknown") and age band at index.
 */
export async function materialiseAttributes(
  lake: Lake,
  catalog: Catalog,
  snapshot: number,
): Promise<void> {
  const persons = personsOf(catalog);
  const people = sql`select pseudo_id, min(index_date) as index_date from cohort_members group by 1`;
  if (!persons) {
    await lake.query(
      sql`create or replace temp table cohort_attrs as select pseudo_id, year(index_date) as y, 'unknown' as sex, 'unknown' as band from (${people})`,
    );
    return;
  }
  const band = sql`case ${join(
    AGE_BANDS.map(
      ([lo, hi]) => sql`when a between ${int(lo)} and ${int(hi)} then ${bandLabel([lo, hi])}`,
    ),
    sql` `,
  )} else 'unknown' end`;
  const age = sql`date_part('year', age(c.index_date, try_cast(substr(${ident("p", persons.birth)}, 1, 10) as date)))`;
  await lake.query(
    sql`create or replace temp table cohort_attrs as
      select pseudo_id, y, case when list_contains(${[...SEXES]}::varchar[], sex) then sex else 'unknown' end as sex, ${band} as band
      from (select c.pseudo_id, year(c.index_date) as y, any_value(${ident("p", persons.sex)}) as sex, any_value(${age}) as a
            from (${people}) c
            left join ${Lake.qualified(persons.table.registry, persons.table.table)} p
              on p.pseudo_id = c.pseudo_id and ${Lake.asOf(snapshot, "p")}
            group by 1, 2)`,
  );
}

/** Cell IDs of an assessment, shared by the measuring and the presenting. */
export const CELL = {
  persons: "persons",
  entered: "attrition.entered",
  remaining: (k: number) => `attrition.${k}.remaining`,
  excluded: (k: number) => `attrition.${k}.excluded`,
  sex: (s: string) => `sex.${s}`,
  band: (b: string) => `age.${b}`,
  sexBand: (s: string, b: string) => `sexage.${s}.${b}`,
  year: (y: number) => `year.${y}`,
  data: (i: number) => `data.${i}`,
  dataYear: (i: number, y: number) => `data.${i}.${y}`,
};

/** Every cell of an assessment as person sets, over cohort_attrs and the requested tables. */
export function assessmentCells(
  compiled: CompiledCohort,
  layout: AssessmentLayout,
): Array<CellQuery | CellGroup> {
  const attrition = attritionSets(compiled);
  const attrs = sql`cohort_attrs`;
  const cells: Array<CellQuery | CellGroup> = [
    { id: CELL.persons, persons: sql`select pseudo_id from ${attrs}` },
    { id: CELL.entered, persons: attrition.entered },
    ...attrition.steps.flatMap((s, k) => [
      { id: CELL.remaining(k), persons: s.remaining },
      { id: CELL.excluded(k), persons: s.excludedByItAlone },
    ]),
    {
      ids: layout.sexes.map(CELL.sex),
      members: sql`select 'sex.' || sex as cell, pseudo_id from ${attrs}`,
    },
    {
      ids: layout.bands.map(CELL.band),
      members: sql`select 'age.' || band as cell, pseudo_id from ${attrs}`,
    },
    {
      ids: layout.sexes.flatMap((s) => layout.bands.map((b) => CELL.sexBand(s, b))),
      members: sql`select 'sexage.' || sex || '.' || band as cell, pseudo_id from ${attrs}`,
    },
    {
      ids: layout.indexYears.map(CELL.year),
      members: sql`select 'year.' || y as cell, pseudo_id from ${attrs}`,
    },
  ];
  for (const [i, d] of layout.data.entries()) {
    const where = sql`where ${Lake.asOf(compiled.snapshot, "e")}${d.variable ? sql` and ${ident("e", d.variable)} is not null` : EMPTY}`;
    const from = sql`from ${Lake.qualified(d.registry, d.table)} e semi join ${attrs} c on c.pseudo_id = e.pseudo_id ${where}`;
    cells.push({ id: CELL.data(i), persons: sql`select e.pseudo_id ${from}` });
    if (d.eventColumn)
      cells.push({
        ids: d.years.map((y) => CELL.dataYear(i, y)),
        members: sql`select ${`data.${i}.`} || year(e.event_date) as cell, e.pseudo_id ${from} and e.event_date is not null`,
      });
  }
  return cells;
}
