import { createCipheriv, createDecipheriv, randomFillSync } from "node:crypto";
import type { SecretKey } from "../home/keys.js";

const IV_BYTES = 12;
const TAG_BYTES = 16;

// IVs are cut from a pool of random bytes filled 1024 IVs at a time: one call to the system's
// random source per value cost more than the encryption itself when a load registers many people.
const ivPool = Buffer.alloc(IV_BYTES * 1024);
let ivNext = ivPool.length;

function freshIv(): Buffer {
  if (ivNext === ivPool.length) {
    randomFillSync(ivPool);
    ivNext = 0;
  }
  const iv = Buffer.from(ivPool.subarray(ivNext, ivNext + IV_BYTES));
  ivPool.fill(0, ivNext, ivNext + IV_BYTES); // an IV handed out is not kept
  ivNext += IV_BYTES;
  return iv;
}

/**
 * AES-256-GCM with a fresh 12-byte IV per value: iv | tag | ciphertext. The context is bound as
 * additional data, so a value cannot be moved to another column or row kind unnoticed.
 */
export function seal(key: SecretKey, context: string, plaintext: string | Buffer): Buffer {
  const iv = freshIv();
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
