import type { Command } from "commander";
import type { FetchProgress } from "../../fetch/bulk-client.js";
import { type FetchReport, fetchSource, fetchState } from "../../fetch/fetch-service.js";
import type { LoadProgress } from "../../ingest/fhir-ingest.js";
import { ingest } from "../../ingest/ingest-service.js";
import { KaivoError, ValidationError } from "../../shared/errors.js";
import { printJson, printLine, withActor } from "../context.js";
import { LoadBars } from "../load-bars.js";
import { currentMode, remoteApi } from "../mode.js";
import { printReport } from "./ingest.js";
import { type JobOptions, jobOptions, submitJob } from "./job.js";

interface FetchCliOptions extends JobOptions {
  full?: boolean;
  load?: boolean;
}

const mb = (bytes: number) => `${(bytes / 1_048_576).toFixed(1)} MB`;

/** One line per step on stderr: what the server says and what is being downloaded. */
function progressLine(p: FetchProgress): string | undefined {
  switch (p.phase) {
    case "kick-off":
      return p.resumed
        ? "resuming the export an earlier fetch started"
        : `asking for an export${p.since ? ` of what changed since ${p.since}` : " (everything)"}`;
    case "waiting":
      return `export in progress${p.progress ? `: ${p.progress}` : ""}; asking again in ${p.nextPollSeconds} s`;
    case "retry":
      return `${p.what}: ${p.reason}; trying again in ${p.inSeconds} s`;
    case "download":
      return undefined;
  }
}

function printFetch(r: FetchReport, loading: boolean): void {
  const files = [...r.output, ...r.deleted];
  const resources = r.output.reduce((n, f) => n + (f.count ?? 0), 0);
  const bytes = files.reduce((n, f) => n + f.bytes, 0);
  printLine(
    `Fetched ${r.source}: export of ${r.transactionTime}${r.since ? `, changes since ${r.since}` : ", everything"}${r.resumed ? " (resumed)" : ""}`,
  );
  printLine(`  into ${r.folder}`);
  for (const f of files)
    printLine(
      `  ${f.file.padEnd(32)}${String(f.count ?? "").padStart(9)} ${mb(f.bytes).padStart(10)}  sha256 ${f.sha256.slice(0, 16)}…`,
    );
  printLine(`  ${resources} resources in ${r.output.length} files, ${mb(bytes)}`);
  if (r.retries || r.renewedLinks)
    printLine(
      `  ${r.retries} download(s) tried again (${mb(r.resumedBytes)} resumed by Range), ${r.renewedLinks} expired link(s) renewed`,
    );
  const issues = Object.entries(r.errors.issues);
  if (r.errors.files > 0)
    printLine(
      `  the server reported errors (${r.errors.files} file(s)): ${issues.map(([code, n]) => `${code} ${n}`).join(", ") || "none readable"}; see errors/ in the folder (may hold record details)`,
    );
  if (!loading) printLine(`Load it with: kaivo ingest ${r.folder} --source ${r.source}`);
}

export function registerFetch(program: Command): void {
  const fetchCommand = program
    .command("fetch [source]")
    .description(
      "fetch a FHIR Bulk Data export of a configured source into its inbox folder (stewards); logged in, a job on the server; without SOURCE, the sources and their state",
    )
    .option("--full", "ask for everything, not only what changed since the last fetch")
    .option("--load", "load the fetched export into the lake afterwards")
    .option("--json", "print the report as JSON");
  jobOptions(fetchCommand, "the fetch").action(
    async (source: string | undefined, o: FetchCliOptions, command: Command) => {
      const mode = currentMode();
      // Logged in, the server fetches with the key file in its own home.
      if (mode.kind === "remote" && source)
        return submitJob(
          command,
          remoteApi(mode.credentials),
          {
            path: "/api/jobs",
            body: {
              kind: "fetch",
              params: {
                source,
                ...(o.full ? { full: true } : {}),
                ...(o.load ? { load: true } : {}),
              },
            },
            kind: "fetch",
            what: `fetch of ${source}${o.load ? " and its load" : ""}`,
          },
          o,
        );
      if (mode.kind === "remote")
        throw new ValidationError(
          "Logged in, kaivo fetch needs a SOURCE: the server fetches it as a job.",
          "The sources and their next _since are listed on the server's host (kaivo fetch there, not logged in).",
        );
      if (!source) {
        const states = await withActor(command, (ctx) => fetchState(ctx));
        if (o.json) return printJson(states);
        if (states.length === 0)
          printLine("No Bulk Data sources: add them under fetch.sources in kaivo.json.");
        for (const s of states)
          printLine(
            `${s.source.padEnd(20)} next _since ${s.since ?? "(none: a full export)"}${s.pending ? `; an export started ${s.pending.at} resumes at the next fetch` : ""}`,
          );
        return;
      }
      // Ctrl-C stops the fetch; the export stays on the server and the next fetch resumes it.
      const stop = new AbortController();
      const onSignal = () =>
        stop.abort(
          new KaivoError(
            `The fetch of ${source} was interrupted; the export stays on the server.`,
            `Run kaivo fetch ${source} again to resume it.`,
          ),
        );
      process.once("SIGINT", onSignal);
      process.once("SIGTERM", onSignal);
      await withActor(command, async (ctx) => {
        let report: FetchReport;
        try {
          report = await fetchSource(ctx, source, {
            ...(o.full ? { full: true } : {}),
            signal: stop.signal,
            onProgress: (p) => {
              const line = o.json ? undefined : progressLine(p);
              if (line) process.stderr.write(`kaivo: ${line}\n`);
            },
          });
        } finally {
          process.removeListener("SIGINT", onSignal);
          process.removeListener("SIGTERM", onSignal);
        }
        // The load is kaivo ingest of the folder: Ctrl-C stops it as it stops a load (the lake
        // stays as it was), and the fetched export stays in the inbox.
        if (o.load) {
          if (!o.json) printFetch(report, true);
          const bars = process.stderr.isTTY && !o.json ? new LoadBars() : null;
          report.loads = await ingest(ctx, report.folder, {
            source,
            ...(bars ? { onProgress: (p: LoadProgress) => bars.update(p) } : {}),
          });
          bars?.stop();
          if (o.json) return printJson(report);
          for (const r of report.loads) printReport(r);
          return;
        }
        if (o.json) return printJson(report);
        printFetch(report, false);
      });
    },
  );
}
