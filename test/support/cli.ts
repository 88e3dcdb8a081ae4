import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const MAIN = join(import.meta.dirname, "../../dist/cli/main.js");

/**
 * A single command may take a few seconds alone (`demo` about ten); the limits hold with the
 * machine three times slower, as when other jobs share its cores.
 */
export const CLI_TIMEOUT_MS = 180_000;
/** For tests that run several commands, or `demo`. */
export const E2E_TEST_TIMEOUT_MS = 300_000;

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built `kaivo` CLI as a child process, as a user would; `input` is its standard input. */
export function kaivo(args: string[], env: NodeJS.ProcessEnv, input?: string): CliResult {
  if (!existsSync(MAIN))
    throw new Error(`${MAIN} is missing: run \`npm run build\` (npm test does).`);
  const result = spawnSync(process.execPath, [MAIN, ...args], {
    // A developer's own `kaivo login` must not turn these direct-mode tests into remote ones.
    env: { KAIVO_CONFIG_DIR: join(tmpdir(), "kaivo-tests-never-logged-in"), ...env },
    encoding: "utf8",
    timeout: CLI_TIMEOUT_MS,
    ...(input !== undefined ? { input } : {}),
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/**
 * Runs the built CLI without blocking this process, for tests whose server runs in it; `env` is
 * the whole environment the CLI gets.
 */
export function kaivoAsync(
  args: string[],
  options: { env: NodeJS.ProcessEnv; cwd: string; input?: string },
): Promise<CliResult> {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\`.`);
  const child = spawn(process.execPath, [MAIN, ...args], {
    env: options.env,
    cwd: options.cwd,
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  child.stdin.end(options.input ?? "");
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (status) => resolve({ status, stdout, stderr }));
  });
}
