import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createToken, tokenPolicy } from "../src/auth/api-tokens.js";
import { setPassword } from "../src/auth/passwords.js";
import type { Actor } from "../src/auth/roles.js";
import { SYSTEM_ACTOR } from "../src/auth/roles.js";
import { enrolTotp, totpKey } from "../src/auth/totp.js";
import { addUser } from "../src/auth/users.js";
import { type Home, initHome } from "../src/home/home.js";
import { inboxDir } from "../src/lake/host.js";
import { type RunningServer, startServer } from "../src/server/serve.js";
import { serverAppOptions } from "../src/server/server-options.js";
import { openControlStore } from "../src/store/control-store.js";
import { DEFAULT_SYNTH_OPTIONS, runSynth } from "../src/synth/synth.js";
import { totpCode } from "./support/auth-app.js";
import { type CliResult, E2E_TEST_TIMEOUT_MS, kaivoAsync } from "./support/cli.js";
import { tempDir } from "./support/stores.js";

/**
 * The built CLI as a client of a real server (in this process, on loopback, over a real home with
 * a small lake) with the server's own authentication: passwords, a second factor, API tokens.
 */
const stina: Actor = { name: "stina", role: "steward" };
const riku: Actor = { name: "riku", role: "researcher" };
const tmp = tempDir("kaivo-cli-remote-");
const t2d = join(import.meta.dirname, "../examples/cohorts/t2d-hba1c.json");
let server: RunningServer;
let home: Home;
let stinaTotp: string;
const outputs: string[] = [];
const PASSWORDS = { stina: "steward passphrase 77!", riku: "researcher passphrase 42" };
/** Every secret the test hands the CLI: none may show in any of its output. */
const secrets: string[] = Object.values(PASSWORDS);
const configOf = (who: string) => join(tmp.dir, "config", who);

/** Runs `kaivo` as a user would, without blocking this process (the server runs in it). */
async function kaivo(
  who: string,
  args: string[],
  input?: string,
  extraEnv: NodeJS.ProcessEnv = {},
): Promise<CliResult> {
  const result = await kaivoAsync(args, {
    // No KAIVO_HOME (unless a test gives it): the CLI reaches the lake only through the server.
    env: {
      PATH: process.env.PATH,
      HOME: join(tmp.dir, "user-home"),
      KAIVO_CONFIG_DIR: configOf(who),
      ...extraEnv,
    },
    cwd: join(tmp.dir, "user-home"),
    ...(input !== undefined ? { input } : {}),
  });
  outputs.push(result.stdout, result.stderr);
  return result;
}

const credentialsOf = (who: string) =>
  JSON.parse(readFileSync(join(configOf(who), "credentials.json"), "utf8")) as Record<
    string,
    string
  >;

beforeAll(async () => {
  const data = join(tmp.dir, "synth");
  await runSynth({ ...DEFAULT_SYNTH_OPTIONS, patients: 300, seed: 3, days: 1, out: data });
  home = initHome(join(tmp.dir, "home"), {}).home;
  const store = await openControlStore(home);
  for (const a of [stina, riku]) {
    await addUser(store, { name: "system", role: "admin" }, a);
    await setPassword(store, SYSTEM_ACTOR, a.name, PASSWORDS[a.name as keyof typeof PASSWORDS]);
  }
  // A steward's sign-in needs a second factor: an authenticator enrolled for stina.
  stinaTotp = (
    await enrolTotp(store, stina, "stina", totpKey(home), { issuer: "Kaivo", now: new Date() })
  ).uri;
  await store.close();
  cpSync(data, join(inboxDir(home), "ehr"), { recursive: true });
  mkdirSync(join(tmp.dir, "user-home"), { recursive: true });
  server = await startServer(home, {
    host: "127.0.0.1",
    port: 0,
    // What `kaivo serve` mounts: session and token authentication, the auth routes.
    app: serverAppOptions(home).app,
  });
}, 180_000);

afterAll(async () => {
  await server?.close();
  tmp.remove();
});

