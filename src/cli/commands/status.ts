import type { Command } from "commander";
import { getStatus } from "../../status/status.js";
import { printJson, READ_ONLY_HOME } from "../context.js";
import { either } from "../mode.js";

export function registerStatus(program: Command): void {
  program
    .command("status")
    .description(
      "show the home, stores, migrations, keys (never their values), users and audit chain",
    )
    .option("--json", "print JSON")
    .action(async (options: { json?: boolean }, command: Command) => {
      let server: string | undefined;
      const s = await either(
        command,
        {
          direct: ({ home, store, actor }) => getStatus(home, store, actor),
          remote: (api, login) => {
            server = `${login.server} as ${login.user} (${login.role})`;
            return api.get<Awaited<ReturnType<typeof getStatus>>>("/api/status");
          },
        },
        READ_ONLY_HOME,
      );
      if (options.json) return printJson(s);
      const lines = [
        ...(server ? [`server         ${server}`] : []),
        `home           ${s.home}`,
        `config         ${s.configFile}`,
        `control store  ${s.controlStore.dialect} ${s.controlStore.location}`,
        `migrations     ${s.controlStore.migrations.applied.length} applied, ${s.controlStore.migrations.pending.length} pending`,
        ...s.keys.map(
          (k) =>
            `${`${k.name} key `.padEnd(15)}${k.source === "env" ? "from environment" : `${k.file} (mode ${k.mode})`}${k.publicKeyId ? `, public key id ${k.publicKeyId}` : ""}`,
        ),
        ...s.files.map(
          (f) =>
            `${f.name.padEnd(15)}${f.present ? `${f.file} (${((f.bytes ?? 0) / 1e6).toFixed(1)} MB, mode ${f.mode})` : f.lost ? `${f.file} MISSING: this home had a lake; restore it from a backup` : `${f.file} (not created yet: kaivo ingest creates it)`}`,
        ),
        `users          ${s.users.total} (${Object.entries(s.users.byRole)
          .map(([role, n]) => `${role} ${n}`)
          .join(", ")})`,
        `audit log      ${s.audit.entries} entries, chain ${s.audit.chainOk ? "ok" : `BROKEN: ${s.audit.problem}`}`,
        `checkpoints    ${s.audit.checkpoint ? `latest ${s.audit.checkpoint.seq} of ${s.audit.checkpoint.time} in ${s.audit.checkpoint.file}` : "none yet"}`,
      ];
      process.stdout.write(`${lines.join("\n")}\n`);
    });
}
