import type { Command } from "commander";
import {
  addOptouts,
  listOptouts,
  type OptoutChange,
  removeOptouts,
  transparencyReport,
} from "../../permits/optout-service.js";
import {
  activatePermit,
  approvePermit,
  type Ctx,
  closePermit,
  confirmPermit,
  draftPermit,
  expirePermits,
  listPermits,
  type Permit,
  registerPermit,
  rejectPermit,
  reviewPermit,
  showPermit,
  submitPermit,
} from "../../permits/permit-service.js";
import { createRelease, listReleases } from "../../release/release-service.js";
import { ValidationError } from "../../shared/errors.js";
import { loadNumber, printJson, printLine, withActor } from "../context.js";
import { readIdentityCodes, refuseCodeArguments } from "../identity-input.js";
import { readJsonFile } from "../json-file.js";
import { currentMode, either, remoteApi } from "../mode.js";
import { type JobOptions, jobOptions, submitJob } from "./job.js";

const out = printLine;

/** Applications and scopes are a few KB; the limit keeps a wrong file from being read whole. */
const APPLICATION_BYTES = 256 * 1024;

function readJson(file: string): unknown {
  return readJsonFile(
    file,
    APPLICATION_BYTES,
    "Give the path of a permit application or scope (JSON).",
  );
}

function printPermit(p: Permit): void {
  out(
    `${p.id}  ${p.status}${p.external ? " (registered, decided elsewhere)" : ""}  valid until ${p.validUntil}`,
  );
  out(
    `  ${p.title} (${p.organisation}); PI ${p.principalInvestigator}${p.team.length ? `, team ${p.team.join(", ")}` : ""}`,
  );
  out(
    `  cohort ${p.scope.cohort.name} ${p.scope.cohort.hash.slice(0, 12)}; period ${p.scope.period.from} to ${p.scope.period.to}; scope ${p.scopeHash.slice(0, 12)}`,
  );
  for (const [t, vars] of Object.entries(p.scope.tables)) out(`  ${t}: ${vars.join(", ")}`);
}

/** `--only clinical.lab.value,clinical.lab.unit` as a table -> variables request. */
function parseOnly(list: string): Record<string, string[]> {
  const tables: Record<string, string[]> = {};
  for (const item of list
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)) {
    const parts = item.split(".");
    if (parts.length !== 3)
      throw new ValidationError(
        `--only takes REGISTRY.TABLE.VARIABLE items; "${item}" is not one.`,
      );
    const table = `${parts[0]}.${parts[1]}`;
    tables[table] = [...(tables[table] ?? []), parts[2] as string];
  }
  return tables;
}

/** A permit's route: its number (which may hold a /) as one path segment. */
function permitPath(id: string, verb?: string): string {
  return `/api/permits/${encodeURIComponent(id)}${verb ? `/${verb}` : ""}`;
}

