import type { Command } from "commander";
import { initDeployment } from "../../home/deployment.js";
import { resolveHomeDir } from "../../home/home.js";

export function registerInit(program: Command): void {
  program
    .command("init")
    .description("create a Kaivo home: configuration, keys, control store and a first admin")
    .option("--admin <name>", "account name of the first admin", "admin")
    .action(async (options: { admin: string }) => {
      const result = await initDeployment(resolveHomeDir(), options.admin);
      await result.store.close();
      printInitResult(
        result.homeDir,
        result.created,
        result.admin?.name ?? null,
        result.store.location,
      );
    });
}

export function printInitResult(
  homeDir: string,
  created: string[],
  adminName: string | null,
  storeLocation: string,
): void {
  const out = process.stdout;
  if (created.length === 0 && !adminName) {
    out.write(`Kaivo home ${homeDir} already exists; nothing changed.\n`);
  } else {
    out.write(`Kaivo home ${homeDir}\n`);
    for (const path of created) {
      out.write(path === "." ? "  created the home folder (mode 0700)\n" : `  created ${path}\n`);
    }
    out.write(`  control store ${storeLocation} (migrated)\n`);
    if (adminName) out.write(`  created user ${adminName} (admin)\n`);
  }
}
