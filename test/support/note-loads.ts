import { lakeColumns } from "../../src/ingest/record-mapping.js";
import { emptyTableReport } from "../../src/ingest/report.js";
import { loadLakeRegistry } from "../../src/ingest/table-config.js";
import type { Lake } from "../../src/lake/lake.js";
import { contentHash, mergeLoad } from "../../src/lake/merge.js";
import { sql } from "../../src/lake/sql.js";

export interface Note {
  key: string;
  pseudoId: string;
  day: string;
  text: string | null;
}

/**
 * One load of clinical.note through the real merge (and so the word index), staged from rows
 * written by hand: new and changed notes, and the keys of notes the source deleted.
 */
export async function loadNotes(
  lake: Lake,
  loadId: number,
  notes: Note[],
  deleted: string[] = [],
): Promise<void> {
  const table = loadLakeRegistry().tables.find((t) => t.name === "note");
  if (!table) throw new Error("no note table");
  const report = emptyTableReport();
  await lake.query(sql`create or replace temp table stg_notes as
    select unnest(${notes.map((n) => n.key)}::varchar[]) as record_key,
      unnest(${notes.map((n) => n.pseudoId)}::varchar[]) as pseudo_id,
      unnest(${notes.map((n) => n.day)}::varchar[])::date as event_date,
      'fixture' as source,
      unnest(${notes.map((n) => contentHash(`${n.day}\n${n.text}`))}::varchar[]) as record_hash,
      null::varchar as encounter_id, 'note' as type, null::varchar as view,
      unnest(${notes.map((n) => n.day)}::varchar[]) as date, 'fi' as language,
      unnest(${notes.map((n) => n.text ?? "\u0000null")}::varchar[]) as text, '{}'::json as redactions`);
  await lake.query(sql`update stg_notes set text = null where text = ${"\u0000null"}`);
  await mergeLoad(
    lake,
    [
      {
        registry: "clinical",
        name: "note",
        columns: lakeColumns(table),
        staging: { table: "stg_notes" },
        deletedKeys: new Set(deleted),
        textColumn: "text",
        report,
      },
    ],
    {
      loadId,
      fingerprint: `notes-${loadId}`,
      report: {
        loadId,
        source: "fixture",
        export: "",
        alreadyLoaded: false,
        transactionTime: "2025-12-31T23:59:00+02:00",
        tables: { note: report },
        notLoaded: {},
        unreadable: {},
        seconds: {},
      },
    },
  );
}
