import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** `bytes` random bytes as base64url: session ids, token secrets, flow cookies. */
export function randomSecret(bytes = 32): string {
  return randomBytes(bytes).toString("base64url");
}

/** What is stored of a secret: its SHA-256, hex. A high-entropy secret needs no slow hash. */
export function sha256Hex(value: string): string {
  return createHash("sha256").update(value, "utf8").digest("hex");
}

/** Constant-time equality of two strings; different lengths are unequal without a shortcut on content. */
export function safeEqual(a: string, b: string): boolean {
  const left = createHash("sha256").update(a, "utf8").digest();
  const right = createHash("sha256").update(b, "utf8").digest();
  return timingSafeEqual(left, right) && a.length === b.length;
}

/** The time now; services take one so tests can move it (timeouts, expiry, throttling). */
export type Clock = () => Date;
export const systemClock: Clock = () => new Date();

export function addMs(date: Date, ms: number): Date {
  return new Date(date.getTime() + ms);
}
