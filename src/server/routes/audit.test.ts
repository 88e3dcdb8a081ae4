import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TestServer, testServer } from "../../../test/support/server.js";

let s: TestServer;
beforeAll(async () => {
  s = await testServer({ users: { adam: "admin", aino: "auditor", stina: "steward" } });
});
afterAll(async () => {
  await s?.close();
});

describe("audit", () => {
  it("tails, counts, verifies and checkpoints for auditors and admins", async () => {
    for (const user of ["aino", "adam"]) {
      const tail = await s.call(user, "GET", "/api/audit?n=2");
      expect(tail.status).toBe(200);
      expect(tail.body.entries).toHaveLength(2);
      expect(tail.body.entries[0]).toHaveProperty("hash");
      const count = await s.call(user, "GET", "/api/audit/count");
      expect(count.status).toBe(200);
      expect(count.body.entries).toBeGreaterThan(2);
      const cp = await s.call(user, "POST", "/api/audit/checkpoint");
      expect(cp.status).toBe(201);
      expect(cp.body).toMatchObject({ seq: expect.any(Number), keyId: expect.any(String) });
      const verify = await s.call(user, "GET", "/api/audit/verify");
      expect(verify.status).toBe(200);
      expect(verify.body).toMatchObject({ ok: true, outcome: "intact" });
      const anchored = await s.call(
        user,
        "GET",
        `/api/audit/verify?anchor=${cp.body.seq}:${cp.body.hash}`,
      );
      expect(anchored.body).toMatchObject({ ok: true, outcome: "intact" });
    }
  });
  it("refuses stewards, and bad counts and anchors", async () => {
    for (const [method, path] of [
      ["GET", "/api/audit"],
      ["GET", "/api/audit/count"],
      ["GET", "/api/audit/verify"],
      ["POST", "/api/audit/checkpoint"],
    ] as const)
      expect((await s.call("stina", method, path)).status, path).toBe(403);
    expect((await s.call("aino", "GET", "/api/audit?n=0")).status).toBe(400);
    expect((await s.call("aino", "GET", "/api/audit?n=100000")).status).toBe(400);
    expect((await s.call("aino", "GET", "/api/audit/verify?anchor=nonsense")).status).toBe(400);
  });
});

describe("users", () => {
  it("lists for admins and auditors; admins add", async () => {
    for (const user of ["adam", "aino"]) {
      const list = await s.call(user, "GET", "/api/users");
      expect(list.status).toBe(200);
      expect(list.body.users.map((u: { name: string }) => u.name)).toContain("stina");
    }
    const added = await s.call("adam", "POST", "/api/users", { name: "riku", role: "researcher" });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ name: "riku", role: "researcher", createdBy: "adam" });
    expect(
      (await s.call("adam", "POST", "/api/users", { name: "riku", role: "steward" })).status,
    ).toBe(409);
  });
  it("refuses others and invalid accounts", async () => {
    expect((await s.call("stina", "GET", "/api/users")).status).toBe(403);
    expect((await s.call("aino", "POST", "/api/users", { name: "x1", role: "admin" })).status).toBe(
      403,
    );
    expect((await s.call("adam", "POST", "/api/users", { name: "ok", role: "king" })).status).toBe(
      400,
    );
    const badName = await s.call("adam", "POST", "/api/users", { name: "Bad Name", role: "admin" });
    expect(badName.status).toBe(400);
    expect((await s.call(undefined, "GET", "/api/users")).status).toBe(401);
  });
});