export function registerPermits(program: Command): void {
  const permit = program
    .command("permit")
    .description("research permits: apply, decide, activate, close");
  const reasoned = (
    verb: string,
    describe: string,
    run: (ctx: Ctx, id: string, reason: string) => Promise<Permit>,
  ) =>
    permit
      .command(`${verb} <id>`)
      .description(describe)
      .requiredOption("--reason <text>", "why: it goes on the permit's record and the audit log")
      .action(async (id: string, o: { reason: string }, command: Command) => {
        printPermit(
          await either(command, {
            direct: (ctx) => run(ctx, id, o.reason),
            remote: (api) => api.post<Permit>(permitPath(id, verb), { reason: o.reason }),
          }),
        );
      });
  permit
    .command("draft <application>")
    .description("draft an application from JSON: cohort, variables, period, purpose (researchers)")
    .action(async (file: string, _o: unknown, command: Command) => {
      const application = readJson(file);
      printPermit(
        await either(command, {
          direct: (ctx) => draftPermit(ctx, application, file),
          remote: (api) => api.post<Permit>("/api/permits", application),
        }),
      );
    });
  reasoned("submit", "submit your draft for review (the applicant)", submitPermit);
  reasoned("review", "take a submitted application into review (reviewers)", reviewPermit);
  permit
    .command("approve <id>")
    .description("approve, optionally with a narrowed scope (reviewers not named on it)")
    .requiredOption("--reason <text>", "the decision's grounds")
    .option("--scope <file>", "a narrowed scope (JSON): it may only take away")
    .action(async (id: string, o: { reason: string; scope?: string }, command: Command) => {
      const scope = o.scope ? readJson(o.scope) : undefined;
      printPermit(
        await either(command, {
          direct: (ctx) => approvePermit(ctx, id, o.reason, scope),
          remote: (api) =>
            api.post<Permit>(permitPath(id, "approve"), {
              reason: o.reason,
              ...(scope !== undefined ? { scope } : {}),
            }),
        }),
      );
    });
  reasoned("reject", "reject an application in review (reviewers)", rejectPermit);
  reasoned(
    "confirm",
    "confirm a registered external permit (a second steward, not its registrant nor named on it)",
    confirmPermit,
  );
  reasoned("activate", "activate an approved permit: its key is made (stewards)", activatePermit);
  reasoned(
    "close",
    "close a permit: its key is destroyed for good, its release files deleted (stewards)",
    closePermit,
  );
  permit
    .command("register <permit>")
    .description(
      "register a permit decided elsewhere (Findata) under its number; a second steward confirms it (stewards)",
    )
    .requiredOption("--reason <text>", "e.g. the decision's reference")
    .action(async (file: string, o: { reason: string }, command: Command) => {
      const registered = readJson(file);
      printPermit(
        await either(command, {
          direct: (ctx) => registerPermit(ctx, registered, o.reason, file),
          remote: (api) =>
            api.post<Permit>("/api/permits/register", { permit: registered, reason: o.reason }),
        }),
      );
    });
  permit
    .command("show <id>")
    .description("a permit, its history and releases")
    .option("--json", "print JSON")
    .action(async (id: string, o: { json?: boolean }, command: Command) => {
      const r = await either(command, {
        direct: (ctx) => showPermit(ctx, id),
        remote: (api) => api.get<Awaited<ReturnType<typeof showPermit>>>(permitPath(id)),
      });
      if (o.json) return printJson(r);
      printPermit(r.permit);
      for (const e of r.events)
        out(`  ${e.at}  ${e.from_status ?? "-"} -> ${e.to_status}  ${e.actor}: ${e.reason}`);
      for (const rel of r.releases)
        out(
          `  release ${rel.id}: ${rel.status}, snapshot ${rel.snapshot}, ${rel.persons} persons, ${rel.path}`,
        );
    });
  permit
    .command("list")
    .description("permits (researchers: their own)")
    .option("--json", "print JSON")
    .action(async (o: { json?: boolean }, command: Command) => {
      const list = await either(command, {
        direct: (ctx) => listPermits(ctx),
        remote: async (api) =>
          (await api.get<{ permits: Awaited<ReturnType<typeof listPermits>> }>("/api/permits"))
            .permits,
      });
      if (o.json) return printJson(list);
      for (const p of list)
        out(`${p.id.padEnd(20)} ${p.status.padEnd(10)} ${p.validUntil}  ${p.title}`);
    });
  program
    .command("permits")
    .description("permit housekeeping")
    .command("expire")
    .description("expire permits past their date: keys destroyed, release files deleted (stewards)")
    .action(async (_o: unknown, command: Command) => {
      const expired = await either(command, {
        direct: (ctx) => expirePermits(ctx),
        remote: async (api) =>
          (
            await api.post<{ expired: Awaited<ReturnType<typeof expirePermits>> }>(
              "/api/permits/expire",
            )
          ).expired,
      });
      if (expired.length === 0) out("no permit is past its date");
      for (const e of expired)
        out(
          `${e.id}: expired (valid until ${e.validUntil}), key destroyed, ${e.releasesDeleted} release(s) deleted`,
        );
    });

  const release = program
    .command("release")
    .description("permit-scoped, re-pseudonymized data releases");
  jobOptions(
    release
      .command("create <permit>")
      .description("extract, pseudonymize for the permit, package and check a release (stewards)")
      .option("--snapshot <load>", "the lake snapshot (default: latest)", loadNumber)
      .option("--only <variables>", "a part of the scope: REGISTRY.TABLE.VARIABLE,...")
      .option("--period <from..to>", "a part of the scope's period, YYYY-MM-DD..YYYY-MM-DD")
      .option("--out <dir>", "where releases go (default: HOME/releases; direct mode only)")
      .option("--json", "print JSON"),
    "the release",
  ).action(
    async (
      id: string,
      o: JobOptions & { snapshot?: number; only?: string; period?: string; out?: string },
      command: Command,
    ) => {
      const period = o.period?.split("..");
      if (o.period && (period?.length !== 2 || !period[0] || !period[1]))
        throw new ValidationError("--period is FROM..TO, e.g. 2015-01-01..2020-12-31.");
      const mode = currentMode();
      if (mode.kind === "remote") {
        // The server writes releases only to its own releases folder (decision 009).
        if (o.out)
          throw new ValidationError(
            "--out is for direct mode: the server puts releases in its releases folder.",
          );
        return submitJob(
          command,
          remoteApi(mode.credentials),
          {
            path: "/api/releases",
            body: {
              permit: id,
              ...(o.snapshot ? { snapshot: o.snapshot } : {}),
              ...(o.only ? { tables: parseOnly(o.only) } : {}),
              ...(period ? { period: { from: period[0], to: period[1] } } : {}),
            },
            kind: "release",
            what: `release for ${id}`,
          },
          o,
        );
      }
      const r = await withActor(command, (ctx) =>
        createRelease(ctx, id, {
          ...(o.snapshot ? { snapshot: o.snapshot } : {}),
          ...(o.out ? { outDir: o.out } : {}),
          request: {
            ...(o.only ? { tables: parseOnly(o.only) } : {}),
            ...(period ? { period: { from: period[0] as string, to: period[1] as string } } : {}),
          },
        }),
      );
      if (o.json) return printJson(r);
      out(
        `release ${r.id} (snapshot ${r.snapshot}): ${r.persons} persons in ${r.seconds.toFixed(1)} s`,
      );
      for (const t of r.tables)
        out(
          `  ${t.name.padEnd(34)} ${String(t.rows).padStart(9)} rows ${String(t.persons).padStart(7)} persons`,
        );
      out(`  ${r.path}`);
    },
  );
  release
    .command("list [permit]")
    .description("releases, of one permit or all (stewards, auditors)")
    .option("--json", "print JSON")
    .action(async (id: string | undefined, o: { json?: boolean }, command: Command) => {
      const list = await either(command, {
        direct: (ctx) => listReleases(ctx, id),
        remote: async (api) =>
          (
            await api.get<{ releases: Awaited<ReturnType<typeof listReleases>> }>("/api/releases", {
              permit: id,
            })
          ).releases,
      });
      if (o.json) return printJson(list);
      for (const r of list)
        out(
          `${r.id.padEnd(24)} ${r.status.padEnd(10)} snapshot ${r.snapshot}  ${r.persons} persons  ${r.path}`,
        );
    });

  const optout = program
    .command("optout")
    .description("people who opted out of secondary use (stewards; audited)");
  const codesFrom = "identity codes, one a line, from FILE instead of standard input";
  const changes = (
    verb: "add" | "remove",
    describe: string,
    run: (ctx: Ctx, codes: string[]) => Promise<OptoutChange[]>,
    said: (changed: boolean) => string,
  ) =>
    optout
      .command(verb)
      .description(`${describe}; identity codes on standard input (not shown at a terminal)`)
      .option("--file <file>", codesFrom)
      .allowExcessArguments()
      .action(async (o: { file?: string }, command: Command) => {
        refuseCodeArguments(command, `kaivo optout ${verb} < codes.txt`);
        const codes = await readIdentityCodes(o.file);
        // Through the server the codes go in the request's body, never its URL; the answer
        // names lines, never codes.
        const results: Array<Pick<OptoutChange, "changed" | "matched">> = await either(command, {
          direct: (ctx) => run(ctx, codes),
          remote: async (api) =>
            (
              await api.post<{ results: Array<{ changed: boolean; matched: boolean }> }>(
                verb === "add" ? "/api/optouts" : "/api/optouts/remove",
                { codes },
              )
            ).results,
        });
        results.forEach((r, i) => {
          const unmatched = r.matched
            ? ""
            : "; no one in the lake has this identifier: check it (an opt-out still applies if the person is loaded later)";
          out(`${results.length > 1 ? `line ${i + 1}: ` : ""}${said(r.changed)}${unmatched}`);
        });
      });
  changes(
    "add",
    "leave people out of every later release and researcher-facing count",
    addOptouts,
    (changed) => (changed ? "opted out" : "already opted out"),
  );
  changes("remove", "take opt-outs back", removeOptouts, (changed) =>
    changed ? "opt-out removed" : "was not opted out",
  );
  optout
    .command("list")
    .description("the register: pseudo-IDs and dates, never identity codes")
    .option("--json", "print JSON")
    .action(async (o: { json?: boolean }, command: Command) => {
      const list = await either(command, {
        direct: (ctx) => listOptouts(ctx),
        remote: async (api) =>
          (await api.get<{ optouts: Awaited<ReturnType<typeof listOptouts>> }>("/api/optouts"))
            .optouts,
      });
      if (o.json) return printJson(list);
      for (const e of list) out(`${e.pseudoId}  ${e.addedAt}  ${e.addedBy}`);
      out(`${list.length} opted out`);
    });
  program
    .command("transparency")
    .description(
      "which permits and releases included a person, for a data subject's request; the identity code on standard input (stewards; audited)",
    )
    .option("--file <file>", "the identity code from FILE instead of standard input")
    .option("--json", "print JSON")
    .allowExcessArguments()
    .action(async (o: { json?: boolean; file?: string }, command: Command) => {
      refuseCodeArguments(command, "kaivo transparency < code.txt");
      const codes = await readIdentityCodes(o.file);
      if (codes.length > 1)
        throw new ValidationError(
          `A transparency report is for one person; got ${codes.length} lines.`,
          "Give one identity code per request.",
        );
      const code = codes[0] as string;
      const r = await either(command, {
        direct: (ctx) => transparencyReport(ctx, code),
        remote: (api) =>
          api.post<Awaited<ReturnType<typeof transparencyReport>>>("/api/transparency", { code }),
      });
      if (o.json) return printJson(r);
      if (!r.matched) out("No one in the lake has this identifier: check it.");
      if (r.optedOut) out("The person has opted out of secondary use.");
      if (r.releases.length === 0) out("The person's data has not been in any release.");
      for (const rel of r.releases)
        out(
          `${rel.releasedAt.slice(0, 10)}  release ${rel.release} (${rel.releaseStatus}) under permit ${rel.permit}: ${rel.title}, ${rel.organisation}. Purpose: ${rel.purpose}`,
        );
    });
}
