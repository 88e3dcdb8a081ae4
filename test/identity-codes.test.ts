import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Actor } from "../src/auth/roles.js";
import { addUser } from "../src/auth/users.js";
import { CONFIG_FILE, homeKey, initHome, openHome } from "../src/home/home.js";
import { lakePseudoId } from "../src/identity/pseudonym.js";
import { Vault } from "../src/identity/vault.js";
import { addOptout, transparencyReport } from "../src/permits/optout-service.js";
import { openControlStore } from "../src/store/control-store.js";
import { E2E_TEST_TIMEOUT_MS, kaivo, MAIN } from "./support/cli.js";
import { tempDir } from "./support/stores.js";

const CODE = "131052-308T";
const OTHER = "010190-123M";

describe("identity codes on the command line", () => {
  let tmp: { dir: string; remove: () => void };
  let env: NodeJS.ProcessEnv;
  beforeEach(() => {
    tmp = tempDir();
    env = { PATH: process.env.PATH, KAIVO_HOME: join(tmp.dir, "home") };
    expect(kaivo(["init"], env).status).toBe(0);
    expect(kaivo(["user", "add", "stina", "--role", "steward", "--as", "admin"], env).status).toBe(
      0,
    );
  });
  afterEach(() => tmp.remove());

  it(
    "are refused as arguments, without being repeated, and nothing changes",
    () => {
      for (const args of [
        ["optout", "add", CODE],
        ["optout", "remove", CODE],
        ["transparency", CODE],
      ]) {
        const r = kaivo([...args, "--as", "stina"], env);
        expect(r.status, args.join(" ")).toBe(2);
        expect(r.stderr).toMatch(/identity codes are not taken as arguments.*\(ps\)/);
        expect(r.stderr).toMatch(/standard input, one per line .* or with --file FILE/);
        expect(`${r.stdout}${r.stderr}`).not.toContain("131052");
      }
      expect(kaivo(["optout", "list", "--as", "stina"], env).stdout).toMatch(/^0 opted out/m);
    },
    E2E_TEST_TIMEOUT_MS,
  );

  it(
    "are read from standard input or a file, and say when they matched no one",
    () => {
      const added = kaivo(["optout", "add", "--as", "stina"], env, `${CODE}\n`);
      expect(added.stderr).toBe("");
      expect(added.status).toBe(0);
      expect(added.stdout).toMatch(/^opted out; no one in the lake has this identifier: check it/);
      expect(added.stdout).not.toContain("131052");

      const file = join(tmp.dir, "codes.txt");
      writeFileSync(file, `${CODE.toLowerCase()}\n\n${OTHER}\n`);
      const again = kaivo(["optout", "add", "--file", file, "--as", "stina"], env);
      expect(again.status).toBe(0);
      expect(again.stdout).toMatch(/^line 1: already opted out;.*\nline 2: opted out;/);
      expect(kaivo(["optout", "list", "--as", "stina"], env).stdout).toMatch(/^2 opted out/m);

      const report = kaivo(["transparency", "--as", "stina"], env, CODE);
      expect(report.status).toBe(0);
      expect(report.stdout).toMatch(/No one in the lake has this identifier/);
      expect(report.stdout).toMatch(/has opted out/);

      const bad = kaivo(["optout", "remove", "--as", "stina"], env, `${CODE}\n131052-308X\n`);
      expect(bad.status).toBe(1);
      expect(bad.stderr).toMatch(/Line 2: That is not a valid personal identity code: check/);
      expect(bad.stderr).not.toContain("131052");
      expect(kaivo(["optout", "list", "--as", "stina"], env).stdout).toMatch(/^2 opted out/m);
      expect(kaivo(["optout", "add", "--as", "stina"], env, "").stderr).toMatch(
        /No identity code on standard input/,
      );
    },
    E2E_TEST_TIMEOUT_MS,
  );

  it.skipIf(!existsSync("/proc/self/cmdline"))(
    "never appear in the process's argv while it runs",
    async () => {
      const child = spawn(process.execPath, [MAIN, "optout", "add", "--as", "stina"], { env });
      let stdout = "";
      child.stdout.on("data", (d: Buffer) => {
        stdout += d.toString();
      });
      const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
      // Once the child has exec'd node it waits for its input: what `ps` shows then is all it shows.
      let argv: string[] = [];
      for (let tries = 0; tries < 500 && !argv.includes(MAIN); tries++) {
        argv = readFileSync(`/proc/${child.pid}/cmdline`, "utf8").split("\0");
        if (!argv.includes(MAIN)) await new Promise((r) => setTimeout(r, 20));
      }
      expect(argv).toContain("optout");
      expect(argv.join(" ")).not.toContain("131052");
      child.stdin.end(`${CODE}\n`);
      expect(await exited).toBe(0);
      expect(stdout).toMatch(/^opted out/);
    },
    E2E_TEST_TIMEOUT_MS,
  );
});

