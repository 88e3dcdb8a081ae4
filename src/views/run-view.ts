import {
  createReadStream,
  createWriteStream,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  type WriteStream,
} from "node:fs";
import { basename, join } from "node:path";
import { createInterface } from "node:readline";
import { ValidationError } from "../shared/errors.js";
import { compileToDuckdb } from "./duckdb/compile.js";
import { openDuckdb, runCompiled } from "./duckdb/run.js";
import { ViewRuntimeError } from "./errors.js";
import { type OutputColumn, planView, type ViewPlan } from "./plan.js";
import { evaluateResource, type Row } from "./reference.js";

export type Engine = "auto" | "reference" | "duckdb";
export type Format = "ndjson" | "csv" | "parquet";

export interface RunViewRequest {
  view: unknown;
  inputs: string[];
  format: Format;
  /** A file to write; standard output when absent (not for parquet). */
  out?: string;
  engine: Engine;
  /** Warnings and notices, one line each (bad input lines, fallbacks). */
  notice: (line: string) => void;
  stdout?: NodeJS.WritableStream;
}

export interface RunViewResult {
  rows: number;
  engine: "reference" | "duckdb";
  badLines: number;
}

export interface InputFiles {
  files: string[];
  /** Every file came from a bulk export manifest entry of the view's type: one type per file. */
  typed: boolean;
}

/**
 * NDJSON files named by the inputs: files as given, directories searched recursively. A folder
 * with a bulk export manifest.json contributes only the files its manifest lists for `resource`.
 */
export function ndjsonFiles(inputs: string[], resource: string): InputFiles {
  const files: string[] = [];
  let typed = true;
  const visit = (path: string, explicit: boolean) => {
    let stat: ReturnType<typeof statSync>;
    try {
      stat = statSync(path);
    } catch {
      throw new ValidationError(`Input ${path} does not exist.`);
    }
    if (!stat.isDirectory()) {
      if (explicit || /\.(ndjson|jsonl)$/.test(path)) {
        files.push(path);
        typed = false;
      }
      return;
    }
    const manifest = readManifest(join(path, "manifest.json"));
    if (manifest) {
      for (const entry of manifest.output ?? []) {
        if (entry.type === resource) files.push(join(path, basename(entry.url)));
      }
      return;
    }
    for (const name of readdirSync(path).sort()) visit(join(path, name), false);
  };
  for (const input of inputs) visit(input, true);
  if (files.length === 0)
    throw new ValidationError(`No NDJSON files with ${resource} resources in the inputs.`);
  return { files, typed };
}

function readManifest(file: string): { output?: Array<{ type: string; url: string }> } | undefined {
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch {
    return undefined;
  }
}

export function readView(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new ValidationError(`${file} is not a readable JSON file: ${(error as Error).message}`);
  }
}

/** Runs a view over NDJSON inputs and writes its rows; the DuckDB path when it can, reported when not. */
export async function runView(request: RunViewRequest): Promise<RunViewResult> {
  const plan = planView(request.view);
  const { files, typed } = ndjsonFiles(request.inputs, plan.resource);
  const mode = typed ? "typed" : "mixed";
  if (request.format === "parquet" && !request.out)
    throw new ValidationError("--format parquet needs --out FILE.");
  let useDuckdb = request.engine !== "reference";
  if (useDuckdb) {
    const compiled = compileToDuckdb(plan);
    if (!compiled.ok) {
      request.notice(
        `view uses ${compiled.reason}, which the DuckDB compiler does not translate: using the reference evaluator`,
      );
      useDuckdb = false;
    } else if (request.format === "parquet" && request.out) {
      return copyToParquet(
        compiled.sql.sql(files, mode),
        request.out,
        plan.columns,
        request.notice,
      );
    } else {
      const sink = openSink(request, plan.columns);
      const db = await openDuckdb();
      let rows = 0;
      try {
        for await (const chunk of runCompiled(db.connection, compiled.sql, files, mode)) {
          for (const row of chunk) sink.write(row);
          rows += chunk.length;
        }
        await sink.close();
        return { rows, engine: "duckdb", badLines: 0 };
      } catch (error) {
        if (rows > 0) {
          sink.abort();
          throw new ValidationError(
            `DuckDB could not read the input after ${rows} rows: ${firstLine(error)}`,
            "Run again with --engine reference: it reports bad lines with file and line number and skips them.",
          );
        }
        sink.abort();
        request.notice(
          `DuckDB could not read the input (${firstLine(error)}): using the reference evaluator`,
        );
        useDuckdb = false;
      } finally {
        db.close();
      }
    }
  }
  return runReference(plan, files, request);
}

function firstLine(error: unknown): string {
  return String((error as Error)?.message ?? error).split("\n")[0] ?? "";
}

