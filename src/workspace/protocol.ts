/** What sandbox.ts tells the query process (sandbox-child.ts) on its command line: no secrets. */
export interface ChildRequest {
  /** DuckDB's memory limit, e.g. "1GB". */
  memoryLimit: string;
  threads: number;
  /** The release's data folder and the scratch folder, as the sandbox sees them. */
  data: string;
  scratch: string;
  /** One view each, `schema.name` as the release's file names it (Kaivo identifiers). */
  tables: Array<{ schema: string; name: string; format: "parquet" | "csv" }>;
}

/** One line of the query process's standard output. */
export type ChildLine =
  | { columns: Array<{ name: string; type: string }> }
  | { rows: unknown[][] }
  | { end: { rows: number } }
  | { error: string };
