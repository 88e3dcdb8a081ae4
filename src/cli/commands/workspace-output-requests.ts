import type { Command } from "commander";
import { auditSigningKey } from "../../audit/signing-key.js";
import { homeKey, openHome, resolveHomeDir } from "../../home/home.js";
import {
  type Decision,
  listOutputRequests,
  type OutputRequest,
  releaseOutputRequest,
  requestOutputs,
  reviewOutputRequest,
  showOutputRequest,
  verifyOutputBundle,
} from "../../outputs/output-requests.js";
import { ValidationError } from "../../shared/errors.js";
import { printJson, printLine, withActor } from "../context.js";
import { readJsonFile } from "../json-file.js";

function printRequest(r: OutputRequest): void {
  printLine(`${r.id}  ${r.status}  checks: ${r.outcome}  (${r.policy})`);
  printLine(`  permit ${r.permit}, requested by ${r.requester} at ${r.createdAt}: ${r.context}`);
  for (const i of r.items) {
    printLine(
      `  ${i.output.id}  ${i.output.kind}  ${i.check.outcome}  ${i.output.name}: ${i.context}`,
    );
    if (i.exception) printLine(`    exception asked: ${i.exception}`);
    for (const f of i.check.findings)
      printLine(
        `    ${f.outcome} ${f.rule} at ${f.where}: ${f.reason} Mitigation: ${f.mitigation}`,
      );
  }
  printLine(`  reviews: ${r.reviewsDone} of 2`);
  for (const v of r.reviews)
    printLine(`    ${v.reviewer}: ${v.decision}${v.comment ? ` (${v.comment})` : ""}`);
  if (r.bundle) printLine(`  released to ${r.bundle}`);
}

/** `kaivo workspace output request|requests|show|review|verify`: thin over src/outputs/. */
export function registerOutputRequests(output: Command): void {
  output
    .command("request <permit> <request>")
    .description(
      "ask for outputs to leave (REQUEST.json: context, items [{output, context, exception?}]); checked at once",
    )
    .option("--json", "print JSON")
    .action(async (permit: string, file: string, o: { json?: boolean }, command: Command) => {
      const input = readJsonFile(file, 1024 * 1024, "Give a JSON file: {context, items}.");
      const r = await withActor(command, (ctx) => requestOutputs(ctx, permit, input));
      if (o.json) printJson(r);
      else printRequest(r);
    });
  output
    .command("requests")
    .description("output requests: your permits' (team), or those you may check (output checker)")
    .option("--json", "print JSON")
    .action(async (o: { json?: boolean }, command: Command) => {
      const list = await withActor(command, (ctx) => listOutputRequests(ctx));
      if (o.json) printJson(list);
      else
        for (const r of list)
          printLine(
            `${r.id}  ${r.status}  checks: ${r.outcome}  reviews ${r.reviewsDone}/2  ${r.requester}`,
          );
    });
  output
    .command("show <request>")
    .description("a request, each output's checks, and the reviews you may see")
    .option("--json", "print JSON")
    .action(async (id: string, o: { json?: boolean }, command: Command) => {
      const r = await withActor(command, (ctx) => showOutputRequest(ctx, id));
      if (o.json) printJson(r);
      else printRequest(r);
    });
  output
    .command("review <request>")
    .description(
      "an output checker's decision; the second decides the request, approval releases it",
    )
    .requiredOption("--decision <d>", "approve, request-changes or reject")
    .requiredOption("--comment <text>", "why")
    .option("--private", "keep the comment from the researcher")
    .option("--json", "print JSON")
    .action(
      async (
        id: string,
        o: { decision: string; comment: string; private?: boolean; json?: boolean },
        command: Command,
      ) => {
        if (!["approve", "request-changes", "reject"].includes(o.decision))
          throw new ValidationError("--decision is approve, request-changes or reject.");
        const r = await withActor(command, (ctx) =>
          reviewOutputRequest(ctx, id, {
            decision: o.decision as Decision,
            comment: o.comment,
            visibleToResearcher: !o.private,
          }),
        );
        if (o.json) printJson(r);
        else printRequest(r);
      },
    );
  output
    .command("release <request>")
    .description("write the bundle of an approved request whose release failed (output checker)")
    .option("--json", "print JSON")
    .action(async (id: string, o: { json?: boolean }, command: Command) => {
      const r = await withActor(command, (ctx) => releaseOutputRequest(ctx, id));
      if (o.json) printJson(r);
      else printRequest(r);
    });
  output
    .command("verify <bundle>")
    .description("check a released bundle: the record's signature and every file's SHA-256")
    .action((dir: string) => {
      const home = openHome(resolveHomeDir());
      const v = verifyOutputBundle(dir, auditSigningKey(homeKey(home, "audit-signing")));
      if (v.ok) printLine(`${dir}: the disclosure record's signature and every file verify`);
      else {
        for (const p of v.problems) printLine(p);
        process.exitCode = 1;
      }
    });
}
