import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { resolveToken } from "../src/auth/api-tokens.js";
import { verifyPassword } from "../src/auth/passwords.js";
import { openHome } from "../src/home/home.js";
import { openControlStore } from "../src/store/control-store.js";
import { E2E_TEST_TIMEOUT_MS, kaivo } from "./support/cli.js";
import { tempDir } from "./support/stores.js";

vi.setConfig({ testTimeout: E2E_TEST_TIMEOUT_MS, hookTimeout: E2E_TEST_TIMEOUT_MS });

const PASSWORD = "steward passphrase 77!";

// The services are tested on both dialects elsewhere; this is about the command line, so SQLite.
describe("kaivo user password / totp and kaivo token", () => {
  let env: NodeJS.ProcessEnv;
  let remove: () => void;

  beforeEach(() => {
    const tmp = tempDir();
    remove = tmp.remove;
    env = { PATH: process.env.PATH, KAIVO_HOME: join(tmp.dir, "home") };
    expect(kaivo(["init"], env).status).toBe(0);
    expect(kaivo(["user", "add", "sten", "--role", "steward", "--as", "admin"], env).status).toBe(
      0,
    );
  });
  afterEach(() => remove());

  async function withStore<T>(
    work: (store: Awaited<ReturnType<typeof openControlStore>>) => Promise<T>,
  ) {
    const store = await openControlStore(openHome(env.KAIVO_HOME ?? "", env));
    try {
      return await work(store);
    } finally {
      await store.close();
    }
  }

  it("sets a password read from standard input, never from the command line", async () => {
    const set = kaivo(["user", "password", "sten", "--as", "admin"], env, `${PASSWORD}\n`);
    expect(set.stderr).toBe("");
    expect(set.status).toBe(0);
    expect(await withStore((s) => verifyPassword(s, "sten", PASSWORD))).toBe(true);

    const asArgument = kaivo(
      ["user", "password", "sten", "another long password", "--as", "admin"],
      env,
    );
    expect(asArgument.status).not.toBe(0);
    expect(asArgument.stderr + asArgument.stdout).not.toContain("another long password");

    const weak = kaivo(["user", "password", "sten", "--as", "admin"], env, "short1\n");
    expect(weak.status).toBe(1);
    expect(weak.stderr).toMatch(/at least 12 characters/);
    expect(weak.stderr).not.toContain("short1");
    const withName = kaivo(
      ["user", "password", "sten", "--as", "admin"],
      env,
      "my name is sten, ok?\n",
    );
    expect(withName.stderr).toMatch(/user name/);

    const notAdmin = kaivo(["user", "password", "sten", "--as", "sten"], env, `${PASSWORD}\n`);
    expect(notAdmin.status).not.toBe(0);
    expect(notAdmin.stderr).toMatch(/may not user.password/);
  });

  it("ends every session of a user, and links an OIDC identity (admin)", async () => {
    const { createSession, resolveSession, sessionPolicy } = await import(
      "../src/auth/sessions.js"
    );
    const home = openHome(env.KAIVO_HOME ?? "", env);
    const policy = sessionPolicy(home.config.auth);
    const session = await withStore((s) =>
      createSession(
        s,
        { user: "sten", method: "password", secondFactor: true },
        policy,
        new Date(),
      ),
    );
    const out = kaivo(["user", "logout", "sten", "--as", "admin"], env);
    expect(out.stdout).toMatch(/Ended 1 session of sten/);
    expect(await withStore((s) => resolveSession(s, session.id, policy, new Date()))).toBeNull();
    const link = kaivo(
      [
        "user",
        "link",
        "sten",
        "--issuer",
        "https://idp.example.org",
        "--subject",
        "abc-123",
        "--as",
        "admin",
      ],
      env,
    );
    expect(link.status).toBe(0);
    const row = await withStore((s) =>
      s.db.selectFrom("user_identities").selectAll().executeTakeFirst(),
    );
    expect(row).toMatchObject({
      issuer: "https://idp.example.org",
      subject: "abc-123",
      user_name: "sten",
    });
    expect(
      kaivo(["user", "link", "sten", "--issuer", "x", "--subject", "y", "--as", "sten"], env)
        .status,
    ).not.toBe(0);
  });

  it("enrols a TOTP and prints the otpauth URI once, on stdout only", async () => {
    const enrol = kaivo(["user", "totp", "sten", "--as", "admin"], env);
    expect(enrol.status).toBe(0);
    const uri = enrol.stdout.trim();
    expect(uri).toMatch(/^otpauth:\/\/totp\/Kaivo:sten\?/);
    const secret = new URL(uri).searchParams.get("secret") ?? "";
    expect(enrol.stderr).not.toContain(secret);
    const audit = kaivo(["audit", "tail", "--as", "admin", "--json"], env);
    expect(audit.stdout).toContain("user.totp.enrol");
    expect(audit.stdout).not.toContain(secret);
  });

  it("creates a scoped token for oneself, lists it without the secret, and revokes it", async () => {
    const created = kaivo(
      ["token", "create", "--as", "sten", "--scope", "catalog.read,cohort.read", "--expires", "7"],
      env,
    );
    expect(created.status).toBe(0);
    const secret = created.stdout.trim();
    expect(secret).toMatch(/^kaivo_[A-Za-z0-9_-]{43}$/);
    const id = /Token (tok_[0-9a-f]{16})/.exec(created.stderr)?.[1] ?? "";
    expect(id).not.toBe("");
    const resolved = await withStore((s) => resolveToken(s, secret, new Date()));
    expect(resolved?.actor).toEqual({
      name: "sten",
      role: "steward",
      scope: ["catalog.read", "cohort.read"],
    });

    const list = kaivo(["token", "list", "--as", "sten"], env);
    expect(list.stdout).toContain(id);
    expect(list.stdout).not.toContain(secret);
    // The host command: an admin mints a user's token on the host, audited as such.
    const forOther = kaivo(["token", "create", "--as", "admin", "--user", "sten"], env);
    expect(forOther.status, forOther.stderr).toBe(0);
    const otherSecret = forOther.stdout.trim();
    const other = await withStore((s) => resolveToken(s, otherSecret, new Date()));
    expect(other?.actor).toMatchObject({ name: "sten", role: "steward" });
    // Someone else, even on the host, may not.
    const byOther = kaivo(["token", "create", "--as", "sten", "--user", "admin"], env);
    expect(byOther.status).not.toBe(0);
    expect(byOther.stderr).toMatch(/may not create a token for admin/);
    const tooLong = kaivo(["token", "create", "--as", "sten", "--expires", "4000"], env);
    expect(tooLong.status).toBe(1);

    expect(kaivo(["token", "revoke", id, "--as", "sten"], env).status).toBe(0);
    expect(await withStore((s) => resolveToken(s, secret, new Date()))).toBeNull();
    expect(kaivo(["token", "list", "--as", "sten", "--json"], env).stdout).toContain(
      '"revokedAt": "',
    );
    const audit = kaivo(["audit", "tail", "--as", "admin", "--json"], env);
    expect(audit.stdout).toContain("token.create");
    expect(audit.stdout).toContain("token.revoke");
    expect(audit.stdout).not.toContain(secret);
  });
});
