import {
  DATE,
  type DuckDBConnection,
  type DuckDBDataChunk,
  DuckDBScalarFunction,
  type DuckDBScalarFunctionInfo,
  type DuckDBVector,
  INTEGER,
  VARCHAR,
} from "@duckdb/node-api";
import { shiftDatesInText } from "./note-dates.js";

/**
 * Registers `shift_note_dates(text, shift, note_date)`, the note with its dates moved by `shift`
 * days, and `note_dates_unshiftable(text, note_date)`, how many of its dates cannot be shifted,
 * on a connection, so the release's own statements (the Parquet COPY)
 * shift note text row by row in the one pass over the lake, with `note-dates.ts` doing the work:
 * no text leaves DuckDB for a second table, and nothing needs an appender, which a read-only
 * lake refuses. NULL in gives NULL out (DuckDB's default for scalar functions).
 */
export function installNoteDateFunctions(connection: DuckDBConnection): void {
  connection.registerScalarFunction(
    DuckDBScalarFunction.create({
      name: "shift_note_dates",
      returnType: VARCHAR,
      parameterTypes: [VARCHAR, INTEGER, DATE],
      mainFunction: rowByRow(
        (text, args) => shiftDatesInText(text, Number(args[0]), { noteDate: dayOf(args[1]) }).text,
      ),
    }),
  );
  connection.registerScalarFunction(
    DuckDBScalarFunction.create({
      name: "note_dates_unshiftable",
      returnType: INTEGER,
      parameterTypes: [VARCHAR, DATE],
      mainFunction: rowByRow(
        (text, args) => shiftDatesInText(text, 0, { noteDate: dayOf(args[0]) }).unshiftable,
      ),
    }),
  );
}

function dayOf(value: unknown): string | undefined {
  return value === null || value === undefined ? undefined : String(value);
}

/** A scalar function body: `each(text, other arguments)` per row; an error fails the statement. */
function rowByRow(each: (text: string, args: unknown[]) => string | number) {
  return (info: DuckDBScalarFunctionInfo, input: DuckDBDataChunk, output: DuckDBVector) => {
    try {
      const columns = Array.from({ length: input.columnCount }, (_, i) => input.getColumnVector(i));
      for (let row = 0; row < input.rowCount; row++) {
        const [text, ...args] = columns.map((c) => c.getItem(row));
        output.setItem(row, text === null ? null : each(String(text), args));
      }
      output.flush();
    } catch (error) {
      info.setError(error instanceof Error ? error.message : String(error));
    }
  };
}
