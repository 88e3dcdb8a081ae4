import { existsSync } from "node:fs";
import type { Command } from "commander";
import { demoLoginsFile } from "../../demo/demo-logins.js";
import { openHome, resolveHomeDir } from "../../home/home.js";
import { HOME_PATH } from "../../portal/paths.js";
import { startServer } from "../../server/serve.js";
import { serverAppOptions } from "../../server/server-options.js";
import { ValidationError } from "../../shared/errors.js";

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new ValidationError("A port is a whole number from 0 to 65535.");
  return n;
}

export function registerServe(program: Command): void {
  program
    .command("serve")
    .description("serve the home's API (and portal): the one process that holds the lake")
    .option("--host <host>", "address to listen on (default: server.host, 127.0.0.1)")
    .option("--port <port>", "port to listen on (default: server.port, 8080)", port)
    .action(async (o: { host?: string; port?: number }) => {
      const home = openHome(resolveHomeDir());
      const setup = serverAppOptions(home);
      const server = await startServer(home, {
        ...(o.host ? { host: o.host } : {}),
        ...(o.port !== undefined ? { port: o.port } : {}),
        app: setup.app,
        onStarted: setup.onStarted,
      });
      process.stderr.write(
        `Kaivo serves ${home.dir} at ${server.url}\n  portal: ${server.url}${HOME_PATH}\n`,
      );
      const logins = demoLoginsFile(home);
      if (existsSync(logins))
        process.stderr.write(
          `  demo accounts and their passwords: ${logins}\n  log in: kaivo login --server ${server.url} --user riku   (API: POST ${server.url}/api/auth/login; reference: ${server.url}/api/openapi.json)\n`,
        );
      let stopping = false;
      const stop = async (signal: string) => {
        if (stopping) return;
        stopping = true;
        process.stderr.write(`Stopping (${signal}): running jobs resume at the next start.\n`);
        await server.close();
        process.exit(0);
      };
      process.on("SIGINT", () => void stop("SIGINT"));
      process.on("SIGTERM", () => void stop("SIGTERM"));
    });
}
