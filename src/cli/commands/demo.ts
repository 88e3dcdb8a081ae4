import type { Command } from "commander";
import { DEMO_PEOPLE, setUpDemo } from "../../demo/setup-demo.js";
import { resolveHomeDir } from "../../home/home.js";
import { quarantinedTotal } from "../../ingest/report.js";
import { printInitResult } from "./init.js";

export function registerDemo(program: Command): void {
  program
    .command("demo")
    .description(
      "set up a demo deployment in KAIVO_HOME: a synthetic lake, an example permit and its release",
    )
    .action(async () => {
      const out = process.stdout;
      out.write(
        `Setting up the demo (synthetic data for ${DEMO_PEOPLE} people, ingested into the lake) ...\n`,
      );
      const r = await setUpDemo(resolveHomeDir());
      printInitResult(r.homeDir, r.created, r.adminCreated ? "admin" : null, r.storeLocation);
      for (const u of r.usersCreated) out.write(`  created user ${u}\n`);
      out.write(`  synthetic exports ${r.dataDir} ${r.generated ? "(generated)" : "(reused)"}\n`);
      for (const load of r.loads) {
        const tables = Object.values(load.tables);
        const sum = (f: (t: (typeof tables)[number]) => number) =>
          tables.reduce((a, t) => a + f(t), 0);
        out.write(
          load.alreadyLoaded
            ? `  load ${load.loadId}: already in the lake\n`
            : `  load ${load.loadId}: ${sum((t) => t.read)} records read, ${sum((t) => t.inserted)} inserted, ${sum((t) => t.updated)} updated, ${sum((t) => t.deleted)} deleted, ${sum(quarantinedTotal)} quarantined\n`,
        );
      }
      out.write("\nThe lake (pseudonymized; no names, identity codes or contact details):\n");
      for (const t of r.tables) {
        out.write(
          `  ${`${t.registry}.${t.table}`.padEnd(36)}${String(t.rows).padStart(8)} rows ${String(t.people).padStart(6)} people\n`,
        );
      }
      out.write(
        `\nPermit ${r.release.permit} (riku applied, reija approved, stina activated and released):\n  release of ${r.release.persons} persons ${r.release.created ? "written to" : "already at"} ${r.release.path}\n  (README.md, codebook.md, datapackage.json, data/*.parquet and *.csv, SHA256SUMS)\n`,
      );
      out.write(
        `  audit log: ${r.audit.entries} entries, chain ${r.audit.ok ? "intact" : "BROKEN"}\n\n`,
      );
      if (r.logins.created.length > 0) {
        out.write("Demo logins (shown this once; also in the file below, mode 0600):\n");
        for (const l of r.logins.created)
          out.write(`  ${l.user.padEnd(8)} ${l.role.padEnd(11)} ${l.password}\n`);
        out.write(`  ${r.logins.file}\n\n`);
      } else out.write(`Demo logins: in ${r.logins.file} (mode 0600)\n\n`);
      out.write(
        [
          "Next (in another terminal, with the server running):",
          "  npx kaivo login --server http://127.0.0.1:8080 --user riku   # password from demo-logins.txt, on standard input",
          "  npx kaivo catalog search HbA1c                               # find data, as a researcher",
          "  npx kaivo catalog show clinical.lab.local_code               # which labs, since when, how complete",
          "  npx kaivo feasibility examples/cohorts/t2d-hba1c.json --data clinical.lab.value   # a data availability assessment",
          "  npx kaivo cohort explain examples/cohorts/mi-pci.json        # a cohort in plain language",
          "  npx kaivo permit list                                        # riku's applications",
          "  npx kaivo job list                                           # jobs: loads, releases, cohort runs",
          "  npx kaivo logout                                             # back to direct mode on the host",
          `  curl http://127.0.0.1:8080/api/openapi.json              # the API; reference in docs/api.md`,
          "  npx kaivo status --as admin                                  # direct mode on the host (refused for the lake while the server runs)",
          "  npx kaivo --help                                             # every command",
          "",
        ].join("\n"),
      );
    });
}
