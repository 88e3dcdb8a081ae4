import type { Command } from "commander";
import {
  cohortSql,
  explainCohort,
  listCohorts,
  runCohort,
  validateCohort,
} from "../../cohort/cohort-service.js";
import { definitionJsonSchema } from "../../cohort/definition.js";
import { DEFINITION_LIMITS } from "../../cohort/limits.js";
import { feasibility } from "../../feasibility/feasibility-service.js";
import { loadNumber, printJson, printLine, withActor } from "../context.js";
import { readJsonFile } from "../json-file.js";
import { currentMode, either, remoteApi } from "../mode.js";
import { type JobOptions, jobOptions, submitJob } from "./job.js";

const out = printLine;

function readDefinition(file: string): unknown {
  return readJsonFile(
    file,
    DEFINITION_LIMITS.bytes,
    "Give the path of a cohort definition (JSON); examples are in examples/cohorts/.",
  );
}

const cell = (v: unknown) => String(v).padStart(10);

export function registerCohort(program: Command): void {
  const cohort = program
    .command("cohort")
    .description("define cohorts: validate, explain, SQL, run, list");
  cohort
    .command("validate <file>")
    .description("check a definition against the catalog; a valid one is saved as a version")
    .option("--json", "print JSON")
    .action(async (file: string, o: { json?: boolean }, command: Command) => {
      const definition = readDefinition(file);
      const r = await either(command, {
        direct: (ctx) => validateCohort(ctx, definition, file),
        remote: (api) =>
          api.post<Awaited<ReturnType<typeof validateCohort>>>("/api/cohorts/validate", {
            definition,
          }),
      });
      if (o.json) printJson(r);
      else {
        for (const e of r.errors) out(`error   ${e.path}: ${e.message}`);
        for (const w of r.warnings) out(`warning ${w.path}: ${w.message}`);
        out(
          r.errors.length
            ? `${r.name}: not valid`
            : `${r.name}: valid, version ${r.hash.slice(0, 12)}`,
        );
      }
      if (r.errors.length) process.exitCode = 1;
    });
  cohort
    .command("explain <file>")
    .description("the definition in plain language, for reviewers")
    .option("--json", "print JSON")
    .action(async (file: string, o: { json?: boolean }, command: Command) => {
      const definition = readDefinition(file);
      const text = await either(command, {
        direct: (ctx) => explainCohort(ctx, definition, file),
        remote: async (api) =>
          (await api.post<{ text: string }>("/api/cohorts/explain", { definition })).text,
      });
      if (o.json) printJson({ text });
      else process.stdout.write(text);
    });
  cohort
    .command("sql <file>")
    .description("the readable SQL the cohort runs as")
    .option("--snapshot <load>", "the lake snapshot (default: latest)", loadNumber)
    .option("--json", "print JSON")
    .action(async (file: string, o: { snapshot?: number; json?: boolean }, command: Command) => {
      const definition = readDefinition(file);
      const { text, params, steps } = await either(command, {
        direct: (ctx) => cohortSql(ctx, definition, o.snapshot, file),
        remote: async (api) => {
          const r = await api.post<{
            sql: string;
            params: unknown[];
            steps: Array<{ name: string; column: string }>;
          }>("/api/cohorts/sql", { definition, ...(o.snapshot ? { snapshot: o.snapshot } : {}) });
          return { text: r.sql, params: r.params, steps: r.steps };
        },
      });
      if (o.json) printJson({ sql: text, params, steps });
      else {
        // The statement, then the values it binds: they never enter the SQL text. Each line
        // goes through printLine, which escapes whatever could hide text on a terminal.
        for (const line of text.split("\n")) out(line);
        if (params.length > 0) {
          out();
          out("parameters:");
          params.forEach((p, i) => {
            out(`  $${i + 1} = ${JSON.stringify(p)}`);
          });
        }
        if (steps.length > 0) {
          out();
          out("steps:");
          for (const s of steps) out(`  ${s.column} = ${s.name}`);
        }
      }
    });
  jobOptions(
    cohort
      .command("run <file>")
      .description("store the cohort's members for a snapshot, for releases (stewards)")
      .option("--snapshot <load>", "the lake snapshot (default: latest)", loadNumber)
      .option("--json", "print JSON"),
    "the cohort run",
  ).action(async (file: string, o: JobOptions & { snapshot?: number }, command: Command) => {
    const definition = readDefinition(file);
    const mode = currentMode();
    if (mode.kind === "remote")
      return submitJob(
        command,
        remoteApi(mode.credentials),
        {
          path: "/api/cohorts/runs",
          body: { definition, ...(o.snapshot ? { snapshot: o.snapshot } : {}) },
          kind: "cohort.run",
          what: `cohort run of ${file}`,
        },
        o,
      );
    const r = await withActor(command, (ctx) => runCohort(ctx, definition, o.snapshot, file));
    if (o.json) return printJson(r);
    out(
      `run ${r.runId}: ${r.name} (${r.hash.slice(0, 12)}) on snapshot ${r.snapshot}: ${r.persons} persons`,
    );
    out(`  entered ${r.entered}`);
    for (const s of r.steps)
      out(
        `  ${cell(s.remaining)} remain after: ${s.step} (${s.excludedByItAlone} excluded by it alone)`,
      );
  });
  cohort
    .command("list")
    .description("saved versions and materialised runs")
    .option("--json", "print JSON")
    .action(async (o: { json?: boolean }, command: Command) => {
      const r = await either(command, {
        direct: (ctx) => listCohorts(ctx),
        remote: (api) => api.get<Awaited<ReturnType<typeof listCohorts>>>("/api/cohorts"),
      });
      if (o.json) return printJson(r);
      for (const v of r.versions)
        out(
          `${v.name.padEnd(32)} ${v.hash.slice(0, 12)}  ${v.created_at}  ${v.created_by}  ${v.title ?? ""}`,
        );
      for (const run of r.runs)
        out(
          `run ${run.runId}: ${run.name} ${run.hash.slice(0, 12)} snapshot ${run.snapshot}, ${run.persons} persons`,
        );
    });
  cohort
    .command("schema")
    .description("print the JSON Schema of cohort definitions")
    .action(() => printJson(definitionJsonSchema()));

  program
    .command("feasibility <file>")
    .description(
      "data availability assessment: counts with disclosure control (researchers, stewards, reviewers)",
    )
    .option("--snapshot <load>", "the lake snapshot (default: latest)", loadNumber)
    .option(
      "--data <list>",
      "tables or variables to assess, comma-separated (e.g. clinical.lab,reuma.visit.das28)",
    )
    .option(
      "--application <permit>",
      "the application (permit) the query is for: its team shares one ledger and budget",
    )
    .option("--json", "print JSON")
    .action(
      async (
        file: string,
        o: { snapshot?: number; data?: string; json?: boolean; application?: string },
        command: Command,
      ) => {
        // The definition is read here, on the user's machine, and sent as JSON in remote mode.
        const definition = readDefinition(file);
        const request = {
          ...(o.snapshot ? { snapshot: o.snapshot } : {}),
          ...(o.application ? { application: o.application } : {}),
          data: o.data
            ? o.data
                .split(",")
                .map((s) => s.trim())
                .filter(Boolean)
            : [],
        };
        const r = await either(command, {
          direct: (ctx) => feasibility(ctx, definition, { ...request, source: file }),
          remote: (api) =>
            api.post<Awaited<ReturnType<typeof feasibility>>>("/api/feasibility", {
              definition,
              ...request,
            }),
        });
        if (o.json) return printJson(r);
        out(
          `${r.name} (${r.hash.slice(0, 12)}), snapshot ${r.snapshot}: ${r.persons} persons${r.exact ? " (exact)" : ` (counts perturbed, under ${r.minCount} shown as <${r.minCount}; ${r.policy})`}`,
        );
        out(`  entered ${r.attrition.entered}`);
        for (const s of r.attrition.steps)
          out(
            `  ${cell(s.remaining)} remain after: ${s.step} (${s.excludedByItAlone} excluded by it alone)`,
          );
        const line = (title: string, cells: Array<{ label: string; persons: unknown }>) =>
          out(`  ${title}: ${cells.map((c) => `${c.label} ${c.persons}`).join(", ")}`);
        if (r.bySex.length) {
          line("by sex", r.bySex);
          line("by age at index", r.byAgeBand);
          line("by index year", r.byIndexYear);
        } else out(`  no breakdowns: the cohort is too small to break down`);
        for (const d of r.data)
          out(
            `  ${d.name}: ${d.persons} persons with data${d.firstYear ? `, ${d.firstYear}-${d.lastYear}` : ""}`,
          );
      },
    );
}
