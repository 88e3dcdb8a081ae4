import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Hono } from "hono";
import type { AppEnv } from "../server/app-env.js";
import { PORTAL } from "./paths.js";

export const STATIC = `${PORTAL}/static`;

/**
 * The portal's only script and stylesheet, served from this server (the CSP allows no other
 * origin and nothing inline): htmx from its npm package, and the portal's CSS, which tsc does not
 * copy to dist, so it is read from src/portal/static (two levels above src/portal and dist/portal).
 */
export function staticFiles(app: Hono<AppEnv>): void {
  const htmx = readFileSync(createRequire(import.meta.url).resolve("htmx.org/dist/htmx.min.js"));
  const css = readFileSync(new URL("../../src/portal/static/portal.css", import.meta.url));
  const file = (body: Buffer, type: string) => () =>
    new Response(new Uint8Array(body), {
      headers: { "Content-Type": type, "Cache-Control": "public, max-age=3600" },
    });
  app.get(`${STATIC}/htmx.min.js`, file(htmx, "text/javascript; charset=utf-8"));
  app.get(`${STATIC}/portal.css`, file(css, "text/css; charset=utf-8"));
}
