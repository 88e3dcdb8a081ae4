import { chmodSync, lstatSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { sql } from "kysely";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ensureCatalogSchema } from "../src/catalog/catalog-store.js";
import { initHome, openHome } from "../src/home/home.js";
import { Lake } from "../src/lake/lake.js";
import { openControlStore } from "../src/store/control-store.js";
import { E2E_TEST_TIMEOUT_MS, kaivo } from "./support/cli.js";
import { DIALECTS, tempDir, tempPostgresDatabase } from "./support/stores.js";
import { asAttacker, forgeChain } from "./support/tamper.js";

// Every test here runs the CLI, several times: the limits hold on a machine a third as fast.
vi.setConfig({ testTimeout: E2E_TEST_TIMEOUT_MS, hookTimeout: E2E_TEST_TIMEOUT_MS });

describe.each(DIALECTS)("kaivo CLI on %s", (dialect) => {
  let env: NodeJS.ProcessEnv;
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    const tmp = tempDir();
    const database = dialect === "postgres" ? await tempPostgresDatabase() : undefined;
    env = { PATH: process.env.PATH, KAIVO_HOME: join(tmp.dir, "home") };
    if (database) env.KAIVO_DATABASE_URL = database.url;
    cleanup = async () => {
      await database?.drop();
      tmp.remove();
    };
  });
  afterEach(async () => {
    await cleanup();
  });

  it("init creates a home and a first admin, and is safe to run twice", () => {
    const first = kaivo(["init"], env);
    expect(first.stderr).toBe("");
    expect(first.status).toBe(0);
    expect(first.stdout).toMatch(/created kaivo\.json/);
    expect(first.stdout).toMatch(/created keys\/lake\.key/);
    expect(first.stdout).toMatch(/created user admin \(admin\)/);

    const second = kaivo(["init"], env);
    expect(second.status).toBe(0);
    expect(second.stdout).toMatch(/already exists; nothing changed/);
  });

  it("adds users as an admin, refuses others and unknown users", () => {
    kaivo(["init"], env);
    const added = kaivo(["user", "add", "anna", "--role", "researcher", "--as", "admin"], env);
    expect(added.status).toBe(0);
    expect(added.stdout).toContain("Added anna (researcher)");

    const asResearcher = kaivo(["user", "add", "bob", "--role", "admin", "--as", "anna"], env);
    expect(asResearcher.status).toBe(3);
    expect(asResearcher.stderr).toMatch(/anna \(researcher\) may not user\.add/);

    const unknown = kaivo(["user", "list"], { ...env, KAIVO_USER: "nobody" });
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toMatch(/Unknown user "nobody"/);

    const nobody = kaivo(["user", "list"], env);
    expect(nobody.status).toBe(1);
    expect(nobody.stderr).toMatch(/--as NAME or set KAIVO_USER/);

    const badRole = kaivo(["user", "add", "carl", "--role", "boss", "--as", "admin"], env);
    expect(badRole.status).toBe(1);
    expect(badRole.stderr).toMatch(/Unknown role "boss"/);

    const list = kaivo(["user", "list", "--json"], { ...env, KAIVO_USER: "admin" });
    expect(JSON.parse(list.stdout).map((u: { name: string }) => u.name)).toEqual(["admin", "anna"]);
  });

  it("audit verify passes on an intact log and fails at the tampered entry", async () => {
    kaivo(["init"], env);
    kaivo(["user", "add", "aino", "--role", "auditor", "--as", "admin"], env);
    kaivo(["user", "add", "anna", "--role", "researcher", "--as", "admin"], env);

    const ok = kaivo(["audit", "verify", "--as", "aino"], env);
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/Audit chain intact: 4 entries/);

    const tail = kaivo(["audit", "tail", "-n", "2", "--json", "--as", "aino"], env);
    expect(tail.status).toBe(0);
    const lines = tail.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.map((e: { seq: number }) => e.seq)).toEqual([4, 5]);

    const store = await openControlStore(openHome(env.KAIVO_HOME as string, env));
    try {
      if (store.dialect === "sqlite") await sql`drop trigger audit_log_no_update`.execute(store.db);
      else await sql`alter table audit_log disable trigger user`.execute(store.db);
      await store.db
        .updateTable("audit_log")
        .set({ target: "user:mallory" })
        .where("seq", "=", 3)
        .execute();
    } finally {
      await store.close();
    }
    const broken = kaivo(["audit", "verify", "--as", "aino"], env);
    expect(broken.status).toBe(4);
    expect(broken.stderr).toMatch(/BROKEN at entry 3 \(edited\)/);
  });

  it("audit verify tells a cut, wiped or rewritten log and bad checkpoints apart by exit code", async () => {
    const home = env.KAIVO_HOME as string;
    kaivo(["init"], env);
    const configFile = join(home, "kaivo.json");
    const config = JSON.parse(readFileSync(configFile, "utf8"));
    writeFileSync(configFile, JSON.stringify({ ...config, audit: { checkpointEvery: 2 } }));
    for (const [name, role] of [
      ["aino", "auditor"],
      ["anna", "researcher"],
      ["bert", "researcher"],
      ["cilla", "researcher"],
    ]) {
      expect(
        kaivo(["user", "add", name as string, "--role", role as string, "--as", "admin"], env)
          .status,
      ).toBe(0);
    }
    const verify = (...args: string[]) => kaivo(["audit", "verify", "--as", "aino", ...args], env);

    const ok = verify();
    expect(ok.stderr).toBe("");
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/Audit chain intact: 6 entries\.\nMatches signed checkpoint 6 of /);

    const signed = kaivo(["audit", "checkpoint", "--as", "aino"], env);
    expect(signed.status).toBe(0);
    expect(signed.stdout).toMatch(/^Signed checkpoint 8:[0-9a-f]{64} \(key [0-9a-f]{16}\)\.\n$/);
    expect(kaivo(["audit", "checkpoint", "--as", "anna"], env).status).toBe(3);

    const checkpoints = join(home, "audit-checkpoints.jsonl");
    const copy = join(home, "copy.jsonl");
    writeFileSync(copy, readFileSync(checkpoints, "utf8").replace(/"seq":6/, '"seq":5'));
    const edited = verify("--checkpoints", copy);
    expect(edited.status).toBe(9);
    expect(edited.stderr).toMatch(
      /Audit checkpoints DO NOT VERIFY: line \d+ of the checkpoint file/,
    );

    const none = verify("--checkpoints", join(home, "elsewhere.jsonl"));
    expect(none.status).toBe(10);
    expect(none.stderr).toMatch(
      /NOT CHECKPOINTED: the log has \d+ entries but there is no checkpoint file/,
    );

    const store = await openControlStore(openHome(home, env));
    try {
      await asAttacker(store, async () => {
        await store.db.deleteFrom("audit_log").where("seq", ">=", 5).execute();
      });
      const cut = verify();
      expect(cut.status).toBe(6);
      expect(cut.stderr).toMatch(/Audit log TRUNCATED: the log ends at entry 4 but checkpoint \d+/);

      await asAttacker(store, async () => {
        await store.db.deleteFrom("audit_log").execute();
      });
      const wiped = verify();
      expect(wiped.status).toBe(7);
      expect(wiped.stderr).toMatch(/Audit log WIPED: the log is empty/);

      await forgeChain(store, 20);
      const rewritten = verify();
      expect(rewritten.status).toBe(8);
      expect(rewritten.stderr).toMatch(
        /Audit log REWRITTEN: entry 1 is not the one checkpoint 1 signed/,
      );
    } finally {
      await store.close();
    }
  }, 240_000); // a dozen CLI processes: generous, for a loaded machine

  it("status names where the keys are but never shows them", () => {
    kaivo(["init"], env);
    const status = kaivo(["status", "--as", "admin"], env);
    expect(status.status).toBe(0);
    expect(status.stdout).toMatch(/audit log +2 entries, chain ok/);
    expect(status.stdout).toMatch(/lake key .*lake\.key \(mode 0600\)/);
    expect(status.stdout).toMatch(/lake +\S+lake\.duckdb \(not created yet/);
    const json = kaivo(["status", "--json", "--as", "admin"], env);
    expect(status.stdout).toMatch(
      /audit-signing key .*audit-signing\.key \(mode 0600\), public key id [0-9a-f]{16}/,
    );
    expect(status.stdout).toMatch(/checkpoints +latest 1 of /);
    for (const name of ["lake", "vault", "audit-signing"]) {
      const key = readFileSync(
        join(env.KAIVO_HOME as string, "keys", `${name}.key`),
        "utf8",
      ).trim();
      const hex = Buffer.from(key, "base64").toString("hex");
      for (const out of [status.stdout, status.stderr, json.stdout, json.stderr]) {
        expect(out).not.toContain(key);
        expect(out).not.toContain(hex);
      }
    }
  });
});

