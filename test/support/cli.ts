import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";

const MAIN = join(import.meta.dirname, "../../dist/cli/main.js");

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built `kaivo` CLI as a child process, as a user would. */
export function kaivo(args: string[], env: NodeJS.ProcessEnv): CliResult {
  if (!existsSync(MAIN))
    throw new Error(`${MAIN} is missing: run \`npm run build\` (npm test does).`);
  const result = spawnSync(process.execPath, [MAIN, ...args], {
    env,
    encoding: "utf8",
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
