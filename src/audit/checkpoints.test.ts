import { randomBytes } from "node:crypto";
import { createSocket } from "node:dgram";
import { appendFileSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  DIALECTS,
  type TestDeployment,
  tempDir,
  testDeployment,
} from "../../test/support/stores.js";
import { asAttacker, forgeChain } from "../../test/support/tamper.js";
import type { Actor } from "../auth/roles.js";
import type { KaivoConfig } from "../home/config.js";
import { SecretKey } from "../home/keys.js";
import type { ControlStore } from "../store/control-store.js";
import { appendAudit } from "./append.js";
import { checkpointLine, parseCheckpointLine, signCheckpoint } from "./checkpoint.js";
import { readCheckpointFile, readLatestCheckpoint } from "./checkpoint-file.js";
import { type CheckpointError, checkpointsForHome, isDue } from "./checkpoints.js";
import { checkpointAudit, verifyAudit, verifyChain } from "./log.js";
import { auditSigningKey } from "./signing-key.js";

const stina: Actor = { name: "stina", role: "steward" };
const aino: Actor = { name: "aino", role: "auditor" };

describe.each(DIALECTS)("audit checkpoints on %s", (dialect) => {
  let t: TestDeployment;
  let reported: CheckpointError[];
  beforeEach(async () => {
    t = await testDeployment(dialect);
    reported = [];
  });
  afterEach(async () => {
    await t.cleanup();
  });

  /** The deployment's store with checkpoints every `every` entries and other audit settings. */
  function storeWith(audit: Partial<KaivoConfig["audit"]>): ControlStore {
    const config = { ...t.home.config, audit: { ...t.home.config.audit, ...audit } };
    const checkpoints = checkpointsForHome({ ...t.home, config }, (e) => reported.push(e));
    return { ...t.store, checkpoints };
  }

  const file = () => join(t.home.dir, "audit-checkpoints.jsonl");

  async function append(store: ControlStore, n: number): Promise<void> {
    for (let i = 1; i <= n; i++) {
      await appendAudit(store, stina, { action: "test.event", details: { i } });
    }
  }

  it("signs a checkpoint at the first entry and at every multiple of N, into a 0600 file", async () => {
    const store = storeWith({ checkpointEvery: 5 });
    await append(store, 12);
    const lines = readFileSync(file(), "utf8").trim().split("\n");
    expect(lines.map((l) => JSON.parse(l).seq)).toEqual([1, 5, 10]);
    expect(statSync(file()).mode & 0o777).toBe(0o600);
    const key = store.checkpoints?.key;
    if (!key) throw new Error("expected checkpoints");
    for (const line of lines) expect(parseCheckpointLine(line, key)).toMatchObject({ ok: true });
    const seed = readKeySeed(t);
    for (const secret of [seed.toString("base64"), seed.toString("hex")]) {
      expect(readFileSync(file(), "utf8")).not.toContain(secret);
    }

    const verdict = await verifyAudit(store, aino);
    expect(verdict).toMatchObject({
      ok: true,
      outcome: "intact",
      entries: 12,
      checkpoint: { seq: 10 },
      uncovered: 2,
    });
    expect(reported).toEqual([]);
  });

  it("reports entries cut from the end as truncated, which the chain alone cannot see", async () => {
    const store = storeWith({ checkpointEvery: 5 });
    await append(store, 12);
    await asAttacker(t.store, async () => {
      await t.store.db.deleteFrom("audit_log").where("seq", ">=", 8).execute();
    });
    expect(await verifyChain(store)).toMatchObject({ ok: true, entries: 7 });
    const verdict = await verifyAudit(store, aino);
    expect(verdict).toMatchObject({ ok: false, outcome: "truncated", entries: 7 });
    expect(verdict.ok ? "" : verdict.message).toMatch(/entries 8-10 were cut from the end/);
  });

  it("reports a log with every entry deleted as wiped", async () => {
    const store = storeWith({ checkpointEvery: 5 });
    await append(store, 12);
    await asAttacker(t.store, async () => {
      await t.store.db.deleteFrom("audit_log").execute();
    });
    expect(await verifyChain(store)).toMatchObject({ ok: true, entries: 0 });
    expect(await verifyAudit(store, aino)).toMatchObject({
      ok: false,
      outcome: "wiped",
      entries: 0,
      checkpoint: { seq: 10 },
    });
    // The verification's own entry (now entry 1) is not signed over the wiped log.
    expect(readFileSync(file(), "utf8").trim().split("\n")).toHaveLength(3);
  });

  describe("a whole chain rewritten with consistent new hashes", () => {
    const rewrite = (entries: number) => forgeChain(t.store, entries);

    it("is reported as rewritten at the checkpointed entry", async () => {
      const store = storeWith({ checkpointEvery: 5 });
      await append(store, 12);
      await rewrite(12);
      expect(await verifyChain(store)).toMatchObject({ ok: true, entries: 12 });
      const verdict = await verifyAudit(store, aino);
      expect(verdict).toMatchObject({ ok: false, outcome: "rewritten", checkpoint: { seq: 1 } });
    });

    it("is not blessed by later checkpoints: signing refuses, and an older one still disagrees", async () => {
      const store = storeWith({ checkpointEvery: 5 });
      await append(store, 12);
      const head = await rewrite(14);
      await append(store, 1); // entry 15 is due a checkpoint, which would extend a forgery
      expect(reported).toHaveLength(1);
      expect(reported[0]?.message).toMatch(/Refusing to sign .* entry 10 is not the one/);
      await expect(checkpointAudit(store, aino)).rejects.toThrow(/Refusing to sign/);

      // Even a checkpoint signed over the forged head (say, by a stale process) does not hide it.
      const key = auditSigningKey(new SecretKey(readKeySeed(t)));
      appendFileSync(file(), checkpointLine(signCheckpoint(key, { seq: 14, hash: head })));
      expect(await verifyAudit(store, aino)).toMatchObject({
        ok: false,
        outcome: "rewritten",
        checkpoint: { seq: 1 },
      });
    });
  });

  it("reports an edited checkpoint line, and one signed by another key, as invalid", async () => {
    const store = storeWith({ checkpointEvery: 5 });
    await append(store, 12);
    const original = readFileSync(file(), "utf8");
    // Lower the last checkpoint so that a cut from the end would pass.
    writeFileSync(file(), original.replace(/"seq":10/, '"seq":7'));
    expect(await verifyAudit(store, aino)).toMatchObject({
      ok: false,
      outcome: "checkpoint-invalid",
      line: 3,
    });

    const foreign = auditSigningKey(new SecretKey(randomBytes(32)));
    writeFileSync(
      file(),
      original + checkpointLine(signCheckpoint(foreign, { seq: 13, hash: "a".repeat(64) })),
    );
    const verdict = await verifyAudit(store, aino);
    expect(verdict).toMatchObject({ ok: false, outcome: "checkpoint-invalid", line: 4 });
    expect(verdict.ok ? "" : verdict.message).toMatch(/not this deployment's key/);
  });

  it("reports a removed checkpoint file as unwitnessed, but an empty new log as intact", async () => {
    const store = storeWith({ checkpointEvery: 5 });
    expect(await verifyChain(store)).toMatchObject({ ok: true, entries: 0 });
    await append(store, 3);
    rmSync(file());
    const store2 = storeWith({ checkpointEvery: 5 }); // a new process: nothing cached
    expect(await verifyAudit(store2, aino)).toMatchObject({
      ok: false,
      outcome: "unwitnessed",
      entries: 3,
    });
  });

  it("signs a checkpoint on demand, covering the request itself", async () => {
    const store = storeWith({ checkpointEvery: 100 });
    await append(store, 3);
    const c = await checkpointAudit(store, aino);
    expect(c.seq).toBe(4);
    const last = await t.store.db
      .selectFrom("audit_log")
      .selectAll()
      .orderBy("seq", "desc")
      .executeTakeFirstOrThrow();
    expect(last).toMatchObject({ action: "audit.checkpoint", hash: c.hash });
    await expect(checkpointAudit(t.store, stina)).rejects.toThrow(/may not audit\.checkpoint/);
  });

  it("keeps the audit entry when the checkpoint cannot be written, says so, and retries", async () => {
    const missing = join(t.home.dir, "no-such-folder", "checkpoints.jsonl");
    const store = storeWith({ checkpointEvery: 5, checkpointFile: missing });
    const entry = await appendAudit(store, stina, { action: "test.event" });
    expect(await verifyChain(store)).toMatchObject({ ok: true, entries: 1 });
    expect(reported).toHaveLength(1);
    expect(reported[0]?.message).toMatch(
      /checkpoint at entry 1 was not written everywhere: the file \S+ could not be written \(ENOENT/,
    );
    expect(reported[0]?.hint).toMatch(/audit entry itself is safe/);
    await appendAudit(store, stina, { action: "test.event" });
    expect(reported).toHaveLength(2); // still due: the next append tries again
    await expect(checkpointAudit(store, aino)).rejects.toThrow(/was not written everywhere/);
    expect(entry.seq).toBe(1);
  });

  describe("an HTTP witness", () => {
    let server: Server;
    let received: string[];
    let status: number;
    beforeEach(async () => {
      received = [];
      status = 201;
      server = createServer((req, res) => {
        let body = "";
        req.on("data", (chunk) => {
          body += chunk;
        });
        req.on("end", () => {
          received.push(body);
          res.writeHead(status).end();
        });
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    });
    afterEach(async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });
    const url = () => `http://127.0.0.1:${(server.address() as AddressInfo).port}/checkpoints`;

    it("receives every checkpoint the file does, signed", async () => {
      const store = storeWith({ checkpointEvery: 5, witnessUrl: url() });
      await append(store, 6);
      const key = store.checkpoints?.key;
      if (!key) throw new Error("expected checkpoints");
      expect(received.map((b) => JSON.parse(b).seq)).toEqual([1, 5]);
      for (const body of received) {
        expect(parseCheckpointLine(body.trim(), key)).toMatchObject({ ok: true });
      }
      expect(received.join("")).toBe(readFileSync(file(), "utf8"));
    });

    it("that refuses is reported, and the file still gets the checkpoint", async () => {
      status = 503;
      const store = storeWith({ checkpointEvery: 5, witnessUrl: `${url()}?token=s3cret` });
      await appendAudit(store, stina, { action: "test.event" });
      expect(reported).toHaveLength(1);
      expect(reported[0]?.message).toMatch(
        /witness at http:\/\/127\.0\.0\.1:\d+\/checkpoints refused it \(HTTP 503\)/,
      );
      expect(reported[0]?.message).not.toContain("s3cret");
      expect(readFileSync(file(), "utf8").trim().split("\n")).toHaveLength(1);
    });
  });

  it("sends every checkpoint to a syslog collector as an RFC 5424 message", async () => {
    const collector = createSocket("udp4");
    const messages: string[] = [];
    collector.on("message", (m) => messages.push(m.toString("utf8")));
    await new Promise<void>((resolve) => collector.bind(0, "127.0.0.1", resolve));
    try {
      const port = collector.address().port;
      const store = storeWith({ checkpointEvery: 5, syslog: { host: "127.0.0.1", port } });
      await append(store, 5);
      const key = store.checkpoints?.key;
      if (!key) throw new Error("expected checkpoints");
      await waitFor(() => messages.length === 2);
      for (const message of messages) {
        const m = /^<109>1 \S+ \S+ kaivo \d+ audit-checkpoint - (\{.*\})$/.exec(message);
        expect(m, message).not.toBeNull();
        expect(parseCheckpointLine(m?.[1] ?? "", key)).toMatchObject({ ok: true });
      }
      expect(reported).toEqual([]);
    } finally {
      collector.close();
    }
  });
});

/** Polls, for events that arrive on their own schedule (UDP); generous for a busy machine. */
async function waitFor(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error("timed out waiting");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("when a checkpoint is due", () => {
  const settings = { file: "x", every: 100, maxAgeMs: 24 * 3_600_000 };
  const at = (seq: number, hoursAgo: number) => ({
    seq,
    hash: "a".repeat(64),
    time: new Date(Date.now() - hoursAgo * 3_600_000).toISOString(),
    keyId: "k",
    signature: "",
  });

  it("is at the first entry, at each multiple of N, and after a day without one", () => {
    expect(isDue({ seq: 1, hash: "" }, null, settings)).toBe(true);
    expect(isDue({ seq: 99, hash: "" }, at(1, 1), settings)).toBe(false);
    expect(isDue({ seq: 100, hash: "" }, at(1, 1), settings)).toBe(true);
    expect(isDue({ seq: 101, hash: "" }, at(1, 1), settings)).toBe(true); // 100 failed: retry
    expect(isDue({ seq: 101, hash: "" }, at(100, 1), settings)).toBe(false);
    expect(isDue({ seq: 101, hash: "" }, at(100, 25), settings)).toBe(true);
    expect(isDue({ seq: 50, hash: "" }, at(100, 25), settings)).toBe(false); // never behind one
  });
});

function readKeySeed(t: TestDeployment): Buffer {
  const text = readFileSync(join(t.home.keysDir, "audit-signing.key"), "utf8");
  return Buffer.from(text.trim(), "base64");
}

describe("the checkpoint file", () => {
  it("gives the newest checkpoint from its tail, and every line when read whole", async () => {
    const tmp = tempDir();
    try {
      const key = auditSigningKey(new SecretKey(randomBytes(32)));
      const file = join(tmp.dir, "checkpoints.jsonl");
      const lines = Array.from({ length: 400 }, (_, i) =>
        checkpointLine(signCheckpoint(key, { seq: i + 1, hash: "b".repeat(64) })),
      );
      writeFileSync(file, `${lines.join("")}not a checkpoint\n`);
      expect(statSync(file).size).toBeGreaterThan(64 * 1024);
      expect(await readLatestCheckpoint(file, key)).toMatchObject({ seq: 400 });
      const whole = await readCheckpointFile(file, key);
      expect(whole.checkpoints).toHaveLength(400);
      expect(whole.invalid).toEqual({ line: 401, reason: "is not valid JSON" });
      expect(await readLatestCheckpoint(join(tmp.dir, "none.jsonl"), key)).toBeNull();
    } finally {
      tmp.remove();
    }
  });
});