/** Every folder and file under `dir` whose mode is not 0700 (folders) or 0600 (files). */
function notPrivate(dir: string, root = dir): string[] {
  const out: string[] = [];
  const mode = lstatSync(dir).mode & 0o777;
  if (mode !== 0o700) out.push(`${relative(root, dir) || "."} ${mode.toString(8)}`);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...notPrivate(path, root));
    else if ((lstatSync(path).mode & 0o777) !== 0o600)
      out.push(`${relative(root, path)} ${(lstatSync(path).mode & 0o777).toString(8)}`);
  }
  return out;
}

/** A home folder made beforehand by someone else, open to all, as `mkdir` makes it under umask 022. */
function openFolder(dir: string): void {
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o755);
  writeFileSync(join(dir, "notes.txt"), "left here before init\n", { mode: 0o644 });
  chmodSync(join(dir, "notes.txt"), 0o644);
}

/** Runs `work` with the umask a login shell usually has, so the children do not inherit ours. */
function withOpenUmask<T>(work: () => T): T {
  const before = process.umask(0o022);
  try {
    return work();
  } finally {
    process.umask(before);
  }
}

describe("kaivo CLI without a home", () => {
  it("init makes an existing 0755 folder and everything in it private", () => {
    const tmp = tempDir();
    try {
      const env = { PATH: process.env.PATH, KAIVO_HOME: join(tmp.dir, "home") };
      openFolder(env.KAIVO_HOME);
      withOpenUmask(() => {
        expect(kaivo(["init"], env).status).toBe(0);
        const anna = kaivo(["user", "add", "anna", "--role", "researcher", "--as", "admin"], env);
        expect(anna.status).toBe(0);
      });
      expect(notPrivate(env.KAIVO_HOME)).toEqual([]);
      expect(readdirSync(env.KAIVO_HOME)).toContain("control.sqlite");
    } finally {
      tmp.remove();
    }
  });

  it("lists every command with a description", () => {
    const help = kaivo(["--help"], { PATH: process.env.PATH });
    expect(help.status).toBe(0);
    for (const command of ["demo", "init", "status", "user", "audit"]) {
      expect(help.stdout).toMatch(new RegExp(`\\n  ${command}\\b.*\\S`));
    }
  });

  it("tells the user to run init when there is no home", () => {
    const tmp = tempDir();
    try {
      const result = kaivo(["status", "--as", "admin"], {
        PATH: process.env.PATH,
        KAIVO_HOME: tmp.dir,
      });
      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(/No Kaivo home.*\n.*kaivo init/);
    } finally {
      tmp.remove();
    }
  });

  it("demo sets up a deployment and says what to do next", () => {
    const tmp = tempDir();
    try {
      const env = { PATH: process.env.PATH, KAIVO_HOME: join(tmp.dir, "demo") };
      openFolder(env.KAIVO_HOME);
      const result = withOpenUmask(() => kaivo(["demo"], env));
      // The lake, vault, control store, staging and the demo's release: all private.
      expect(notPrivate(env.KAIVO_HOME)).toEqual([]);
      expect(readdirSync(join(env.KAIVO_HOME, "releases")).length).toBeGreaterThan(0);
      expect(result.status).toBe(0);
      expect(result.stdout).toMatch(/load 1: \d+ records read, \d+ inserted/);
      expect(result.stdout).toMatch(/clinical\.person +\d+ rows +\d+ people/);
      expect(result.stdout).toMatch(/audit log: \d+ entries, chain intact/);
      expect(result.stdout).toMatch(/Next \(in another terminal, with the server running\):/);
      // Generated passwords are shown once; a second run only names the file.
      const password = /^ {2}riku +researcher +(\S+)$/m.exec(result.stdout)?.[1] ?? "";
      expect(password.length).toBeGreaterThanOrEqual(12);
      const again = kaivo(["demo"], env);
      expect(again.status).toBe(0);
      expect(again.stdout).not.toContain(password);
      expect(again.stdout).toMatch(/Demo logins: in .*demo-logins\.txt \(mode 0600\)/);

      const search = kaivo(["catalog", "search", "HbA1c", "--as", "riku"], env);
      expect(search.status).toBe(0);
      expect(search.stdout).toMatch(/code +lab:17863 +B -HbA1c/);
      const show = kaivo(["catalog", "show", "clinical.lab.local_code", "--as", "riku"], env);
      expect(show.stdout).toMatch(/17863 +B -HbA1c.*mmol\/mol/);
      const quality = kaivo(["quality", "report", "--as", "aino"], env);
      expect(quality.status).toBe(0);
      expect(quality.stdout).toMatch(/PASS +event_before_birth/);
      expect(kaivo(["quality", "report", "--as", "riku"], env).status).toBe(3);

      const examples = join(import.meta.dirname, "../examples/cohorts");
      const feasible = kaivo(
        [
          "feasibility",
          join(examples, "t2d-hba1c.json"),
          "--data",
          "clinical.lab.value",
          "--as",
          "riku",
        ],
        env,
      );
      expect(feasible.stderr).toBe("");
      expect(feasible.status).toBe(0);
      expect(feasible.stdout).toMatch(
        /t2d-hba1c \([0-9a-f]{12}\), snapshot \d+: (\d+|<5) persons \(counts perturbed, under 5 shown as <5; kaivo-sdc\/2 k=5 D=5 V=6 r=1 b=20\)/,
      );
      expect(feasible.stdout).toMatch(/remain after: never diagnosed with type 1 diabetes/);
      const explained = kaivo(
        ["cohort", "explain", join(examples, "mi-pci.json"), "--as", "riku"],
        env,
      );
      expect(explained.stdout).toMatch(/Inclusion rules, applied in order/);
      expect(explained.stdout).toMatch(/I21\* \(\d+ codes?, e\.g\. Acute/);
      const bad = join(tmp.dir, "bad.json");
      writeFileSync(
        bad,
        JSON.stringify({ name: "bad", entry: { events: { table: "clinical.labs" } } }),
      );
      const invalid = kaivo(["cohort", "validate", bad, "--as", "riku"], env);
      expect(invalid.status).toBe(1);
      expect(invalid.stdout).toMatch(
        /error +entry\.events\.table: clinical\.labs is not a table .*clinical\.lab/,
      );
    } finally {
      tmp.remove();
    }
  }, 300_000);

  it("quality report exits 5 when a fatal check is over its threshold", async () => {
    const tmp = tempDir();
    try {
      const env = { PATH: process.env.PATH, KAIVO_HOME: join(tmp.dir, "home") };
      expect(kaivo(["init", "--admin", "root"], env).status).toBe(0);
      expect(kaivo(["user", "add", "aino", "--role", "auditor", "--as", "root"], env).status).toBe(
        0,
      );
      const lake = await Lake.open(initHome(join(tmp.dir, "home"), {}).home);
      try {
        await ensureCatalogSchema(lake);
        await lake.connection.run("insert into _catalog.profile_runs values (1, 0.1, 0)");
        await lake.connection.run(
          "insert into _catalog.quality values (1, 'future_date', 'clinical', 'lab', 'event_date', 3, 10, 0, true)",
        );
      } finally {
        lake.close();
      }
      const report = kaivo(["quality", "report", "--as", "aino"], env);
      expect(report.stdout).toMatch(/FAIL +future_date +clinical\.lab\.event_date +3 of +10/);
      expect(report.status).toBe(5);
    } finally {
      tmp.remove();
    }
  });

  it("synth writes an export and reports it, and rejects bad arguments", () => {
    const tmp = tempDir();
    try {
      const out = join(tmp.dir, "x");
      const result = kaivo(["synth", "--patients", "50", "--out", out, "--days", "1", "--json"], {
        PATH: process.env.PATH,
      });
      expect(result.stderr).toBe("");
      expect(result.status).toBe(0);
      const summary = JSON.parse(result.stdout);
      expect(summary.exports.map((e: { dir: string }) => e.dir)).toEqual(["fhir", "day-1/fhir"]);
      expect(summary.peakRssMb).toBeGreaterThan(0);
      expect(
        JSON.parse(readFileSync(join(out, "fhir", "manifest.json"), "utf8")).output.length,
      ).toBeGreaterThan(5);
      const bad = kaivo(["synth", "--patients", "10", "--out", out, "--dirty", "2"], {
        PATH: process.env.PATH,
      });
      expect(bad.status).toBe(1);
      expect(bad.stderr).toMatch(/--dirty must be a fraction/);
    } finally {
      tmp.remove();
    }
  });
});
