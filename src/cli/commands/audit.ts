import { resolve } from "node:path";
import type { Command } from "commander";
import type { AuditEntry } from "../../audit/entry.js";
import { checkpointAudit, parseAnchor, tailAudit, verifyAudit } from "../../audit/log.js";
import type { AuditOutcome, AuditVerdict } from "../../audit/verdict.js";
import { ValidationError } from "../../shared/errors.js";
import { actorFor, printJson, READ_ONLY_HOME, withStore } from "../context.js";
import { EXIT } from "../exit-codes.js";
import { currentMode, either, remoteApi } from "../mode.js";

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
      const n = Number(options.n);
      const entries = await either(command, {
        direct: ({ store, actor }) => tailAudit(store, actor, n),
        remote: async (api) =>
          (await api.get<{ entries: AuditEntry[] }>("/api/audit", { n })).entries,
      });
      for (const entry of entries) {
        process.stdout.write(
          options.json ? `${JSON.stringify(entry)}\n` : `${formatEntry(entry)}\n`,
        );
      }
    });

  audit
    .command("verify")
    .description(
      "check the hash chain and hold it against the signed checkpoints; exits 4 at a broken entry, 6-10 when the log was cut, wiped or rewritten or its checkpoints do not verify",
    )
    .option("--anchor <seq:hash>", "a head recorded earlier by hand")
    .option("--checkpoints <file>", "verify against this copy of the checkpoint file")
    .option("--json", "print JSON")
    .action(
      async (
        options: { anchor?: string; checkpoints?: string; json?: boolean },
        command: Command,
      ) => {
        const report = (verdict: AuditVerdict) => {
          if (options.json) printJson(verdict);
          else if (verdict.ok) process.stdout.write(intactText(verdict));
          else process.stderr.write(failureText(verdict));
          process.exitCode = VERIFY_EXIT[verdict.outcome];
        };
        const mode = currentMode();
        if (mode.kind === "remote") {
          // A copy of the checkpoint file is a file on this computer: the server cannot read it.
          if (options.checkpoints)
            throw new ValidationError(
              "--checkpoints is for direct mode: through the server the chain is held against the server's own checkpoint file.",
              "Verify against a copy on the host, in direct mode, or leave --checkpoints out.",
            );
          if (options.anchor) parseAnchor(options.anchor);
          report(
            await remoteApi(mode.credentials).get<AuditVerdict>("/api/audit/verify", {
              anchor: options.anchor,
            }),
          );
          return;
        }
        await withStore(async ({ store }) => {
          report(
            await verifyAudit(store, await actorFor(command, store), {
              ...(options.anchor ? { anchor: parseAnchor(options.anchor) } : {}),
              ...(options.checkpoints ? { checkpointFile: resolve(options.checkpoints) } : {}),
            }),
          );
          if (store.readOnly)
            process.stderr.write(
              "The home is read-only: this verification is not recorded in the audit log.\n",
            );
        }, READ_ONLY_HOME);
      },
    );

  audit
    .command("checkpoint")
    .description("sign a checkpoint of the audit chain now (auditor, admin)")
    .option("--json", "print JSON")
    .action(async (options: { json?: boolean }, command: Command) => {
      const c = await either(command, {
        direct: ({ store, actor }) => checkpointAudit(store, actor),
        remote: (api) =>
          api.post<Awaited<ReturnType<typeof checkpointAudit>>>("/api/audit/checkpoint"),
      });
      if (options.json) printJson(c);
      else process.stdout.write(`Signed checkpoint ${c.seq}:${c.hash} (key ${c.keyId}).\n`);
    });
}

const VERIFY_EXIT: Record<AuditOutcome, number> = {
  intact: EXIT.ok,
  broken: EXIT.verifyFailed,
  truncated: EXIT.auditTruncated,
  wiped: EXIT.auditWiped,
  rewritten: EXIT.auditRewritten,
  "checkpoint-invalid": EXIT.auditCheckpointInvalid,
  unwitnessed: EXIT.auditUnwitnessed,
};

function intactText(v: Extract<AuditVerdict, { ok: true }>): string {
  const lines = [`Audit chain intact: ${v.entries} entries.`];
  if (v.checkpoint) {
    lines.push(
      `Matches signed checkpoint ${v.checkpoint.seq} of ${v.checkpoint.time} (key ${v.checkpoint.keyId})${v.uncovered > 0 ? `; ${v.uncovered} newer entries are not checkpointed yet` : ""}.`,
    );
  } else if (v.entries === 0) {
    lines.push("No checkpoint yet.");
  }
  if (v.head) lines.push(`Head ${v.head.seq}:${v.head.hash}`);
  return `${lines.join("\n")}\n`;
}

function failureText(v: Extract<AuditVerdict, { ok: false }>): string {
  switch (v.outcome) {
    case "broken":
      return (
        `Audit chain BROKEN at entry ${v.seq} (${v.problem}): ${v.message}.\n` +
        `Entries 1-${v.entries} verify.\n`
      );
    case "truncated":
      return `Audit log TRUNCATED: ${v.message}.\n`;
    case "wiped":
      return `Audit log WIPED: ${v.message}.\n`;
    case "rewritten":
      return `Audit log REWRITTEN: ${v.message}.\n`;
    case "checkpoint-invalid":
      return `Audit checkpoints DO NOT VERIFY: ${v.message}.\n`;
    case "unwitnessed":
      return (
        `Audit log NOT CHECKPOINTED: ${v.message}.\n` +
        "  If this home predates checkpoints, run `kaivo audit checkpoint` once; otherwise treat the log as tampered with.\n"
      );
  }
}

function formatEntry(e: AuditEntry): string {
  const details = Object.keys(e.details).length > 0 ? ` ${JSON.stringify(e.details)}` : "";
  return `${String(e.seq).padStart(6)} ${e.time} ${e.actor} (${e.actorRole}) ${e.action}${e.target ? ` ${e.target}` : ""}${details}`;
}
