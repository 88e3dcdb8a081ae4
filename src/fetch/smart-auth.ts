import { randomUUID } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { importPKCS8, SignJWT } from "jose";
import { ConfigError } from "../shared/errors.js";

export type AssertionAlgorithm = "RS384" | "ES384";

export interface SmartClientConfig {
  tokenEndpoint: string;
  clientId: string;
  keyFile: string;
  algorithm: AssertionAlgorithm;
  scope: string;
}

/** Refresh this long before expiry so a token never lapses mid-request. */
const EXPIRY_MARGIN_MS = 60_000;

/**
 * SMART Backend Services client: a signed JWT client assertion exchanged for an access token
 * (client_credentials), reused until shortly before it expires. The key is read from a 0600 file
 * and never leaves this module.
 */
export class SmartTokenClient {
  readonly #config: SmartClientConfig;
  #token: { value: string; expiresAt: number } | undefined;

  constructor(config: SmartClientConfig) {
    this.#config = config;
  }

  async accessToken(now = Date.now()): Promise<string> {
    if (this.#token && this.#token.expiresAt - EXPIRY_MARGIN_MS > now) return this.#token.value;
    const { tokenEndpoint, clientId, scope } = this.#config;
    const assertion = await this.#assertion(now);
    const response = await fetch(tokenEndpoint, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
      body: new URLSearchParams({
        grant_type: "client_credentials",
        scope,
        client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        client_assertion: assertion,
      }),
    });
    if (response.status === 400 || response.status === 401) {
      throw new ConfigError(
        `The token endpoint ${tokenEndpoint} refused client "${clientId}" (HTTP ${response.status}). Check that the client id is registered there with the public half of the key file.`,
      );
    }
    if (!response.ok) {
      throw new Error(
        `The token endpoint ${tokenEndpoint} answered HTTP ${response.status}; try again later.`,
      );
    }
    const body = (await response.json()) as { access_token?: unknown; expires_in?: unknown };
    if (typeof body.access_token !== "string") {
      throw new Error(`The token endpoint ${tokenEndpoint} gave no access_token.`);
    }
    const lifetime = typeof body.expires_in === "number" ? body.expires_in : 300;
    this.#token = { value: body.access_token, expiresAt: now + lifetime * 1000 };
    return body.access_token;
  }

  /** Drops the cached token (the server answered 401 to it): the next call asks for a new one. */
  forget(): void {
    this.#token = undefined;
  }

  async #assertion(now: number): Promise<string> {
    const { keyFile, algorithm, clientId, tokenEndpoint } = this.#config;
    const mode = statSync(keyFile).mode & 0o777;
    if (mode & 0o077) {
      throw new ConfigError(`The key file ${keyFile} is readable by others; run chmod 600 on it.`);
    }
    const key = await importPKCS8(readFileSync(keyFile, "utf8"), algorithm);
    const seconds = Math.floor(now / 1000);
    return new SignJWT({})
      .setProtectedHeader({ alg: algorithm, typ: "JWT" })
      .setIssuer(clientId)
      .setSubject(clientId)
      .setAudience(tokenEndpoint)
      .setExpirationTime(seconds + 300)
      .setJti(randomUUID())
      .sign(key);
  }
}
