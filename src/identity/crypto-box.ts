import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import type { SecretKey } from "../home/keys.js";

const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * AES-256-GCM with a fresh 12-byte IV per value: iv | tag | ciphertext. The context is bound as
 * additional data, so a value cannot be moved to another column or row kind unnoticed.
 */
export function seal(key: SecretKey, context: string, plaintext: string | Buffer): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key.bytes(), iv);
  cipher.setAAD(Buffer.from(context, "utf8"));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]);
}

export function open(key: SecretKey, context: string, sealed: Buffer): Buffer {
  const decipher = createDecipheriv("aes-256-gcm", key.bytes(), sealed.subarray(0, IV_BYTES));
  decipher.setAAD(Buffer.from(context, "utf8"));
  decipher.setAuthTag(sealed.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
  return Buffer.concat([decipher.update(sealed.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
}
