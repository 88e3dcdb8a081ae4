import {
  createHash,
  createPrivateKey,
  createPublicKey,
  type KeyObject,
  sign,
  verify,
} from "node:crypto";
import type { SecretKey } from "../home/keys.js";

// DER header of a PKCS#8 Ed25519 private key; the 32-byte seed follows (RFC 8410).
const PKCS8_ED25519_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");
// DER header of an SPKI Ed25519 public key; the 32-byte public key follows.
const SPKI_ED25519_PREFIX_BYTES = 12;

/** The public half of the deployment's audit signing key: enough to verify, nothing to sign. */
export interface AuditVerifyKey {
  /** First 16 hex digits of SHA-256 over the raw public key; names the key in every checkpoint. */
  readonly keyId: string;
  verify(data: string, signature: Buffer): boolean;
}

export interface AuditSigningKey extends AuditVerifyKey {
  sign(data: string): Buffer;
}

/**
 * The Ed25519 key that signs audit checkpoints, from the 32-byte seed kept like the other keys
 * (key file with mode 0600, or KAIVO_AUDIT_SIGNING_KEY). The private key stays in this closure.
 */
export function auditSigningKey(seed: SecretKey): AuditSigningKey {
  const privateKey = createPrivateKey({
    key: Buffer.concat([PKCS8_ED25519_PREFIX, seed.bytes()]),
    format: "der",
    type: "pkcs8",
  });
  const verifier = auditVerifyKey(createPublicKey(privateKey));
  return {
    keyId: verifier.keyId,
    verify: verifier.verify,
    sign: (data) => sign(null, Buffer.from(data, "utf8"), privateKey),
  };
}

export function auditVerifyKey(publicKey: KeyObject): AuditVerifyKey {
  const raw = publicKey.export({ format: "der", type: "spki" }).subarray(SPKI_ED25519_PREFIX_BYTES);
  return {
    keyId: createHash("sha256").update(raw).digest("hex").slice(0, 16),
    verify: (data, signature) => {
      try {
        return verify(null, Buffer.from(data, "utf8"), publicKey, signature);
      } catch {
        return false; // a malformed signature is simply not a valid one
      }
    },
  };
}
