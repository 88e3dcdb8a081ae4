import { generateKeyPairSync } from "node:crypto";
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { startTokenServer } from "../../test/support/bulk-server.js";
import { SmartTokenClient } from "./smart-auth.js";

function keyPair(alg: "RS384" | "ES384") {
  const pair =
    alg === "RS384"
      ? generateKeyPairSync("rsa", { modulusLength: 2048 })
      : generateKeyPairSync("ec", { namedCurve: "P-384" });
  return {
    privatePem: pair.privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    publicPem: pair.publicKey.export({ type: "spki", format: "pem" }).toString(),
  };
}

function keyFile(pem: string): string {
  const path = join(mkdtempSync(join(tmpdir(), "kaivo-fetch-")), "client.pem");
  writeFileSync(path, pem, { mode: 0o600 });
  return path;
}

describe("SmartTokenClient", () => {
  for (const algorithm of ["RS384", "ES384"] as const) {
    it(`gets a token with an ${algorithm} assertion and reuses it`, async () => {
      const keys = keyPair(algorithm);
      const server = await startTokenServer({
        clientId: "kaivo",
        publicKeyPem: keys.publicPem,
        algorithm,
      });
      try {
        const client = new SmartTokenClient({
          tokenEndpoint: server.url,
          clientId: "kaivo",
          keyFile: keyFile(keys.privatePem),
          algorithm,
          scope: "system/*.read",
        });
        expect(await client.accessToken()).toBe("token-1");
        expect(await client.accessToken()).toBe("token-1");
        expect(server.issued).toBe(1);
      } finally {
        await server.close();
      }
    }, 10_000);
  }

  it("refuses a key the server does not know, naming what to check and never the key", async () => {
    const registered = keyPair("ES384");
    const other = keyPair("ES384");
    const server = await startTokenServer({
      clientId: "kaivo",
      publicKeyPem: registered.publicPem,
      algorithm: "ES384",
    });
    try {
      const client = new SmartTokenClient({
        tokenEndpoint: server.url,
        clientId: "kaivo",
        keyFile: keyFile(other.privatePem),
        algorithm: "ES384",
        scope: "system/*.read",
      });
      const error = await client.accessToken().catch((e: unknown) => e as Error);
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).message).toMatch(/client id is registered/);
      const body = other.privatePem.split("\n")[1] ?? "";
      expect((error as Error).message).not.toContain(body);
      expect(server.issued).toBe(0);
    } finally {
      await server.close();
    }
  }, 10_000);

  it("refuses a key file others can read, before anything is sent", async () => {
    const path = keyFile(keyPair("ES384").privatePem);
    chmodSync(path, 0o644);
    const client = new SmartTokenClient({
      tokenEndpoint: "http://127.0.0.1:9/token",
      clientId: "kaivo",
      keyFile: path,
      algorithm: "ES384",
      scope: "system/*.read",
    });
    await expect(client.accessToken()).rejects.toThrow(/chmod 600/);
  });
});
