import type { Command } from "commander";
import { ValidationError } from "../../shared/errors.js";
import { compileToDuckdb } from "../../views/duckdb/compile.js";
import { planView } from "../../views/plan.js";
import { type Engine, type Format, readView, runView } from "../../views/run-view.js";

const ENGINES = ["auto", "reference", "duckdb"];
const FORMATS = ["ndjson", "csv", "parquet"];

function oneOf(name: string, allowed: string[]) {
  return (value: string) => {
    if (!allowed.includes(value))
      throw new ValidationError(`--${name} must be one of ${allowed.join(", ")}.`);
    return value;
  };
}

export function registerView(program: Command): void {
  const view = program
    .command("view")
    .description("run and check SQL on FHIR v2 ViewDefinitions over FHIR NDJSON");

  view
    .command("validate <view>")
    .description("check a ViewDefinition; errors name the place in the view")
    .action((file: string) => {
      const plan = planView(readView(file));
      const compiled = compileToDuckdb(plan);
      process.stdout.write(
        `${file}: valid ViewDefinition of ${plan.resource}, ${plan.columns.length} columns (${plan.columns.map((c) => c.name).join(", ")})\n` +
          `DuckDB compiler: ${compiled.ok ? "translates it" : `does not translate it (${compiled.reason}); the reference evaluator runs it`}\n`,
      );
    });

  view
    .command("run <view> <input...>")
    .description("run a view over NDJSON files or folders of them; rows to stdout as NDJSON")
    .option(
      "--format <format>",
      "ndjson, csv or parquet (default: from --out's extension, else ndjson)",
      oneOf("format", FORMATS),
    )
    .option("--out <file>", "write to a file instead of standard output")
    .option(
      "--engine <engine>",
      "auto (DuckDB when it can), reference or duckdb",
      oneOf("engine", ENGINES),
      "auto",
    )
    .action(
      async (
        file: string,
        inputs: string[],
        o: { format?: Format; out?: string; engine: Engine },
      ) => {
        const result = await runView({
          view: readView(file),
          inputs,
          format:
            o.format ??
            (/\.(parquet|csv)$/.exec(o.out ?? "")?.[1] as Format | undefined) ??
            "ndjson",
          ...(o.out ? { out: o.out } : {}),
          engine: o.engine,
          notice: (line) => process.stderr.write(`kaivo: ${line}\n`),
        });
        if (o.out || result.badLines > 0) {
          process.stderr.write(
            `kaivo: ${result.rows} rows with the ${result.engine} evaluator${result.badLines > 0 ? `; ${result.badLines} input lines skipped` : ""}\n`,
          );
        }
      },
    );
}