async function runReference(
  plan: ViewPlan,
  files: string[],
  request: RunViewRequest,
): Promise<RunViewResult> {
  const parquetTemp =
    request.format === "parquet" && request.out ? `${request.out}.rows.ndjson` : undefined;
  const sink = openSink(
    parquetTemp ? { ...request, format: "ndjson", out: parquetTemp } : request,
    plan.columns,
  );
  let rows = 0;
  let badLines = 0;
  try {
    for (const file of files) {
      let line = 0;
      const lines = createInterface({
        input: createReadStream(file, "utf8"),
        crlfDelay: Number.POSITIVE_INFINITY,
      });
      for await (const text of lines) {
        line++;
        if (text.trim() === "") continue;
        let resource: Record<string, unknown>;
        try {
          resource = JSON.parse(text);
        } catch (error) {
          badLines++;
          request.notice(`${file}:${line}: not valid JSON (${(error as Error).message}); skipped`);
          continue;
        }
        try {
          for (const row of evaluateResource(plan, resource)) {
            sink.write(row);
            rows++;
          }
        } catch (error) {
          if (!(error instanceof ViewRuntimeError)) throw error;
          badLines++;
          request.notice(`${file}:${line}: ${error.message}; skipped`);
        }
      }
    }
    await sink.close();
  } catch (error) {
    sink.abort();
    throw error;
  }
  if (parquetTemp && request.out) {
    await copyToParquet(
      `SELECT * FROM read_ndjson('${parquetTemp.replace(/'/g, "''")}', columns = ${duckdbColumns(plan.columns)})`,
      request.out,
      plan.columns,
      request.notice,
    );
    rmSync(parquetTemp, { force: true });
  }
  return { rows, engine: "reference", badLines };
}

const DUCK_TYPES: Record<string, string> = {
  boolean: "BOOLEAN",
  integer: "BIGINT",
  positiveInt: "BIGINT",
  unsignedInt: "BIGINT",
  integer64: "BIGINT",
  decimal: "DOUBLE",
};

function duckdbColumns(columns: OutputColumn[]): string {
  const entries = columns.map(
    (c) => `'${c.name}': '${c.collection ? "JSON" : (DUCK_TYPES[c.type ?? ""] ?? "VARCHAR")}'`,
  );
  return `{${entries.join(", ")}}`;
}

async function copyToParquet(
  select: string,
  out: string,
  columns: OutputColumn[],
  notice: (line: string) => void,
): Promise<RunViewResult> {
  const db = await openDuckdb();
  try {
    const temp = `${out}.partial`;
    const result = await db.connection.runAndReadAll(
      `COPY (${select}) TO '${temp.replace(/'/g, "''")}' (FORMAT parquet)`,
    );
    renameSync(temp, out);
    const rows = Number(result.rowsChanged ?? 0);
    notice(`wrote ${rows} rows, ${columns.length} columns, to ${out}`);
    return { rows, engine: "duckdb", badLines: 0 };
  } finally {
    db.close();
  }
}

interface Sink {
  write(row: Row): void;
  close(): Promise<void>;
  abort(): void;
}

function csvCell(value: unknown): string {
  if (value === null || value === undefined) return "";
  const text = typeof value === "object" ? JSON.stringify(value) : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Rows to a file (written to FILE.partial and renamed when complete) or to standard output. */
function openSink(
  request: Pick<RunViewRequest, "format" | "out" | "stdout">,
  columns: OutputColumn[],
): Sink {
  const temp = request.out ? `${request.out}.partial` : undefined;
  const stream: NodeJS.WritableStream | WriteStream = temp
    ? createWriteStream(temp)
    : (request.stdout ?? process.stdout);
  let buffer: string[] = [];
  const flush = () => {
    if (buffer.length > 0) stream.write(buffer.join(""));
    buffer = [];
  };
  if (request.format === "csv") buffer.push(`${columns.map((c) => csvCell(c.name)).join(",")}\n`);
  return {
    write(row) {
      buffer.push(
        request.format === "csv"
          ? `${columns.map((c) => csvCell(row[c.name])).join(",")}\n`
          : `${JSON.stringify(row)}\n`,
      );
      if (buffer.length >= 1000) flush();
    },
    async close() {
      flush();
      if (temp && request.out) {
        const file = stream as WriteStream;
        await new Promise<void>((resolve, reject) =>
          file.end((error?: Error | null) => (error ? reject(error) : resolve())),
        );
        renameSync(temp, request.out);
      }
    },
    abort() {
      buffer = [];
      if (temp) {
        (stream as WriteStream).destroy();
        rmSync(temp, { force: true });
      }
    },
  };
}
