import type { Command } from "commander";
import type { AuditEntry } from "../../audit/entry.js";
import { parseAnchor, tailAudit, verifyAudit } from "../../audit/log.js";
import { actorFor, printJson, READ_ONLY_HOME, withStore } from "../context.js";
import { EXIT } from "../exit-codes.js";

export function registerAudit(program: Command): void {
  const audit = program
    .command("audit")
    .description("read and verify the tamper-evident audit log");

  audit
    .command("tail")
    .description("show the newest audit entries")
    .option("-n <count>", "how many entries", "20")
    .option("--json", "print one JSON object per line")
    .action(async (options: { n: string; json?: boolean }, command: Command) => {
      await withStore(async ({ store }) => {
        const entries = await tailAudit(store, await actorFor(command, store), Number(options.n));
        for (const entry of entries) {
          process.stdout.write(
            options.json ? `${JSON.stringify(entry)}\n` : `${formatEntry(entry)}\n`,
          );
        }
      });
    });

  audit
    .command("verify")
    .description("check the hash chain; exits non-zero at the first broken entry")
    .option("--anchor <seq:hash>", "a head recorded earlier; also detects entries cut from the end")
    .option("--json", "print JSON")
    .action(async (options: { anchor?: string; json?: boolean }, command: Command) => {
      await withStore(async ({ store }) => {
        const anchor = options.anchor ? parseAnchor(options.anchor) : undefined;
        const result = await verifyAudit(store, await actorFor(command, store), anchor);
        if (options.json) printJson(result);
        else if (result.ok) {
          process.stdout.write(`Audit chain intact: ${result.entries} entries.\n`);
          if (result.head) {
            process.stdout.write(
              `Head ${result.head.seq}:${result.head.hash}\n(record it elsewhere and pass it as --anchor later)\n`,
            );
          }
        } else {
          process.stderr.write(
            `Audit chain BROKEN at entry ${result.seq} (${result.problem}): ${result.message}.\n` +
              `Entries 1-${result.entries} verify.\n`,
          );
        }
        if (store.readOnly)
          process.stderr.write(
            "The home is read-only: this verification is not recorded in the audit log.\n",
          );
        if (!result.ok) process.exitCode = EXIT.verifyFailed;
      }, READ_ONLY_HOME);
    });
}

function formatEntry(e: AuditEntry): string {
  const details = Object.keys(e.details).length > 0 ? ` ${JSON.stringify(e.details)}` : "";
  return `${String(e.seq).padStart(6)} ${e.time} ${e.actor} (${e.actorRole}) ${e.action}${e.target ? ` ${e.target}` : ""}${details}`;
}
