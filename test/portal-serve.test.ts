import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { initHome } from "../src/home/home.js";
import { tempDir } from "./support/stores.js";

/** `kaivo serve` from dist serves the portal and says where (run `npm run build` first). */
const MAIN = join(import.meta.dirname, "../dist/cli/main.js");
const tmp = tempDir("kaivo-portal-serve-");
let child: ChildProcess | undefined;
afterAll(async () => {
  // It stops gracefully (and removes its lock) before the home goes.
  if (child && child.exitCode === null) {
    const exited = new Promise((resolve) => child?.once("exit", resolve));
    child.kill("SIGTERM");
    await exited;
  }
  tmp.remove();
});

describe("kaivo serve", () => {
  it("prints the portal's address, and serves the portal's pages and files from dist", async () => {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\`.`);
    const { home } = initHome(join(tmp.dir, "home"), {});
    const server = spawn(process.execPath, [MAIN, "serve", "--port", "0"], {
      env: { PATH: process.env.PATH, KAIVO_HOME: home.dir, NODE_ENV: "test" },
      stdio: ["ignore", "ignore", "pipe"],
    });
    child = server;
    const portal = await new Promise<string>((resolve, reject) => {
      let err = "";
      server.stderr?.on("data", (d: Buffer) => {
        err += d.toString();
        const found = /portal: (http:\/\/\S+)\n/.exec(err);
        if (found?.[1]) resolve(found[1]);
      });
      server.once("exit", (code) => reject(new Error(`kaivo serve exited (${code}): ${err}`)));
    });
    const url = new URL(portal);
    expect(url.pathname).toBe("/portal/catalog");
    const root = await fetch(new URL("/", url), { redirect: "manual" });
    expect(root.status).toBe(303);
    expect(root.headers.get("location")).toBe("/portal/catalog");
    const login = await fetch(new URL("/portal/login", url));
    expect(login.status).toBe(200);
    expect(await login.text()).toContain('<html lang="fi">');
    for (const file of ["/portal/static/htmx.min.js", "/portal/static/portal.css"])
      expect((await fetch(new URL(file, url))).status, file).toBe(200);
  });
});
