import cliProgress from "cli-progress";
import type { Command } from "commander";
import { ValidationError } from "../../shared/errors.js";
import { DEFAULT_SYNTH_OPTIONS, runSynth, type SynthProgress } from "../../synth/synth.js";

function integer(name: string, min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min)
      throw new ValidationError(`--${name} must be a whole number of at least ${min}.`);
    return n;
  };
}

function fraction(value: string): number {
  const n = Number(value);
  if (!(n >= 0 && n <= 0.5))
    throw new ValidationError("--dirty must be a fraction between 0 and 0.5.");
  return n;
}

export function registerSynth(program: Command): void {
  program
    .command("synth")
    .description(
      "write synthetic Finnish EHR extracts: a FHIR bulk export, CSV registries, daily increments",
    )
    .requiredOption("--patients <n>", "number of people", integer("patients", 1))
    .requiredOption("--out <dir>", "output folder")
    .option(
      "--seed <s>",
      "random seed; the same arguments give byte-identical files",
      integer("seed", 0),
      1,
    )
    .option(
      "--start-year <y>",
      "first year with records",
      integer("start-year", 1900),
      DEFAULT_SYNTH_OPTIONS.startYear,
    )
    .option(
      "--days <d>",
      "daily increments after the initial export",
      integer("days", 0),
      DEFAULT_SYNTH_OPTIONS.days,
    )
    .option(
      "--dirty <p>",
      "fraction of records with a planted defect (listed in defects.json)",
      fraction,
      DEFAULT_SYNTH_OPTIONS.dirty,
    )
    .option("--as-of <date>", "date of the initial export, YYYY-MM-DD", DEFAULT_SYNTH_OPTIONS.asOf)
    .option("--split-mb <mb>", "split NDJSON files at about this size", integer("split-mb", 1), 50)
    .option(
      "--annotations <file>",
      "also write the initial export's notes with every identifier span, as JSON lines (for the de-identification benchmark)",
    )
    .option("--json", "print a JSON summary (with timings) instead of text")
    .action(
      async (o: {
        patients: number;
        out: string;
        seed: number;
        startYear: number;
        days: number;
        dirty: number;
        asOf: string;
        splitMb: number;
        annotations?: string;
        json?: boolean;
      }) => {
        if (!/^\d{4}-\d\d-\d\d$/.test(o.asOf) || Number.isNaN(Date.parse(o.asOf))) {
          throw new ValidationError("--as-of must be a date, YYYY-MM-DD.");
        }
        const bar = process.stderr.isTTY
          ? new cliProgress.SingleBar(
              {
                format:
                  "{phase} [{bar}] {value}/{total} {unit} | {duration_formatted} elapsed, eta {eta_formatted}",
                hideCursor: true,
              },
              cliProgress.Presets.shades_classic,
            )
          : null;
        let phase = "";
        const onProgress = (p: SynthProgress) => {
          if (!bar) return;
          if (p.phase !== phase) {
            if (phase) bar.stop();
            phase = p.phase;
            bar.start(p.total, 0, {
              phase: p.phase.padEnd(14),
              unit: p.phase.startsWith("day") ? "changes" : "people",
            });
          }
          bar.update(p.done);
        };
        const started = performance.now();
        const summary = await runSynth(
          {
            patients: o.patients,
            seed: o.seed,
            out: o.out,
            startYear: o.startYear,
            days: o.days,
            dirty: o.dirty,
            asOf: o.asOf,
            splitBytes: o.splitMb * 1024 * 1024,
            ...(o.annotations ? { annotations: o.annotations } : {}),
          },
          onProgress,
        );
        bar?.stop();
        const seconds = (performance.now() - started) / 1000;
        const mb = summary.bytes / 1e6;
        const peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
        if (o.json) {
          process.stdout.write(`${JSON.stringify({ ...summary, seconds, peakRssMb })}\n`);
          return;
        }
        process.stdout.write(
          `Wrote ${summary.patients} people to ${o.out} in ${seconds.toFixed(1)} s (${mb.toFixed(1)} MB of NDJSON, ${(mb / seconds).toFixed(1)} MB/s)\n` +
            summary.exports
              .map(
                (e) =>
                  `  ${e.dir}: ${e.files} files, ${(e.bytes / 1e6).toFixed(1)} MB, transactionTime ${e.transactionTime}\n`,
              )
              .join("") +
            `  registries/: reumarekisteri.csv (Latin-1), diabetesrekisteri.csv (UTF-8 with BOM)\n` +
            `  truth.json: counts a correct ingest must reproduce; defects.json: ${summary.defects} planted defects\n` +
            `  peak RSS ${peakRssMb} MB\n`,
        );
      },
    );
}
