import { getConnInfo } from "@hono/node-server/conninfo";
import type { Context } from "hono";

/** The address of the socket's peer, or undefined outside the Node server (app.request in tests). */
export function socketAddress(c: Context): string | undefined {
  try {
    return getConnInfo(c).remote.address;
  } catch {
    return undefined;
  }
}

export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const a = address.toLowerCase();
  return a === "::1" || a.startsWith("127.") || a.startsWith("::ffff:127.");
}

/**
 * The client's address. Behind a reverse proxy on the same host (`trustProxy`), the last hop of
 * X-Forwarded-For: the one the proxy itself appended. Earlier hops are whatever the client sent
 * and are never trusted, and neither is the header from a peer that is not loopback.
 */
export function clientAddress(c: Context, trustProxy: boolean): string {
  const peer = socketAddress(c);
  if (trustProxy && isLoopback(peer)) {
    const hops = (c.req.header("x-forwarded-for") ?? "")
      .split(",")
      .map((h) => h.trim())
      .filter(Boolean);
    const last = hops.at(-1);
    if (last && /^[0-9A-Fa-f:.]{2,45}$/.test(last)) return last;
  }
  return peer ?? "unknown";
}

/** Whether a proxy forwarded the request: then the loopback peer is the proxy, not the client. */
export function isForwarded(c: Context): boolean {
  return c.req.header("x-forwarded-for") !== undefined || c.req.header("forwarded") !== undefined;
}