describe("the CLI as a client of the server", () => {
  it(
    "logs in with a password (and a second factor) from standard input into a 0600 file",
    async () => {
      const r = await kaivo(
        "riku",
        ["login", "--server", server.url, "--user", "riku"],
        `${PASSWORDS.riku}\n`,
      );
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      expect(r.stdout).toContain(
        `Logged in to ${server.url} as riku (researcher); the token expires at`,
      );
      const code = totpCode(stinaTotp, new Date());
      const s = await kaivo(
        "stina",
        ["login", "--server", server.url, "--user", "stina"],
        `${PASSWORDS.stina}\n${code}\n`,
      );
      expect(s.status, s.stderr).toBe(0);
      expect(s.stdout).toContain(`Logged in to ${server.url} as stina (steward)`);
      for (const who of ["stina", "riku"]) {
        const file = join(configOf(who), "credentials.json");
        expect(statSync(file).mode & 0o777).toBe(0o600);
        expect(statSync(configOf(who)).mode & 0o777).toBe(0o700);
        const saved = credentialsOf(who);
        expect(saved).toMatchObject({
          server: server.url,
          user: who,
          tokenId: expect.stringMatching(/^tok_/),
        });
        expect(saved.token).toMatch(/^kaivo_/);
        secrets.push(saved.token as string);
      }
      const me = await kaivo("stina", ["whoami"]);
      expect(me.stdout).toContain(`stina (steward) at ${server.url}`);
      // The login's session was signed out: only the token remains.
      const sessions = await server.store.db
        .selectFrom("auth_sessions")
        .selectAll()
        .where("ended_at", "is", null)
        .execute()
        .catch(() => []);
      expect(sessions).toEqual([]);
    },
    E2E_TEST_TIMEOUT_MS,
  );

  it("refuses a wrong password, and a second factor that is missing", async () => {
    const r = await kaivo("nobody", ["login", "--server", server.url, "--user", "riku"], "wrong\n");
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`kaivo: ${server.url} did not sign riku in`);
    expect(existsSync(join(configOf("nobody"), "credentials.json"))).toBe(false);
    const noCode = await kaivo(
      "nobody",
      ["login", "--server", server.url, "--user", "stina"],
      `${PASSWORDS.stina}\n`,
    );
    expect(noCode.status).toBe(1);
    expect(noCode.stderr).toContain("Standard input ended before the TOTP code.");
    expect(existsSync(join(configOf("nobody"), "credentials.json"))).toBe(false);
  });

  it("logs in with a token from standard input, made on the host, and refuses a wrong one", async () => {
    const { secret } = await createToken(
      server.store,
      stina,
      { label: "made on the host" },
      tokenPolicy(home.config.auth),
      new Date(),
    );
    secrets.push(secret);
    const r = await kaivo(
      "stina-token",
      ["login", "--server", server.url, "--token-stdin"],
      `${secret}\n`,
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(`Logged in to ${server.url} as stina (steward)`);
    expect(credentialsOf("stina-token").token).toBe(secret);
    const wrong = await kaivo(
      "nobody",
      ["login", "--server", server.url, "--token-stdin"],
      "kaivo_wrong\n",
    );
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toMatch(/did not accept your login/);
    expect(existsSync(join(configOf("nobody"), "credentials.json"))).toBe(false);
  });

  it("refuses plain http to another machine and a password in the URL", async () => {
    const r = await kaivo("x", ["login", "--server", "http://kaivo.example.org", "--token-stdin"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/plain http to another machine/);
    const u = await kaivo("x", ["login", "--server", "https://a:b@kaivo.example.org"]);
    expect(u.stderr).toMatch(/no user name or password in the URL/);
  });

  it("shows the status of the server's home", async () => {
    const r = await kaivo("stina", ["status"]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`server         ${server.url} as stina (steward)`);
    expect(r.stdout).toContain(join(tmp.dir, "home"));
    expect(r.stdout).toMatch(/audit log +\d+ entries, chain ok/);
  });

  it("refuses --as while logged in, and commands that run only on the host", async () => {
    const as = await kaivo("stina", ["--as", "riku", "status"]);
    expect(as.status).toBe(1);
    expect(as.stderr).toContain(
      `--as is for direct mode on the host; you are logged in to ${server.url} as stina.`,
    );
    expect(as.stderr).toContain("`kaivo logout` to use direct mode");
    const password = await kaivo("stina", ["user", "password", "riku"], "new password 123\n");
    expect(password.status).toBe(1);
    expect(password.stderr).toContain(
      "`kaivo user password` runs only on the host, in direct mode: it sets another user's password",
    );
    expect(password.stderr).not.toContain("new password 123");
  });

  it(
    "queues an ingest with --no-wait, lists, shows and cancels it",
    async () => {
      // A job holding the writer slot keeps the ingest queued long enough to cancel it.
      const release = await server.host.acquireWriter();
      const blocker = await server.jobs.submit(stina, "optout.refresh", {}, "hold the writer");
      try {
        const q = await kaivo("stina", [
          "ingest",
          "ehr/fhir",
          "--no-wait",
          "--reason",
          "to be cancelled",
        ]);
        expect(q.stderr).toBe("");
        expect(q.status).toBe(0);
        const id = Number(/job (\d+): ingest of ehr\/fhir/.exec(q.stdout)?.[1]);
        expect(id).toBeGreaterThan(blocker.id);
        const list = await kaivo("stina", ["job", "list"]);
        expect(list.stdout).toMatch(new RegExp(`\\s${id}\\s+ingest\\s+queued\\s+stina`));
        const show = await kaivo("stina", ["job", "show", String(id), "--json"]);
        expect(JSON.parse(show.stdout)).toMatchObject({ id, kind: "ingest", status: "queued" });
        // A researcher sees only their own jobs.
        const theirs = await kaivo("riku", ["job", "show", String(id)]);
        expect(theirs.status).toBe(1);
        expect(theirs.stderr).toContain(`There is no job ${id}.`);
        const cancel = await kaivo("stina", ["job", "cancel", String(id)]);
        expect(cancel.stdout).toContain(`job ${id}: cancelled`);
        const watch = await kaivo("stina", ["job", "watch", String(id)]);
        expect(watch.status).toBe(1);
        expect(watch.stdout).toContain(`job ${id}: ingest, cancelled`);
      } finally {
        release();
      }
      expect((await server.jobs.waitFor(blocker.id)).status).toBe("done");
    },
    E2E_TEST_TIMEOUT_MS,
  );

  it("refuses an ingest without a reason, by a researcher, or of a path not in the inbox", async () => {
    const noReason = await kaivo("stina", ["ingest", "ehr/fhir"]);
    expect(noReason.status).toBe(1);
    expect(noReason.stderr).toContain("--reason");
    const researcher = await kaivo("riku", ["ingest", "ehr/fhir", "--reason", "x"]);
    expect(researcher.status).toBe(3);
    expect(researcher.stderr).toMatch(/may not/);
    const missing = await kaivo("stina", ["ingest", "nothing-here", "--reason", "x"]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain("There is no nothing-here in the inbox.");
  });

  it(
    "runs an ingest as a job on the server, with progress, and exits 0 when it is done",
    async () => {
      const r = await kaivo("stina", ["ingest", "ehr/fhir", "--reason", "initial export"]);
      expect(r.status, r.stderr).toBe(0);
      const id = Number(/job (\d+): ingest of ehr\/fhir/.exec(r.stderr)?.[1]);
      expect(r.stderr).toContain(`job ${id}: running`);
      expect(r.stderr).toMatch(new RegExp(`job ${id}: fhir checked [\\d.]+/[\\d.]+ MB, loaded`));
      expect(r.stdout).toContain(`job ${id}: ingest, done`);
      expect(r.stdout).toMatch(/load 1 \(ehr\): read \d+, inserted \d+/);
      const watch = await kaivo("stina", ["job", "watch", String(id), "--json"]);
      expect(watch.status).toBe(0);
      expect(JSON.parse(watch.stdout)).toMatchObject({ id, status: "done" });
    },
    E2E_TEST_TIMEOUT_MS,
  );

  it("finds data in the catalog", async () => {
    const search = await kaivo("riku", ["catalog", "search", "hba1c"]);
    expect(search.status, search.stderr).toBe(0);
    expect(search.stdout).not.toContain("nothing found");
    const list = await kaivo("riku", ["catalog", "list"]);
    expect(list.status, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/^disclosure: /);
    const show = await kaivo("stina", ["catalog", "show", "clinical", "--json"]);
    expect(show.status, show.stderr).toBe(0);
    expect(JSON.parse(show.stdout)).toMatchObject({ level: "registry" });
    const annotate = await kaivo("stina", [
      "catalog",
      "annotate",
      "clinical.lab",
      "--keywords",
      "lab, HbA1c",
    ]);
    expect(annotate.stdout, annotate.stderr).toContain("clinical.lab: keywords annotated");
    const notYours = await kaivo("riku", [
      "catalog",
      "annotate",
      "clinical.lab",
      "--keywords",
      "x",
    ]);
    expect(notYours.status).toBe(3);
    const none = await kaivo("riku", ["catalog", "show", "nosuch"]);
    expect(none.status).toBe(1);
  });

  it("assesses feasibility from a local definition: perturbed for researchers, exact for stewards", async () => {
    const researcher = await kaivo("riku", ["feasibility", t2d]);
    expect(researcher.status, researcher.stderr).toBe(0);
    expect(researcher.stdout).toMatch(/persons \(counts perturbed, under \d+ shown as <\d+/);
    const steward = await kaivo("stina", ["feasibility", t2d, "--json"]);
    expect(steward.status, steward.stderr).toBe(0);
    expect(JSON.parse(steward.stdout)).toMatchObject({ exact: true });
    const bad = await kaivo("riku", ["feasibility", join(tmp.dir, "missing.json")]);
    expect(bad.status).toBe(1);
  });

  it(
    "runs the other converted commands through the server: lake, quality, cohorts, quarantine",
    async () => {
      const snapshots = await kaivo("stina", ["lake", "snapshots"]);
      expect(snapshots.status, snapshots.stderr).toBe(0);
      expect(snapshots.stdout).toMatch(/^ {3}1 {2}\S+ {2}ehr$/m);
      const tables = await kaivo("stina", ["lake", "tables", "--json"]);
      expect(JSON.parse(tables.stdout).some((t: { table: string }) => t.table === "lab")).toBe(
        true,
      );
      const forbidden = await kaivo("riku", ["lake", "snapshots"]);
      expect(forbidden.status).toBe(3);
      const quality = await kaivo("stina", ["quality", "report"]);
      expect([0, 5]).toContain(quality.status);
      expect(quality.stdout).toContain("quality of snapshot 1");
      const validate = await kaivo("riku", ["cohort", "validate", t2d]);
      expect(validate.status, validate.stderr).toBe(0);
      expect(validate.stdout).toMatch(/^t2d-hba1c: valid, version [0-9a-f]{12}$/m);
      const explain = await kaivo("riku", ["cohort", "explain", t2d]);
      expect(explain.status, explain.stderr).toBe(0);
      expect(explain.stdout.length).toBeGreaterThan(50);
      const sql = await kaivo("riku", ["cohort", "sql", t2d]);
      expect(sql.status, sql.stderr).toBe(0);
      expect(sql.stdout).toMatch(/select/i);
      const list = await kaivo("riku", ["cohort", "list"]);
      expect(list.stdout).toContain("t2d-hba1c");
      const permits = await kaivo("riku", ["permit", "list", "--json"]);
      expect(permits.status, permits.stderr).toBe(0);
      expect(JSON.parse(permits.stdout)).toEqual([]);
      const noPermit = await kaivo("riku", ["permit", "show", "P-nosuch"]);
      expect(noPermit.status).toBe(1);
      const releases = await kaivo("stina", ["release", "list", "--json"]);
      expect(releases.status, releases.stderr).toBe(0);
      const optouts = await kaivo("stina", ["optout", "list"]);
      expect(optouts.stdout).toContain("0 opted out");
      const vocab = await kaivo("riku", ["vocab", "lookup", "lab", "17863"]);
      expect(vocab.status, vocab.stderr).toBe(0);
      // Reading the audit log is for auditors and admins, through the server as directly.
      const audit = await kaivo("stina", ["audit", "tail"]);
      expect(audit.status).toBe(3);
      // Writes are jobs: asked for with a reason, followed to the end.
      const run = await kaivo("stina", ["cohort", "run", t2d, "--reason", "for a release"]);
      expect(run.status, run.stderr).toBe(0);
      expect(run.stdout).toMatch(/^job \d+: cohort\.run, done$/m);
      const noRun = await kaivo("riku", ["cohort", "run", t2d, "--reason", "x"]);
      expect(noRun.status).toBe(3);
      const noRelease = await kaivo("stina", ["release", "create", "P-nosuch", "--reason", "x"]);
      expect(noRelease.status).toBe(1);
      const out = await kaivo("stina", [
        "release",
        "create",
        "P-1",
        "--reason",
        "x",
        "--out",
        "/tmp",
      ]);
      expect(out.stderr).toContain("--out is for direct mode");
      const quarantine = await kaivo("stina", ["quarantine", "list", "--json"]);
      expect(quarantine.status, quarantine.stderr).toBe(0);
      expect(Array.isArray(JSON.parse(quarantine.stdout))).toBe(true);
    },
    E2E_TEST_TIMEOUT_MS,
  );

  it("logs out, revoking the token: a copy of the file is then refused with a 401", async () => {
    mkdirSync(configOf("stale"), { recursive: true, mode: 0o700 });
    writeFileSync(
      join(configOf("stale"), "credentials.json"),
      readFileSync(join(configOf("riku"), "credentials.json")),
      { mode: 0o600 },
    );
    const r = await kaivo("riku", ["logout"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`Logged out of ${server.url} (riku).`);
    expect(r.stderr).toBe("");
    expect(existsSync(join(configOf("riku"), "credentials.json"))).toBe(false);
    const stale = await kaivo("stale", ["catalog", "list"]);
    expect(stale.status).toBe(1);
    expect(stale.stderr).toContain(`kaivo: The server at ${server.url} did not accept your login`);
    expect(stale.stderr).toContain(`kaivo login --server ${server.url}`);
  });

  it("logs out of a token made on the host, revoking it too (the server told its id)", async () => {
    const { tokenId } = credentialsOf("stina-token");
    expect(tokenId).toMatch(/^tok_/);
    const r = await kaivo("stina-token", ["logout"]);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe("");
    expect(existsSync(join(configOf("stina-token"), "credentials.json"))).toBe(false);
    const row = await server.store.db
      .selectFrom("auth_tokens")
      .select("revoked_by")
      .where("id", "=", tokenId as string)
      .executeTakeFirstOrThrow();
    expect(row.revoked_by).toBe("stina");
  });

  it("logs out of a saved login whose token id is not known, saying it could not revoke it", async () => {
    const { secret } = await createToken(
      server.store,
      stina,
      { label: "an old login" },
      tokenPolicy(home.config.auth),
      new Date(),
    );
    secrets.push(secret);
    mkdirSync(configOf("old-login"), { recursive: true, mode: 0o700 });
    // As a login saved before /api/auth/me told token ids.
    writeFileSync(
      join(configOf("old-login"), "credentials.json"),
      JSON.stringify({
        server: server.url,
        user: "stina",
        role: "steward",
        token: secret,
        savedAt: new Date().toISOString(),
      }),
      { mode: 0o600 },
    );
    const r = await kaivo("old-login", ["logout"]);
    expect(r.status).toBe(0);
    expect(r.stderr).toContain("the token was not revoked on the server");
    expect(existsSync(join(configOf("old-login"), "credentials.json"))).toBe(false);
  });

  it("runs the job commands in direct mode on the host without a login", async () => {
    const r = await kaivo(
      "riku",
      ["--as", "stina", "job", "list", "--status", "done", "--json"],
      undefined,
      {
        KAIVO_HOME: join(tmp.dir, "home"),
      },
    );
    expect(r.status, r.stderr).toBe(0);
    const jobs = JSON.parse(r.stdout) as Array<{ kind: string; status: string }>;
    expect(jobs.some((j) => j.kind === "ingest" && j.status === "done")).toBe(true);
  });

  it("never prints a token or a password", () => {
    expect(outputs.length).toBeGreaterThan(20);
    expect(secrets.length).toBeGreaterThanOrEqual(5);
    for (const o of outputs) for (const secret of secrets) expect(o).not.toContain(secret);
  });
});

/** openssl makes the test's certificate authority; without it the TLS test is skipped. */
const hasOpenssl = spawnSync("openssl", ["version"]).status === 0;

describe.skipIf(!hasOpenssl)(
  "the CLI over https with the hospital's own certificate authority",
  () => {
    let tlsServer: RunningServer | undefined;
    afterAll(async () => {
      await tlsServer?.close();
    });

    it(
      "refuses the server's certificate without KAIVO_CA_FILE, and trusts it with it",
      async () => {
        const dir = join(tmp.dir, "tls");
        mkdirSync(dir, { recursive: true });
        const ssl = (...args: string[]) => {
          const r = spawnSync("openssl", args, { cwd: dir, encoding: "utf8" });
          if (r.status !== 0) throw new Error(r.stderr);
        };
        ssl(
          "req",
          "-x509",
          "-newkey",
          "rsa:2048",
          "-nodes",
          "-keyout",
          "ca.key",
          "-out",
          "ca.pem",
          "-days",
          "2",
          "-subj",
          "/CN=Kaivo test CA",
        );
        ssl(
          "req",
          "-newkey",
          "rsa:2048",
          "-nodes",
          "-keyout",
          "server.key",
          "-out",
          "server.csr",
          "-subj",
          "/CN=localhost",
        );
        writeFileSync(join(dir, "ext.cnf"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
        ssl(
          "x509",
          "-req",
          "-in",
          "server.csr",
          "-CA",
          "ca.pem",
          "-CAkey",
          "ca.key",
          "-CAcreateserial",
          "-out",
          "server.pem",
          "-days",
          "2",
          "-extfile",
          "ext.cnf",
        );
        const base = initHome(join(dir, "home"), {}).home;
        const tlsHome: Home = {
          ...base,
          config: {
            ...base.config,
            server: {
              ...base.config.server,
              tls: { certFile: join(dir, "server.pem"), keyFile: join(dir, "server.key") },
            },
          },
        };
        const store = await openControlStore(tlsHome);
        await addUser(store, { name: "system", role: "admin" }, riku);
        const { secret } = await createToken(
          store,
          riku,
          {},
          tokenPolicy(tlsHome.config.auth),
          new Date(),
        );
        await store.close();
        secrets.push(secret);
        tlsServer = await startServer(tlsHome, {
          host: "127.0.0.1",
          port: 0,
          app: serverAppOptions(tlsHome).app,
        });
        const url = tlsServer.url.replace("127.0.0.1", "localhost");
        expect(url).toMatch(/^https:/);
        const untrusted = await kaivo(
          "tls",
          ["login", "--server", url, "--token-stdin"],
          `${secret}\n`,
        );
        expect(untrusted.status).toBe(1);
        expect(untrusted.stderr).toContain("has a certificate this computer does not trust");
        expect(untrusted.stderr).toContain("KAIVO_CA_FILE");
        const env = { KAIVO_CA_FILE: join(dir, "ca.pem") };
        const trusted = await kaivo(
          "tls",
          ["login", "--server", url, "--token-stdin"],
          `${secret}\n`,
          env,
        );
        expect(trusted.status, trusted.stderr).toBe(0);
        const me = await kaivo("tls", ["whoami"], undefined, env);
        expect(me.stdout).toContain(`riku (researcher) at ${url}`);
      },
      E2E_TEST_TIMEOUT_MS,
    );
  },
);
