import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { sql } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DIALECTS, type TestDeployment, testDeployment } from "../../test/support/stores.js";
import { asAttacker } from "../../test/support/tamper.js";
import type { Actor } from "../auth/roles.js";
import { ValidationError } from "../shared/errors.js";
import { appendAudit } from "./append.js";
import { entryFromRow, entryHash, rowFromEntry } from "./entry.js";
import { verifyAudit, verifyChain } from "./log.js";

const alice: Actor = { name: "alice", role: "steward" };

describe.each(DIALECTS)("audit log on %s", (dialect) => {
  let t: TestDeployment;
  beforeEach(async () => {
    t = await testDeployment(dialect);
  });
  afterEach(async () => {
    await t.cleanup();
  });

  async function appendTen(): Promise<void> {
    for (let i = 1; i <= 10; i++) {
      await appendAudit(t.store, alice, {
        action: "test.event",
        target: `thing:${i}`,
        details: { i },
      });
    }
  }

  async function row(seq: number) {
    return t.store.db
      .selectFrom("audit_log")
      .selectAll()
      .where("seq", "=", seq)
      .executeTakeFirstOrThrow();
  }

  it("chains entries from a genesis hash and verifies them", async () => {
    await appendTen();
    const result = await verifyChain(t.store);
    expect(result).toMatchObject({ ok: true, entries: 10, head: { seq: 10 } });
    const first = entryFromRow(await row(1));
    expect(first.prevHash).toBe("0".repeat(64));
    expect(entryFromRow(await row(2)).prevHash).toBe(first.hash);
  });

  it("refuses updates and deletes through the normal connection", async () => {
    await appendTen();
    await expect(
      t.store.db.updateTable("audit_log").set({ actor: "mallory" }).where("seq", "=", 3).execute(),
    ).rejects.toThrow(/append-only/);
    await expect(t.store.db.deleteFrom("audit_log").where("seq", "=", 3).execute()).rejects.toThrow(
      /append-only/,
    );
  });

  it("detects an edited entry at its sequence number", async () => {
    await appendTen();
    await asAttacker(t.store, async () => {
      await t.store.db
        .updateTable("audit_log")
        .set({ details: '{"i":999}' })
        .where("seq", "=", 4)
        .execute();
    });
    expect(await verifyChain(t.store)).toMatchObject({
      ok: false,
      seq: 4,
      problem: "edited",
      entries: 3,
    });
  });

  it("detects an edited entry whose hash was recomputed at the next entry", async () => {
    await appendTen();
    const original = entryFromRow(await row(4));
    const { hash: _old, ...rest } = { ...original, actor: "mallory" };
    const forged = { ...rest, hash: entryHash(rest) };
    await asAttacker(t.store, async () => {
      await t.store.db
        .updateTable("audit_log")
        .set(rowFromEntry(forged))
        .where("seq", "=", 4)
        .execute();
    });
    expect(await verifyChain(t.store)).toMatchObject({ ok: false, seq: 5, problem: "unlinked" });
  });

  it("detects a deleted entry at its sequence number", async () => {
    await appendTen();
    await asAttacker(t.store, async () => {
      await t.store.db.deleteFrom("audit_log").where("seq", "=", 6).execute();
    });
    expect(await verifyChain(t.store)).toMatchObject({ ok: false, seq: 6, problem: "missing" });
  });

  it("detects reordered entries at the first one out of place", async () => {
    await appendTen();
    const five = await row(5);
    const six = await row(6);
    await asAttacker(t.store, async () => {
      const { seq: _5, ...fiveRest } = five;
      const { seq: _6, ...sixRest } = six;
      await t.store.db
        .updateTable("audit_log")
        .set({ ...sixRest, hash: "x" })
        .where("seq", "=", 5)
        .execute();
      await t.store.db.updateTable("audit_log").set(fiveRest).where("seq", "=", 6).execute();
      await t.store.db
        .updateTable("audit_log")
        .set({ hash: six.hash })
        .where("seq", "=", 5)
        .execute();
    });
    expect(await verifyChain(t.store)).toMatchObject({ ok: false, seq: 5, problem: "unlinked" });
  });

  it("detects an inserted entry: at itself if unhashed, at its successor if forged", async () => {
    await appendTen();
    const prev = entryFromRow(await row(3));
    const unhashed = {
      seq: 4,
      time: prev.time,
      actor: "mallory",
      actorRole: "admin",
      action: "user.add",
      target: "user:mallory",
      details: {},
      prevHash: prev.hash,
    };
    await asAttacker(t.store, async () => {
      // Make room at 4 by shifting the tail up (two steps, so no intermediate key collides).
      await t.store.db
        .updateTable("audit_log")
        .set({ seq: sql`seq + 1000` })
        .where("seq", ">=", 4)
        .execute();
      await t.store.db
        .updateTable("audit_log")
        .set({ seq: sql`seq - 999` })
        .where("seq", ">=", 1004)
        .execute();
      await t.store.db
        .insertInto("audit_log")
        .values(rowFromEntry({ ...unhashed, hash: "f".repeat(64) }))
        .execute();
    });
    expect(await verifyChain(t.store)).toMatchObject({ ok: false, seq: 4, problem: "edited" });

    await asAttacker(t.store, async () => {
      await t.store.db
        .updateTable("audit_log")
        .set({ hash: entryHash(unhashed) })
        .where("seq", "=", 4)
        .execute();
    });
    expect(await verifyChain(t.store)).toMatchObject({ ok: false, seq: 5, problem: "unlinked" });
  });

  it("detects entries cut from the end only against an anchor", async () => {
    await appendTen();
    const before = await verifyChain(t.store);
    if (!before.ok || !before.head) throw new Error("expected an intact chain");
    await asAttacker(t.store, async () => {
      await t.store.db.deleteFrom("audit_log").where("seq", ">=", 9).execute();
    });
    expect(await verifyChain(t.store)).toMatchObject({ ok: true, entries: 8 });
    expect(await verifyChain(t.store, before.head)).toMatchObject({
      ok: false,
      seq: 10,
      problem: "anchor",
    });
  });

  it("keeps one unbroken chain under 200 concurrent appends", async () => {
    await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        appendAudit(t.store, alice, { action: "test.concurrent", details: { i } }),
      ),
    );
    expect(await verifyChain(t.store)).toMatchObject({ ok: true, entries: 200 });
    const rows = await t.store.db.selectFrom("audit_log").select("details").execute();
    const seen = new Set(rows.map((r) => (JSON.parse(r.details) as { i: number }).i));
    expect(seen.size).toBe(200);
  });

  it("keeps one unbroken chain when separate processes append at once", async () => {
    const worker = join(import.meta.dirname, "../../test/support/append-worker.mjs");
    const run = promisify(execFile);
    await Promise.all(
      [1, 2, 3, 4].map((w) => run(process.execPath, [worker, String(w), "50"], { env: t.env })),
    );
    expect(await verifyChain(t.store)).toMatchObject({ ok: true, entries: 200 });
    // Each process signed checkpoints into the one file; every line must still verify.
    expect(await verifyAudit(t.store, { name: "aino", role: "auditor" })).toMatchObject({
      outcome: "intact",
      checkpoint: { seq: expect.any(Number) },
    });
  });

  it("rejects details that contain a personal identity code, without echoing it", async () => {
    const hetu = "131052-308T";
    const attempts = [
      { action: "x", details: { note: `patient ${hetu} asked` } },
      { action: "x", details: { nested: [{ deep: hetu.toLowerCase() }] } },
      { action: "x", target: `person:${hetu}` },
      { action: "x", details: { [hetu]: 1 } },
      { action: "x", details: { code: "010594Y9032" } }, // 2023 century sign
      { action: "x", details: { code: "131052-308X" } }, // wrong check character: still refused
    ];
    for (const event of attempts) {
      const error = await appendAudit(t.store, alice, event).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect(String((error as Error).message)).not.toMatch(/\d{6}[-+A-Y]\d{3}/i);
    }
    expect(await verifyChain(t.store)).toMatchObject({ ok: true, entries: 0 });
  });
});
