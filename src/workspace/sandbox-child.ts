/**
 * The query process inside the sandbox (started by sandbox.ts under bubblewrap, never directly):
 * an in-memory DuckDB with a view per release table, then file access, extensions and the
 * configuration locked, then the researcher's SQL from standard input. It writes one JSON object
 * a line on standard output: `{columns}`, then `{rows}` per chunk, then `{end}` or `{error}`.
 */
import { DuckDBInstance } from "@duckdb/node-api";
import { quoteIdent } from "../lake/sql.js";
import type { ChildRequest } from "./protocol.js";

const request = JSON.parse(process.argv[2] ?? "") as ChildRequest;

const write = (line: object) =>
  new Promise<void>((resolve) => {
    if (process.stdout.write(`${JSON.stringify(line)}\n`)) resolve();
    else process.stdout.once("drain", resolve);
  });

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * A view's file as a string literal. The name has passed quoteIdent (letters, digits and `_`
 * only), so it holds no quote and the literal cannot be broken out of; DuckDB takes no
 * parameters in CREATE VIEW.
 */
function fileLiteral(dir: string, t: ChildRequest["tables"][number]): string {
  quoteIdent(t.schema);
  quoteIdent(t.name);
  return `'${dir}/${t.schema}.${t.name}.${t.format}'`;
}

async function main(): Promise<void> {
  const sqlText = await readStdin();
  const db = await DuckDBInstance.create(":memory:", {
    memory_limit: request.memoryLimit,
    threads: String(request.threads),
    temp_directory: `${request.scratch}/duckdb`,
    max_temp_directory_size: request.memoryLimit,
    autoinstall_known_extensions: "false",
    autoload_known_extensions: "false",
    allow_community_extensions: "false",
  });
  const c = await db.connect();
  const files: string[] = [];
  for (const t of request.tables) {
    const file = fileLiteral(request.data, t);
    const reader = t.format === "parquet" ? "read_parquet" : "read_csv";
    await c.run(`create schema if not exists ${quoteIdent(t.schema)}`);
    await c.run(
      `create view ${quoteIdent(t.schema)}.${quoteIdent(t.name)} as select * from ${reader}(${file})`,
    );
    files.push(file);
  }
  // Only the release's own files, by name: no folder (DuckDB does not resolve `..` in one), so
  // ATTACH, COPY and every reader reach nothing else even inside the sandbox.
  if (files.length > 0) await c.run(`set allowed_paths = [${files.join(", ")}]`);
  await c.run("set enable_external_access = false");
  await c.run("set TimeZone = 'UTC'");
  await c.run("set lock_configuration = true");

  let result: Awaited<ReturnType<typeof c.stream>>;
  try {
    result = await c.stream(sqlText);
  } catch (error) {
    await write({ error: (error as Error).message });
    return;
  }
  await write({
    columns: result.columnNames().map((name, i) => ({
      name,
      type: result.columnTypes()[i]?.toString() ?? "",
    })),
  });
  let rows = 0;
  try {
    for await (const chunk of result.yieldRowsJson()) {
      rows += chunk.length;
      await write({ rows: chunk });
    }
  } catch (error) {
    await write({ error: (error as Error).message });
    return;
  }
  await write({ end: { rows } });
}

main().catch(async (error: unknown) => {
  await write({ error: error instanceof Error ? error.message : String(error) });
  process.exitCode = 1;
});
