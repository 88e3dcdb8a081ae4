import { readFileSync } from "node:fs";
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { rootCertificates } from "node:tls";
import { ConfigError, KaivoError } from "../../shared/errors.js";

/**
 * One HTTP exchange over node:http(s). Not `fetch`: Node 20's fetch takes no extra certificate
 * authority without the undici package, and a hospital's server usually has an internal CA
 * (KAIVO_CA_FILE). NODE_EXTRA_CA_CERTS works for both.
 */
export interface HttpRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body?: string;
  /** Milliseconds without any data before the request is given up; 0: never (event streams). */
  idleTimeoutMs: number;
  signal?: AbortSignal;
}

let extraCa: string[] | undefined;

function certificateAuthorities(): string[] | undefined {
  const file = process.env.KAIVO_CA_FILE;
  if (!file) return undefined;
  if (!extraCa) {
    let pem: string;
    try {
      pem = readFileSync(file, "utf8");
    } catch (error) {
      throw new ConfigError(
        `KAIVO_CA_FILE names ${file}, which cannot be read (${(error as NodeJS.ErrnoException).code ?? "error"}).`,
        "Point it at the PEM file of the certificate authority that signed the server's certificate.",
      );
    }
    // Given `ca`, Node trusts only it: keep the bundled roots and NODE_EXTRA_CA_CERTS too.
    const extra = process.env.NODE_EXTRA_CA_CERTS;
    extraCa = [...rootCertificates, pem, ...(extra ? [readFileSync(extra, "utf8")] : [])];
  }
  return extraCa;
}

const TLS_CODES = new Set([
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "CERT_HAS_EXPIRED",
  "ERR_TLS_CERT_ALTNAME_INVALID",
]);

/** A network failure, said in the user's terms: the server's address and what to check. */
function unreachable(url: URL, error: NodeJS.ErrnoException): KaivoError {
  const code = error.code ?? error.message;
  if (TLS_CODES.has(code))
    return new KaivoError(
      `The server at ${url.origin} has a certificate this computer does not trust (${code}).`,
      "If it is signed by the hospital's own certificate authority, set KAIVO_CA_FILE (or NODE_EXTRA_CA_CERTS) to that authority's PEM file.",
    );
  return new KaivoError(
    `Cannot reach the server at ${url.origin} (${code}).`,
    "Check the address (`kaivo whoami`), the network, and that `kaivo serve` runs there.",
  );
}

/** Sends the request; resolves with the response once its headers arrive. */
export function send(req: HttpRequest): Promise<IncomingMessage> {
  const https = req.url.protocol === "https:";
  const ca = https ? certificateAuthorities() : undefined;
  return new Promise((resolve, reject) => {
    const r = (https ? httpsRequest : httpRequest)(
      req.url,
      {
        method: req.method,
        headers: {
          ...req.headers,
          ...(req.body !== undefined ? { "content-length": Buffer.byteLength(req.body) } : {}),
        },
        ...(ca ? { ca } : {}),
        ...(req.signal ? { signal: req.signal } : {}),
      },
      (res) => resolve(res),
    );
    r.on("error", (error: NodeJS.ErrnoException) => {
      if (error.name === "AbortError") reject(error);
      else reject(unreachable(req.url, error));
    });
    if (req.idleTimeoutMs > 0)
      r.setTimeout(req.idleTimeoutMs, () =>
        r.destroy(
          Object.assign(new Error("no answer in time"), { code: "a timeout, no answer in time" }),
        ),
      );
    r.end(req.body);
  });
}

/** Reads a whole (JSON) response body, up to a limit that no API answer comes near. */
export async function readBody(res: IncomingMessage, limit = 64 * 1024 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      res.destroy();
      throw new KaivoError("The server's answer is too large.");
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}
