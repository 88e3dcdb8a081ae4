import type { Command } from "commander";
import type { LoadProgress } from "../../ingest/fhir-ingest.js";
import {
  ingest,
  lakeSnapshots,
  lakeTables,
  listQuarantine,
  retryQuarantined,
  showQuarantined,
} from "../../ingest/ingest-service.js";
import { type LoadReport, quarantinedTotal } from "../../ingest/report.js";
import { actorFor, loadNumber, printJson, withStore } from "../context.js";
import { LoadBars } from "../load-bars.js";
import { currentMode, either, remoteApi } from "../mode.js";
import { type JobOptions, jobOptions, submitJob } from "./job.js";

interface IngestOptions extends JobOptions {
  source: string;
}

export function printReport(r: LoadReport): void {
  const out = process.stdout;
  if (r.alreadyLoaded) {
    out.write(`${r.export}: already loaded as load ${r.loadId}; nothing changed.\n`);
    return;
  }
  out.write(`Load ${r.loadId} (${r.source}, export of ${r.transactionTime}) from ${r.export}\n`);
  out.write(
    "table                      read  inserted  updated  unchanged  deleted  quarantined  redactions\n",
  );
  for (const [name, t] of Object.entries(r.tables)) {
    if (t.read === 0 && t.deleted === 0) continue;
    const redactions = Object.entries(t.redactions)
      .map(([k, n]) => `${k} ${n}`)
      .join(", ");
    out.write(
      `${name.padEnd(24)}${String(t.read).padStart(7)}${String(t.inserted).padStart(10)}${String(t.updated).padStart(9)}${String(t.unchanged).padStart(11)}${String(t.deleted).padStart(9)}${String(quarantinedTotal(t)).padStart(13)}  ${redactions}\n`,
    );
    for (const [reason, n] of Object.entries(t.quarantined))
      out.write(`${"".padEnd(24)}  quarantined ${n}: ${reason}\n`);
    for (const [uri, n] of Object.entries(t.unregisteredCodeSystems ?? {}))
      out.write(
        `${"".padEnd(24)}  ${n} rows coded in ${uri}, not in the code-system registry: loaded unchecked (codeSystems in kaivo.json)\n`,
      );
  }
  for (const [type, n] of Object.entries(r.notLoaded))
    out.write(`(${type}: ${n} records, no lake table takes them)\n`);
  for (const [file, n] of Object.entries(r.unreadable ?? {}))
    out.write(`(${file}: ${n} lines, none with a readable resourceType; not loaded)\n`);
}

