import type { Command } from "commander";
import { verifyChain } from "../../audit/log.js";
import { initDeployment } from "../../home/deployment.js";
import { resolveHomeDir } from "../../home/home.js";
import { printInitResult } from "./init.js";

export function registerDemo(program: Command): void {
  program
    .command("demo")
    .description("set up a demo deployment in KAIVO_HOME and show what to try next")
    .action(async () => {
      const result = await initDeployment(resolveHomeDir(), "admin");
      try {
        printInitResult(
          result.homeDir,
          result.created,
          result.admin?.name ?? null,
          result.store.location,
        );
        const chain = await verifyChain(result.store);
        process.stdout.write(
          `  audit log: ${chain.entries} entries, chain ${chain.ok ? "intact" : "BROKEN"}\n\n`,
        );
      } finally {
        await result.store.close();
      }
      process.stdout.write(
        [
          "Next:",
          "  export KAIVO_USER=admin                     # act as the first admin",
          "  npx kaivo status                            # what is where; is the audit chain intact",
          "  npx kaivo user add anna --role researcher",
          "  npx kaivo user add aino --role auditor",
          "  npx kaivo audit tail --as aino              # who did what",
          "  npx kaivo audit verify --as aino            # check the tamper-evident chain",
          "  npx kaivo --help                            # every command",
          "",
        ].join("\n"),
      );
    });
}
