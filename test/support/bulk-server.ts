import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { importSPKI, jwtVerify } from "jose";

/** A loopback SMART token endpoint that verifies the client assertion as the IG requires. */
export async function startTokenServer(opts: {
  clientId: string;
  publicKeyPem: string;
  algorithm: "RS384" | "ES384";
}): Promise<{ url: string; issued: number; close: () => Promise<void> }> {
  const key = await importSPKI(opts.publicKeyPem, opts.algorithm);
  const state = { url: "", issued: 0, close: async () => {} };
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => {
      body += chunk;
    });
    req.on("end", async () => {
      const form = new URLSearchParams(body);
      try {
        const { payload } = await jwtVerify(form.get("client_assertion") ?? "", key, {
          issuer: opts.clientId,
          subject: opts.clientId,
          audience: state.url,
          algorithms: [opts.algorithm],
        });
        if (typeof payload.jti !== "string" || typeof payload.exp !== "number")
          throw new Error("claims");
        if (form.get("grant_type") !== "client_credentials") throw new Error("grant");
        state.issued += 1;
        res.writeHead(200, { "content-type": "application/json" });
        res.end(
          JSON.stringify({
            access_token: `token-${state.issued}`,
            expires_in: 300,
            token_type: "bearer",
          }),
        );
      } catch {
        res.writeHead(401, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: "invalid_client" }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`;
  state.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return state;
}
