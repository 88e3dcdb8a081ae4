import { spawnSync } from "node:child_process";
import { chmodSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openHome } from "../src/home/home.js";
import { Lake } from "../src/lake/lake.js";
import { CLI_TIMEOUT_MS, type CliResult, E2E_TEST_TIMEOUT_MS, kaivo, MAIN } from "./support/cli.js";
import { tempDir } from "./support/stores.js";

/**
 * For root, a 0500 folder is as writable as any, so as root the read-only commands run as
 * `nobody` (setpriv), on a home handed to nobody: the same protection a service account has.
 */
const ROOT = process.getuid?.() === 0;
const NOBODY = 65534;
const canDropRoot =
  !ROOT ||
  spawnSync("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "true"]).status === 0;

function kaivoUnprivileged(args: string[], env: NodeJS.ProcessEnv): CliResult {
  if (!ROOT) return kaivo(args, env);
  const r = spawnSync(
    "setpriv",
    [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, "--clear-groups", process.execPath, MAIN, ...args],
    { env, encoding: "utf8", timeout: CLI_TIMEOUT_MS },
  );
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function chownTree(path: string): void {
  if (ROOT) spawnSync("chown", ["-R", `${NOBODY}:${NOBODY}`, path]);
}

describe.skipIf(!canDropRoot)("a read-only home", () => {
  let tmp: { dir: string; remove: () => void };
  let env: NodeJS.ProcessEnv;
  let homeDir: string;
  beforeEach(() => {
    tmp = tempDir();
    homeDir = join(tmp.dir, "home");
    env = { PATH: process.env.PATH, KAIVO_HOME: homeDir };
    expect(kaivo(["init"], env).status).toBe(0);
    expect(kaivo(["user", "add", "aino", "--role", "auditor", "--as", "admin"], env).status).toBe(
      0,
    );
    chownTree(tmp.dir);
    chmodSync(tmp.dir, 0o755);
  });
  afterEach(() => {
    chmodSync(homeDir, 0o700);
    tmp.remove();
  });

  it(
    "still answers status and audit verify, records nothing, and refuses the rest clearly",
    () => {
      chmodSync(homeDir, 0o500);
      const status = kaivoUnprivileged(["status", "--as", "admin"], env);
      expect(status.stderr).toBe("");
      expect(status.status).toBe(0);
      expect(status.stdout).toMatch(/audit log +3 entries, chain ok/);

      const verify = kaivoUnprivileged(["audit", "verify", "--as", "aino"], env);
      expect(verify.status).toBe(0);
      expect(verify.stdout).toMatch(/Audit chain intact: 3 entries/);
      expect(verify.stderr).toMatch(/read-only: this verification is not recorded/);

      for (const args of [
        ["user", "add", "bob", "--role", "researcher", "--as", "admin"],
        ["audit", "tail", "--as", "aino"],
        ["init"],
      ]) {
        const refused = kaivoUnprivileged(args, env);
        expect(refused.status, args.join(" ")).toBe(1);
        expect(refused.stderr).toContain(`The Kaivo home ${homeDir} is read-only`);
        expect(refused.stderr).toMatch(/`kaivo status` or `kaivo audit verify`: they work/);
      }

      chmodSync(homeDir, 0o700);
      const after = kaivoUnprivileged(["audit", "verify", "--as", "aino"], env);
      expect(after.stdout).toMatch(/Audit chain intact: 3 entries/);
    },
    E2E_TEST_TIMEOUT_MS,
  );

  it(
    "says so in status when its lake has been lost",
    async () => {
      const lake = await Lake.open(openHome(homeDir, env));
      lake.close();
      rmSync(join(homeDir, "lake.duckdb"));
      chownTree(tmp.dir);
      chmodSync(homeDir, 0o500);
      const status = kaivoUnprivileged(["status", "--as", "admin"], env);
      expect(status.status).toBe(0);
      expect(status.stdout).toMatch(/lake +\S+lake\.duckdb MISSING: this home had a lake/);
    },
    E2E_TEST_TIMEOUT_MS,
  );
});

if (!canDropRoot)
  it.skip("a read-only home: running as root without setpriv, a folder's mode cannot be tested", () => {});
