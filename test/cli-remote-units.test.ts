import { chmodSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { afterAll, describe, expect, it } from "vitest";
import { serverUrl } from "../src/cli/commands/login.js";
import { HOST_ONLY_COMMANDS, LOCAL_COMMANDS, REMOTE_COMMANDS } from "../src/cli/mode.js";
import { buildProgram } from "../src/cli/program.js";
import { errorFromResponse, LoginRequiredError } from "../src/cli/remote/client.js";
import {
  credentialsFile,
  readCredentials,
  removeCredentials,
  writeCredentials,
} from "../src/cli/remote/credentials.js";
import {
  ConflictError,
  ForbiddenError,
  KaivoError,
  NotFoundError,
  RateLimitError,
  ValidationError,
} from "../src/shared/errors.js";
import { tempDir } from "./support/stores.js";

/** The pieces of the CLI's remote mode that need no server: error mapping, URLs, the login file. */
const tmp = tempDir("kaivo-cli-remote-units-");
afterAll(() => tmp.remove());
const S = "https://kaivo.example.org";

describe("errors from the server", () => {
  const body = (error: string, hint?: string, requestId = "r-1") =>
    JSON.stringify({ error, ...(hint ? { hint } : {}), requestId });

  it("become the Kaivo error of the same meaning, so exit codes match direct mode", () => {
    const cases: Array<[number, new (...a: never[]) => KaivoError]> = [
      [400, ValidationError],
      [401, LoginRequiredError],
      [403, ForbiddenError],
      [404, NotFoundError],
      [409, ConflictError],
      [429, RateLimitError],
    ];
    for (const [status, type] of cases)
      expect(errorFromResponse(S, status, body("said", "do this"))).toBeInstanceOf(type);
    const forbidden = errorFromResponse(S, 403, body("riku may not x.", "Allowed roles: steward."));
    expect([forbidden.message, forbidden.hint]).toEqual([
      "riku may not x.",
      "Allowed roles: steward.",
    ]);
  });

  it("say to log in again on a 401, and when to try again on a 429", () => {
    const e = errorFromResponse(S, 401, body("The API token is not valid."));
    expect(e.message).toBe(
      `The server at ${S} did not accept your login: The API token is not valid.`,
    );
    expect(e.hint).toContain(`kaivo login --server ${S}`);
    expect(errorFromResponse(S, 429, "{}", "30").hint).toBe("Try again in 30 seconds.");
  });

  it("give a server error's request id, and never show a body that is not Kaivo's JSON", () => {
    const e = errorFromResponse(S, 500, body("Unexpected error (a bug)."));
    expect(e.hint).toBe("(server request id r-1)");
    const proxy = errorFromResponse(S, 502, "<html>Bad gateway from proxy</html>");
    expect(proxy.message).toBe("The server answered HTTP 502.");
    expect(`${proxy.message}${proxy.hint ?? ""}`).not.toContain("proxy");
  });
});

describe("the server URL", () => {
  it("is https, or http only to this machine, without credentials in it", () => {
    expect(serverUrl("https://kaivo.example.org/")).toBe(S);
    expect(serverUrl("https://kaivo.example.org/kaivo/")).toBe(`${S}/kaivo`);
    expect(serverUrl("http://127.0.0.1:8080")).toBe("http://127.0.0.1:8080");
    expect(serverUrl("http://localhost:8080")).toBe("http://localhost:8080");
    expect(serverUrl("http://[::1]:8080")).toBe("http://[::1]:8080");
    expect(() => serverUrl("http://10.0.0.5:8080")).toThrow(/plain http to another machine/);
    expect(() => serverUrl("https://u:p@kaivo.example.org")).toThrow(/no user name or password/);
    expect(() => serverUrl("ftp://kaivo.example.org")).toThrow(/https/);
    expect(() => serverUrl("kaivo.example.org")).toThrow(/URL/);
  });
});

describe("the credentials file", () => {
  const env = { KAIVO_CONFIG_DIR: join(tmp.dir, "nested", "kaivo") };
  const login = {
    server: S,
    user: "riku",
    role: "researcher",
    token: "kaivo_secret",
    tokenId: "tok_1",
  };

  it("is written 0600 in a 0700 folder, atomically, and read back", () => {
    expect(readCredentials(env)).toBeUndefined();
    const file = writeCredentials(login, env);
    expect(file).toBe(credentialsFile(env));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(env.KAIVO_CONFIG_DIR).mode & 0o777).toBe(0o700);
    writeCredentials({ ...login, tokenId: "tok_2" }, env);
    expect(readCredentials(env)?.tokenId).toBe("tok_2");
    // No temporary file is left beside it.
    expect(readdirSync(env.KAIVO_CONFIG_DIR)).toEqual(["credentials.json"]);
  });

  it("is refused when other users can read it, without showing the token", () => {
    chmodSync(credentialsFile(env), 0o644);
    let error: unknown;
    try {
      readCredentials(env);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(KaivoError);
    expect((error as KaivoError).message).toMatch(/can be read by other users/);
    expect(`${(error as KaivoError).message}${(error as KaivoError).hint}`).not.toContain(
      "kaivo_secret",
    );
    expect(removeCredentials(env)).toBe(true);
    expect(removeCredentials(env)).toBe(false);
  });
});

describe("which commands run through the server", () => {
  /** Every command that runs (has no subcommands), as `catalog list`. */
  function leaves(command: Command, prefix: string[] = []): string[] {
    if (command.commands.length === 0) return [prefix.join(" ")];
    return command.commands.flatMap((c) => leaves(c, [...prefix, c.name()]));
  }
  const commands = leaves(buildProgram());

  it("puts every command in exactly one of remote, local and host-only", () => {
    expect(commands.length).toBeGreaterThan(60);
    for (const path of commands) {
      const lists = [
        REMOTE_COMMANDS.has(path) && "remote",
        LOCAL_COMMANDS.has(path) && "local",
        HOST_ONLY_COMMANDS.has(path) && "host-only",
      ].filter(Boolean);
      expect(lists, `kaivo ${path}`).toHaveLength(1);
    }
    for (const path of [...REMOTE_COMMANDS, ...LOCAL_COMMANDS, ...HOST_ONLY_COMMANDS.keys()])
      expect(commands, `${path} is not a command`).toContain(path);
  });

  it("keeps only other users' secrets and identities, and the workspace until its route, on the host", () => {
    expect([...HOST_ONLY_COMMANDS.keys()].sort()).toEqual([
      "user link",
      "user password",
      "user totp",
      "workspace analyse",
      "workspace list",
      "workspace output add",
      "workspace output list",
      "workspace output release",
      "workspace output request",
      "workspace output requests",
      "workspace output review",
      "workspace output show",
      "workspace output verify",
      "workspace sql",
    ]);
  });
});
