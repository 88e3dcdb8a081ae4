import { readFileSync } from "node:fs";
import { basename } from "node:path";
import type { Command } from "commander";
import {
  addWorkspaceFile,
  listWorkspaceOutputs,
  runAnalysis,
} from "../../workspace/workspace-outputs.js";
import { listWorkspaces, runWorkspaceSql } from "../../workspace/workspace-service.js";
import { printJson, printLine, withActor } from "../context.js";
import { readJsonFile } from "../json-file.js";
import { registerOutputRequests } from "./workspace-output-requests.js";

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

const text = (v: unknown) => (v === null ? "NULL" : typeof v === "string" ? v : JSON.stringify(v));

/** Columns padded to their widest value: the rows are the team member's to read. */
function printTable(columns: string[], rows: unknown[][]): void {
  const cells = rows.map((r) => r.map(text));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i]?.length ?? 0)));
  const line = (values: string[]) => values.map((v, i) => v.padEnd(widths[i] ?? 0)).join("  ");
  printLine(line(columns));
  printLine(line(widths.map((w) => "-".repeat(w))));
  for (const r of cells) printLine(line(r));
}

export function registerWorkspace(program: Command): void {
  const workspace = program
    .command("workspace")
    .description("a permit's analytical workspace: SQL over its release in a sandbox (the team)");
  workspace
    .command("sql <permit>")
    .description("run the SQL on standard input over the permit's release, in the sandbox")
    .option("--json", "print JSON")
    .action(async (permit: string, o: { json?: boolean }, command: Command) => {
      const sqlText = await readStdin();
      const r = await withActor(command, (ctx) => runWorkspaceSql(ctx, permit, sqlText));
      if (o.json) printJson(r);
      else {
        printTable(
          r.columns.map((c) => c.name),
          r.rows,
        );
        printLine(`${r.rowCount} row(s) from ${r.release} in ${r.milliseconds} ms`);
      }
    });
  workspace
    .command("list")
    .description("the workspaces you may use: active permits you are on, with their release")
    .option("--json", "print JSON")
    .action(async (o: { json?: boolean }, command: Command) => {
      const list = await withActor(command, (ctx) => listWorkspaces(ctx));
      if (o.json) printJson(list);
      else
        for (const w of list)
          printLine(
            `${w.permit}  ${w.release ?? "(no release yet)"}  ${w.tables.join(", ")}  ${w.title}`,
          );
    });
  workspace
    .command("analyse <permit> <request>")
    .description(
      "run an analysis (REQUEST.json: name, sql, analysis) over the release and keep its result as an output",
    )
    .option("--json", "print JSON")
    .action(async (permit: string, file: string, o: { json?: boolean }, command: Command) => {
      const request = readJsonFile(file, 256 * 1024, "Give a JSON file: {name, sql, analysis}.");
      const r = await withActor(command, (ctx) => runAnalysis(ctx, permit, request));
      if (o.json) printJson(r);
      else {
        printJson(r.result);
        printLine(
          `kept as output ${r.output.id} (${r.output.kind}, sha256 ${r.output.sha256.slice(0, 16)})`,
        );
      }
    });
  const output = workspace
    .command("output")
    .description("the workspace's outputs, and the requests that take checked ones out");
  output
    .command("add <permit> <file>")
    .description("keep a free file (csv, txt, md, svg, png) as an output; checkers judge it")
    .option("--json", "print JSON")
    .action(async (permit: string, file: string, o: { json?: boolean }, command: Command) => {
      const bytes = readFileSync(file);
      const r = await withActor(command, (ctx) =>
        addWorkspaceFile(ctx, permit, { name: basename(file), bytes }),
      );
      if (o.json) printJson(r);
      else printLine(`kept as output ${r.id} (${r.mediaType}, ${r.bytes} bytes)`);
    });
  output
    .command("list <permit>")
    .description("the outputs your workspace holds")
    .option("--json", "print JSON")
    .action(async (permit: string, o: { json?: boolean }, command: Command) => {
      const list = await withActor(command, (ctx) => listWorkspaceOutputs(ctx, permit));
      if (o.json) printJson(list);
      else
        for (const x of list)
          printLine(`${x.id}  ${x.kind}  ${x.name}  ${x.createdBy} ${x.createdAt}`);
    });
  registerOutputRequests(output);
}
