import { createHmac } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { tempDir } from "../../test/support/stores.js";
import { homeKey, initHome } from "../home/home.js";
import { SecretKey } from "../home/keys.js";
import { open, seal } from "./crypto-box.js";
import { identifierKey } from "./person-identifiers.js";
import { lakePseudoId } from "./pseudonym.js";
import { Vault } from "./vault.js";

const HETU = "131052-308T";
const SYSTEM = "urn:oid:1.2.246.21";

describe("lake pseudo-IDs", () => {
  it("are stable for a person, differ between people and between keys, and are short", () => {
    const a = new SecretKey(Buffer.alloc(32, 1));
    const b = new SecretKey(Buffer.alloc(32, 2));
    expect(lakePseudoId(a, SYSTEM, HETU)).toBe(lakePseudoId(a, SYSTEM, HETU));
    expect(lakePseudoId(a, SYSTEM, HETU)).toMatch(/^[a-z2-7]{16}$/);
    expect(lakePseudoId(a, SYSTEM, "131052A308T")).not.toBe(lakePseudoId(a, SYSTEM, HETU)); // the sign distinguishes people
    expect(lakePseudoId(b, SYSTEM, HETU)).not.toBe(lakePseudoId(a, SYSTEM, HETU));
  });
});

describe("crypto box", () => {
  it("round-trips, and refuses a changed ciphertext or another context", () => {
    const key = new SecretKey(Buffer.alloc(32, 3));
    const sealed = seal(key, "person:x", HETU);
    expect(open(key, "person:x", sealed).toString()).toBe(HETU);
    expect(() => open(key, "person:y", sealed)).toThrow();
    const tampered = Buffer.from(sealed);
    tampered[tampered.length - 1] = (tampered[tampered.length - 1] ?? 0) ^ 1;
    expect(() => open(key, "person:x", tampered)).toThrow();
  });

  it("gives every value its own IV, past a refill of the IV pool", () => {
    const key = new SecretKey(Buffer.alloc(32, 3));
    const sealed = Array.from({ length: 2500 }, () => seal(key, "person:x", HETU));
    const ivs = new Set(sealed.map((s) => s.subarray(0, 12).toString("hex")));
    expect(ivs.size).toBe(sealed.length);
    expect(ivs.has("0".repeat(24))).toBe(false);
    for (const s of sealed) expect(open(key, "person:x", s).toString()).toBe(HETU);
  });
});

describe("the vault", () => {
  let tmp: ReturnType<typeof tempDir>;
  let vault: Vault;
  beforeEach(() => {
    tmp = tempDir();
    vault = Vault.open(initHome(tmp.dir, {}).home);
  });
  afterEach(() => {
    vault.close();
    tmp.remove();
  });

  it("maps identifiers and source ids to pseudo-IDs, storing neither in the clear", () => {
    const pseudoId = vault.registerPerson(SYSTEM, HETU);
    expect(vault.registerPerson(SYSTEM, HETU)).toBe(pseudoId);
    expect(pseudoId).toBe(lakePseudoId(homeKey(initHome(tmp.dir, {}).home, "lake"), SYSTEM, HETU));
    vault.linkSource("ehr", "patient-123", pseudoId);
    vault.rememberNames(pseudoId, ["Väinö", "Ahonen"]);
    vault.quarantine({
      loadId: 1,
      source: "ehr",
      file: "Patient-1.ndjson",
      line: 7,
      reason: "invalid hetu",
      raw: `{"hetu":"${HETU}"}`,
    });
    expect(vault.findBySource("ehr", "patient-123")).toBe(pseudoId);
    expect(vault.findBySource("other", "patient-123")).toBeUndefined();
    expect(vault.nameChecker(pseudoId)("väinö")).toBe(true);
    expect(vault.nameChecker(pseudoId)("Matti")).toBe(false);
    vault.close();
    const file = join(tmp.dir, "vault.sqlite");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const bytes = readFileSync(file);
    for (const secret of [HETU, "patient-123", "Ahonen", "Väinö"])
      expect(bytes.includes(Buffer.from(secret))).toBe(false);
    vault = Vault.open(initHome(tmp.dir, {}).home);
  });

  it("keeps the person's identifier values as keyed hashes only, added to over loads", () => {
    const pseudoId = vault.registerPerson(SYSTEM, HETU);
    vault.rememberIdentifiers(pseudoId, ["7700123456"].map(identifierKey));
    vault.rememberIdentifiers(pseudoId, ["123-45-6789"].map(identifierKey));
    const other = vault.registerPerson(SYSTEM, "010101-123N");
    const isIdentifier = vault.identifierChecker(pseudoId);
    expect(isIdentifier(identifierKey("770 012 3456"))).toBe(true);
    expect(isIdentifier(identifierKey("123 45 6789"))).toBe(true);
    expect(isIdentifier(identifierKey("7700123457"))).toBe(false);
    expect(vault.identifierChecker(other)(identifierKey("7700123456"))).toBe(false);
    vault.close();
    const bytes = readFileSync(join(tmp.dir, "vault.sqlite"));
    for (const secret of ["7700123456", "123-45-6789", "123456789"])
      expect(bytes.includes(Buffer.from(secret))).toBe(false);
    vault = Vault.open(initHome(tmp.dir, {}).home);
    expect(vault.identifierChecker(pseudoId)(identifierKey("7700123456"))).toBe(true);
  });

  it("keeps name-word hashes from loads and from vaults of the older one-row-per-word layout", () => {
    const pseudoId = vault.registerPerson(SYSTEM, HETU);
    vault.rememberNames(pseudoId, ["Väinö", "Ahonen"]);
    vault.rememberNames(pseudoId, ["Ahonen", "Liisa"]);
    vault.close();
    const file = join(tmp.dir, "vault.sqlite");
    const db = new Database(file);
    const word = createHmac("sha256", homeKey(initHome(tmp.dir, {}).home, "vault").bytes())
      .update("name|mikko")
      .digest("base64url");
    db.exec(
      "create table name_tokens (pseudo_id text, token text, primary key (pseudo_id, token))",
    );
    db.prepare("insert into name_tokens values (?, ?)").run(pseudoId, word);
    db.close();
    vault = Vault.open(initHome(tmp.dir, {}).home);
    const isName = vault.nameChecker(pseudoId);
    for (const name of ["väinö", "AHONEN", "Liisa", "Mikko"]) expect(isName(name), name).toBe(true);
    expect(isName("Matti")).toBe(false);
  });

  it("quarantines a line once, encrypted, and gives it back to whoever may read it", () => {
    const entry = {
      loadId: 1,
      source: "ehr",
      file: "Observation-1.ndjson",
      line: 3,
      reason: "malformed JSON",
      raw: "{oops",
    };
    vault.quarantine(entry);
    vault.quarantine({ ...entry, loadId: 2 });
    const listed = vault.listQuarantine();
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({
      file: "Observation-1.ndjson",
      line: 3,
      reason: "malformed JSON",
      status: "open",
    });
    expect(vault.quarantinedRecord(listed[0]?.id ?? 0)).toBe("{oops");
    vault.markRetried(listed[0]?.id ?? 0);
    expect(vault.listQuarantine({ status: "open" })).toHaveLength(0);
  });
});