export function registerIngest(program: Command): void {
  const ingestCommand = program
    .command("ingest <path>")
    .description(
      "load FHIR bulk exports into the pseudonymized lake (stewards); logged in: a job on the server, PATH in its inbox",
    )
    .option("--source <name>", "the source system", "ehr")
    .option("--json", "print the load reports as JSON");
  jobOptions(ingestCommand, "the load").action(
    async (path: string, o: IngestOptions, command: Command) => {
      const mode = currentMode();
      // Through the server PATH is the export's folder in its inbox: the server reads only there.
      if (mode.kind === "remote")
        return submitJob(
          command,
          remoteApi(mode.credentials),
          {
            path: "/api/jobs",
            body: { kind: "ingest", params: { path, source: o.source } },
            kind: "ingest",
            what: `ingest of ${path} from the server's inbox`,
          },
          o,
        );
      await withStore(async ({ home, store }) => {
        const actor = await actorFor(command, store);
        const bars = process.stderr.isTTY && !o.json ? new LoadBars() : null;
        const reports = await ingest({ home, store, actor }, path, {
          source: o.source,
          ...(bars ? { onProgress: (p: LoadProgress) => bars.update(p) } : {}),
        });
        bars?.stop();
        if (o.json) printJson(reports);
        else for (const r of reports) printReport(r);
      });
    },
  );

  const lake = program.command("lake").description("look at the data lake (stewards, auditors)");
  lake
    .command("snapshots")
    .description("every load, numbered: the snapshots a query or release can be pinned to")
    .option("--json", "print JSON")
    .action(async (o: { json?: boolean }, command: Command) => {
      const loads = await either(command, {
        direct: (ctx) => lakeSnapshots(ctx),
        remote: async (api) =>
          (
            await api.get<{ snapshots: Awaited<ReturnType<typeof lakeSnapshots>> }>(
              "/api/lake/snapshots",
            )
          ).snapshots,
      });
      if (o.json) return printJson(loads);
      for (const l of loads)
        process.stdout.write(`${String(l.loadId).padStart(4)}  ${l.finishedAt}  ${l.source}\n`);
    });
  lake
    .command("tables")
    .description("lake tables with rows and people, latest or as of a load")
    .option("--as-of <load>", "the snapshot to count", loadNumber)
    .option("--json", "print JSON")
    .action(async (o: { asOf?: number; json?: boolean }, command: Command) => {
      const tables = await either(command, {
        direct: (ctx) => lakeTables(ctx, o.asOf),
        remote: async (api) =>
          (
            await api.get<{ tables: Awaited<ReturnType<typeof lakeTables>> }>("/api/lake/tables", {
              snapshot: o.asOf,
            })
          ).tables,
      });
      if (o.json) return printJson(tables);
      for (const t of tables)
        process.stdout.write(
          `${`${t.registry}.${t.table}`.padEnd(36)}${String(t.rows).padStart(10)} rows ${String(t.people).padStart(8)} people\n`,
        );
    });

  const quarantine = program
    .command("quarantine")
    .description("records ingest could not load, and why (stewards)");
  quarantine
    .command("list")
    .description("quarantined records: file, line, reason")
    .option("--load <n>", "only this load", loadNumber)
    .option("--status <status>", "open or retried")
    .option("--json", "print JSON")
    .action(async (o: { load?: number; status?: string; json?: boolean }, command: Command) => {
      const filter = {
        ...(o.load ? { loadId: o.load } : {}),
        ...(o.status ? { status: o.status } : {}),
      };
      const entries = await either(command, {
        direct: (ctx) => listQuarantine(ctx, filter),
        remote: async (api) =>
          (
            await api.get<{ entries: Awaited<ReturnType<typeof listQuarantine>> }>(
              "/api/quarantine",
              { load: o.load, status: o.status },
            )
          ).entries,
      });
      if (o.json) return printJson(entries);
      for (const e of entries)
        process.stdout.write(
          `${String(e.id).padStart(6)}  load ${e.loadId}  ${e.file}:${e.line}  ${e.reason}  (${e.status})\n`,
        );
    });
  quarantine
    .command("show <id>")
    .description(
      "the raw record (may hold identifiers; audited); through the server with identifying elements masked",
    )
    .action(async (id: string, _o: unknown, command: Command) => {
      const n = loadNumber(id);
      // The raw line, identifiers and all, is for the host; the server sends it masked.
      const record = await either(command, {
        direct: (ctx) => showQuarantined(ctx, n),
        remote: async (api) =>
          (await api.get<{ id: number; record: string }>(`/api/quarantine/${n}`)).record,
      });
      process.stdout.write(`${record}\n`);
    });
  jobOptions(
    quarantine
      .command("retry <id>")
      .description("load a quarantined record again, as a load of its own")
      .option("--json", "print JSON"),
    "the retry",
  ).action(async (id: string, o: JobOptions, command: Command) => {
    const mode = currentMode();
    if (mode.kind === "remote")
      return submitJob(
        command,
        remoteApi(mode.credentials),
        {
          path: `/api/quarantine/${loadNumber(id)}/retry`,
          body: {},
          kind: "quarantine.retry",
          what: `retry of quarantined record ${id}`,
        },
        o,
      );
    await withStore(async ({ home, store }) => {
      const r = await retryQuarantined(
        { home, store, actor: await actorFor(command, store) },
        loadNumber(id),
      );
      if (o.json) printJson(r);
      else printReport(r);
    });
  });
}
