import { parseOptions } from "@node-rs/argon2";
import { URI } from "otpauth";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DIALECTS, type TestDeployment, testDeployment } from "../../test/support/stores.js";
import { ForbiddenError, ValidationError } from "../shared/errors.js";
import { createToken, resolveScope, resolveToken } from "./api-tokens.js";
import { checkPasswordPolicy, setPassword, verifyPassword } from "./passwords.js";
import { authorize } from "./permissions.js";
import { SYSTEM_ACTOR } from "./roles.js";
import { createSession, resolveSession, sessionPolicy } from "./sessions.js";
import { accountKey, recordFailure, throttledFor, throttlePolicy } from "./throttle.js";
import { enrolTotp, totpKey, verifyTotp } from "./totp.js";
import { addUser, bootstrapAdmin } from "./users.js";

const ADMIN = { name: "ada", role: "admin" } as const;
const STEN = { name: "sten", role: "steward" } as const;
const POLICY = { defaultDays: 30, maxDays: 365 };

describe("password policy", () => {
  it("wants 12 characters, no user name inside, and more than a few distinct characters", () => {
    expect(() => checkPasswordPolicy("anna", "short")).toThrow(ValidationError);
    expect(() => checkPasswordPolicy("anna", "my name is ANNA ok")).toThrow(/user name/);
    expect(() => checkPasswordPolicy("anna", "aaaaaaaaaaaaaaaa")).toThrow(/distinct/);
    expect(() => checkPasswordPolicy("anna", "x".repeat(1025))).toThrow(/at most/);
    expect(() => checkPasswordPolicy("anna", "correct horse battery")).not.toThrow();
    try {
      checkPasswordPolicy("anna", "my name is ANNA ok");
    } catch (error) {
      expect((error as Error).message).not.toContain("my name");
    }
  });
});