const hasScript = spawnSync("script", ["--version"]).status === 0;

describe.skipIf(!hasScript)("an identity code typed at a terminal", () => {
  it(
    "is not echoed",
    async () => {
      const tmp = tempDir();
      try {
        const env = { PATH: process.env.PATH, KAIVO_HOME: join(tmp.dir, "home") };
        expect(kaivo(["init"], env).status).toBe(0);
        kaivo(["user", "add", "stina", "--role", "steward", "--as", "admin"], env);
        // script(1) gives the command a terminal; what it shows is what a person would see.
        const command = `${process.execPath} ${MAIN} optout add --as stina`;
        const child = spawn("script", ["-q", "-e", "-c", command, "/dev/null"], { env });
        let shown = "";
        const prompted = new Promise<void>((resolve) =>
          child.stdout.on("data", (d: Buffer) => {
            shown += d.toString();
            if (shown.includes("(not shown): ")) resolve();
          }),
        );
        const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
        await prompted;
        child.stdin.write(`${CODE}\r`);
        expect(await exited).toBe(0);
        expect(shown).toMatch(/Identity code \(not shown\): \r?\nopted out/);
        expect(shown).not.toContain("131052");
      } finally {
        tmp.remove();
      }
    },
    E2E_TEST_TIMEOUT_MS,
  );
});

describe("opt-out with another identifier system", () => {
  it("keeps the identifier as configured, and matches the person loaded with it", async () => {
    const tmp = tempDir();
    try {
      const system = "urn:oid:1.2.246.10.99999.1";
      const dir = join(tmp.dir, "home");
      initHome(dir, {});
      const configFile = join(dir, CONFIG_FILE);
      const config = JSON.parse(readFileSync(configFile, "utf8"));
      config.identity.personIdentifierSystem = system;
      writeFileSync(configFile, JSON.stringify(config));
      const home = openHome(dir, {});
      // What a load does for each person: the vault registers the identifier as it came.
      const vault = Vault.open(home);
      const loaded = vault.registerPerson(system, "mrn-ab12c");
      vault.close();
      const store = await openControlStore(home);
      try {
        const stina: Actor = { name: "stina", role: "steward" };
        await addUser(store, { name: "system", role: "admin" }, stina);
        const ctx = { home, store, actor: stina };
        expect(await addOptout(ctx, " mrn-ab12c ")).toEqual({ added: true, matched: true });
        const rows = await store.db.selectFrom("optouts").select("pseudo_id").execute();
        expect(rows.map((r) => r.pseudo_id)).toEqual([loaded]);
        expect(lakePseudoId(homeKey(home, "lake"), system, "mrn-ab12c")).toBe(loaded);
        expect((await transparencyReport(ctx, "mrn-ab12c")).optedOut).toBe(true);
        expect(await addOptout(ctx, "MRN-AB12C")).toEqual({ added: true, matched: false });
      } finally {
        await store.close();
      }
    } finally {
      tmp.remove();
    }
  });
});
