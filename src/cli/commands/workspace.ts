import type { Command } from "commander";
import { listWorkspaces, runWorkspaceSql } from "../../workspace/workspace-service.js";
import { printJson, printLine, withActor } from "../context.js";

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
}