describe.each(DIALECTS)("authentication services on %s", (dialect) => {
  let t: TestDeployment;
  beforeEach(async () => {
    t = await testDeployment(dialect);
    await bootstrapAdmin(t.store, "ada");
    await addUser(t.store, ADMIN, { name: "sten", role: "steward" });
    await addUser(t.store, ADMIN, { name: "rita", role: "researcher" });
  });
  afterEach(async () => {
    await t.cleanup();
  });

  it("stores passwords as argon2id with OWASP's parameters, and only admins (or setup) set them", async () => {
    await setPassword(t.store, ADMIN, "sten", "steward passphrase 77!");
    const row = await t.store.db.selectFrom("auth_passwords").selectAll().executeTakeFirstOrThrow();
    expect(row.hash).toMatch(/^\$argon2id\$/);
    expect(parseOptions(row.hash)).toMatchObject({
      memoryCost: 19456,
      timeCost: 2,
      parallelism: 1,
    });
    expect(await verifyPassword(t.store, "sten", "steward passphrase 77!")).toBe(true);
    expect(await verifyPassword(t.store, "sten", "steward passphrase 78!")).toBe(false);
    expect(await verifyPassword(t.store, "nobody", "steward passphrase 77!")).toBe(false);
    expect(await verifyPassword(t.store, "rita", "no password set 123")).toBe(false);
    await expect(
      setPassword(t.store, STEN, "rita", "researcher passphrase 1"),
    ).rejects.toBeInstanceOf(ForbiddenError);
    await setPassword(t.store, SYSTEM_ACTOR, "rita", "researcher passphrase 1");
    // A new password ends the user's sessions.
    const policy = sessionPolicy(t.home.config.auth);
    const session = await createSession(
      t.store,
      { user: "rita", method: "password", secondFactor: false },
      policy,
      new Date(),
    );
    await setPassword(t.store, ADMIN, "rita", "researcher passphrase 2");
    expect(await resolveSession(t.store, session.id, policy, new Date())).toBeNull();
    const audit = JSON.stringify(await t.store.db.selectFrom("audit_log").selectAll().execute());
    expect(audit).toContain("user.password");
    expect(audit).not.toContain("passphrase");
    expect(audit).not.toContain("argon2");
  });

  it("takes as long for an unknown user as for a wrong password (a dummy hash is verified)", async () => {
    await setPassword(t.store, ADMIN, "sten", "steward passphrase 77!");
    const time = async (user: string) => {
      const start = performance.now();
      await verifyPassword(t.store, user, "a wrong password 1");
      return performance.now() - start;
    };
    await time("nobody"); // the dummy hash is made on first use
    // Known and unknown in turn, so that load from elsewhere on the machine falls on both alike.
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 9; i++) {
      known.push(await time("sten"));
      unknown.push(await time("nobody"));
    }
    const median = (xs: number[]) => xs.sort((x, y) => x - y)[4] ?? 0;
    // Without the dummy, an unknown user costs one indexed read: well under a tenth of argon2id.
    expect(median(unknown)).toBeGreaterThan(median(known) * 0.25);
  });

  it("counts concurrent failures all, and locks only past the threshold", async () => {
    const policy = throttlePolicy(t.home.config.auth);
    const now = new Date();
    await Promise.all(
      Array.from({ length: 4 }, () => recordFailure(t.store, accountKey("x"), 5, policy, now)),
    );
    expect(await throttledFor(t.store, [accountKey("x")], now)).toBe(0);
    expect(await recordFailure(t.store, accountKey("x"), 5, policy, now)).toBe(5);
    expect(await throttledFor(t.store, [accountKey("x")], now)).toBe(60);
    // After a quiet window the count starts again.
    const later = new Date(now.getTime() + policy.windowMs + 1000);
    expect(await recordFailure(t.store, accountKey("x"), 5, policy, later)).toBe(1);
  });

  it("writes a session's last use at most once a minute", async () => {
    const policy = sessionPolicy(t.home.config.auth);
    const start = new Date("2026-03-01T10:00:00Z");
    const s = await createSession(
      t.store,
      { user: "rita", method: "password", secondFactor: false },
      policy,
      start,
    );
    const lastSeen = async () =>
      (
        await t.store.db
          .selectFrom("auth_sessions")
          .select("last_seen_at")
          .executeTakeFirstOrThrow()
      ).last_seen_at;
    await resolveSession(t.store, s.id, policy, new Date(start.getTime() + 30_000));
    expect(await lastSeen()).toBe(start.toISOString());
    const later = new Date(start.getTime() + 61_000);
    await resolveSession(t.store, s.id, policy, later);
    expect(await lastSeen()).toBe(later.toISOString());
    // Another id, one character off (the id's own last character can be "A": one in 64 runs).
    const other = `${s.id.slice(0, -1)}${s.id.endsWith("A") ? "B" : "A"}`;
    expect(await resolveSession(t.store, other, policy, later)).toBeNull();
    const row = await t.store.db.selectFrom("auth_sessions").selectAll().executeTakeFirstOrThrow();
    expect(JSON.stringify(row)).not.toContain(s.id);
  });

  it("keeps the TOTP secret encrypted, bound to its user, and takes each code once, one step either way", async () => {
    const key = totpKey(t.home);
    const now = new Date("2026-03-01T10:00:10Z");
    const { uri } = await enrolTotp(t.store, ADMIN, "sten", key, { issuer: "Kaivo", now });
    const totp = URI.parse(uri);
    const secret = new URL(uri).searchParams.get("secret") ?? "";
    const row = await t.store.db.selectFrom("auth_totp").selectAll().executeTakeFirstOrThrow();
    expect(row.secret).toMatch(/^v1:/);
    expect(row.secret).not.toContain(secret);
    expect(row.confirmed).toBe(0);

    const at = (seconds: number) => new Date(now.getTime() + seconds * 1000);
    const code = (d: Date) => totp.generate({ timestamp: d.getTime() });
    expect(await verifyTotp(t.store, "sten", code(at(-60)), key, now)).toBe(false); // two steps back
    expect(await verifyTotp(t.store, "sten", code(at(-30)), key, now)).toBe(true); // one step back
    expect(await verifyTotp(t.store, "sten", code(at(-30)), key, now)).toBe(false); // replay
    // Two requests with the same fresh code at once: one passes.
    const fresh = code(now);
    const both = await Promise.all([1, 2].map(() => verifyTotp(t.store, "sten", fresh, key, now)));
    expect(both.filter(Boolean)).toHaveLength(1);
    expect(await verifyTotp(t.store, "sten", code(at(30)), key, now)).toBe(true); // one step ahead
    expect(await verifyTotp(t.store, "sten", code(now), key, now)).toBe(false); // an older step than used
    expect(
      (await t.store.db.selectFrom("auth_totp").select("confirmed").executeTakeFirstOrThrow())
        .confirmed,
    ).toBe(1);

    // The ciphertext copied to another user's row does not decrypt there.
    await t.store.db
      .insertInto("auth_totp")
      .values({ ...row, user_name: "rita", last_step: 0 })
      .execute();
    expect(await verifyTotp(t.store, "rita", code(at(90)), key, at(90))).toBe(false);
    await expect(
      enrolTotp(t.store, STEN, "rita", key, { issuer: "Kaivo", now }),
    ).rejects.toBeInstanceOf(ForbiddenError);
  });

  it("narrows token scopes: read only, a subset, never beyond the role or the creating token", async () => {
    expect(resolveScope("researcher", ["read"])).toEqual(
      expect.arrayContaining([
        "catalog.read",
        "cohort.read",
        "permit.read",
        "status.read",
        "token.list",
      ]),
    );
    expect(resolveScope("researcher", ["read"])).not.toContain("cohort.define");
    expect(resolveScope("steward", undefined)).toBeNull();
    expect(() => resolveScope("researcher", ["release.create"])).toThrow(
      /does not have release.create/,
    );

    const scoped = { ...STEN, scope: ["catalog.read", "token.create"] };
    const { token } = await createToken(
      t.store,
      scoped,
      { scope: ["catalog.read", "catalog.annotate"] },
      POLICY,
      new Date(),
    );
    expect(token.scope).toEqual(["catalog.read"]);
    const { secret } = await createToken(t.store, STEN, { scope: ["read"] }, POLICY, new Date());
    const resolved = await resolveToken(t.store, secret, new Date());
    if (!resolved) throw new Error("token did not resolve");
    await authorize(t.store, resolved.actor, "lake.read");
    await expect(authorize(t.store, resolved.actor, "ingest.run")).rejects.toThrow(
      /does not cover ingest.run/,
    );
    const denial = await t.store.db
      .selectFrom("audit_log")
      .select("details")
      .where("action", "=", "access.denied")
      .executeTakeFirstOrThrow();
    expect(JSON.parse(denial.details)).toMatchObject({
      permission: "ingest.run",
      reason: "token scope",
    });
  });

  it("voids a token when its user's role changes", async () => {
    const { secret } = await createToken(t.store, STEN, {}, POLICY, new Date());
    expect(await resolveToken(t.store, secret, new Date())).not.toBeNull();
    await t.store.db
      .updateTable("users")
      .set({ role: "researcher" })
      .where("name", "=", "sten")
      .execute();
    expect(await resolveToken(t.store, secret, new Date())).toBeNull();
    const stored = JSON.stringify(await t.store.db.selectFrom("auth_tokens").selectAll().execute());
    expect(stored).not.toContain(secret);
  });
});
