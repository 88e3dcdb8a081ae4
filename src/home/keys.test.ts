import { chmodSync, readFileSync, rmSync, statSync } from "node:fs";
import { inspect } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { tempDir } from "../../test/support/stores.js";
import { ConfigError } from "../shared/errors.js";
import { initHome, openHome } from "./home.js";
import { KEY_NAMES, keyFile, loadKey, SecretKey } from "./keys.js";

describe("keys", () => {
  let tmp: ReturnType<typeof tempDir>;
  let previousUmask: number;
  beforeEach(() => {
    tmp = tempDir();
    previousUmask = process.umask(0); // the most permissive umask: modes must not depend on it
  });
  afterEach(() => {
    process.umask(previousUmask);
    tmp.remove();
  });

  it("generates 32-byte keys into files with mode 0600, in a 0700 folder", () => {
    const { home } = initHome(tmp.dir, {});
    expect(statSync(home.keysDir).mode & 0o777).toBe(0o700);
    for (const name of KEY_NAMES) {
      const file = keyFile(home.keysDir, name);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(Buffer.from(readFileSync(file, "utf8").trim(), "base64")).toHaveLength(32);
    }
    expect(loadKey(home.keysDir, "lake", {}).bytes()).not.toEqual(
      loadKey(home.keysDir, "vault", {}).bytes(),
    );
  });

  it("tells the admin of a home from before audit checkpoints to run init, which adds the key", () => {
    const { home } = initHome(tmp.dir, {});
    const file = keyFile(home.keysDir, "audit-signing");
    rmSync(file);
    expect(() => openHome(tmp.dir, {})).toThrow(/audit-signing key file .* is missing/);
    expect(initHome(tmp.dir, {}).created).toEqual([file]);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(() => openHome(tmp.dir, {})).not.toThrow();
  });

  it("never overwrites an existing key on a second init", () => {
    const { home } = initHome(tmp.dir, {});
    const before = readFileSync(keyFile(home.keysDir, "lake"));
    const again = initHome(tmp.dir, {});
    expect(again.created).toEqual([]);
    expect(readFileSync(keyFile(home.keysDir, "lake"))).toEqual(before);
  });

  it("refuses to start when a key file is readable by others or the group", () => {
    const { home } = initHome(tmp.dir, {});
    const file = keyFile(home.keysDir, "vault");
    for (const mode of [0o644, 0o640, 0o604]) {
      chmodSync(file, mode);
      expect(() => openHome(tmp.dir, {})).toThrow(ConfigError);
      expect(() => openHome(tmp.dir, {})).toThrow(/readable by others.*refuses to start/);
    }
    chmodSync(file, 0o600);
    expect(() => openHome(tmp.dir, {})).not.toThrow();
  });

  it("takes keys from the environment without creating files, and never echoes a bad one", () => {
    const env = {
      KAIVO_LAKE_KEY: Buffer.alloc(32, 7).toString("base64"),
      KAIVO_VAULT_KEY: "ab".repeat(32),
      KAIVO_AUDIT_SIGNING_KEY: Buffer.alloc(32, 9).toString("base64"),
    };
    const { home, created } = initHome(tmp.dir, env);
    expect(created.some((p) => p.endsWith(".key"))).toBe(false);
    expect(loadKey(home.keysDir, "lake", env).bytes()).toEqual(Buffer.alloc(32, 7));
    expect(loadKey(home.keysDir, "vault", env).bytes()).toEqual(Buffer.alloc(32, 0xab));

    const secretish = "c2VjcmV0LWJ1dC10b28tc2hvcnQ=";
    const error = (() => {
      try {
        loadKey(home.keysDir, "lake", { KAIVO_LAKE_KEY: secretish });
      } catch (e) {
        return e as Error;
      }
      throw new Error("expected an error");
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toContain("KAIVO_LAKE_KEY");
    expect(error.message).not.toContain(secretish);
  });

  it("does not reveal key material when printed, serialised or inspected", () => {
    const key = new SecretKey(Buffer.alloc(32, 0x5a));
    const hex = key.bytes().toString("hex");
    const base64 = key.bytes().toString("base64");
    for (const shown of [String(key), `${key}`, JSON.stringify({ key }), inspect({ key })]) {
      expect(shown).not.toContain(hex);
      expect(shown).not.toContain(base64);
      expect(shown).toContain("[SecretKey]");
    }
  });
});
