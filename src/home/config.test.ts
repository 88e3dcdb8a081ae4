import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { tempDir } from "../../test/support/stores.js";
import { ConfigError } from "../shared/errors.js";
import { DEFAULT_CONFIG, readConfig } from "./config.js";

describe("kaivo.json", () => {
  const tmp = tempDir();
  const file = join(tmp.dir, "kaivo.json");
  afterAll(tmp.remove);

  function errorFor(text: string): ConfigError {
    writeFileSync(file, text);
    try {
      readConfig(file);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return error as ConfigError;
    }
    throw new Error("expected a ConfigError");
  }

  it("reads a valid file and fills defaults", () => {
    writeFileSync(file, JSON.stringify({ version: 1 }));
    expect(readConfig(file)).toEqual(DEFAULT_CONFIG);
  });

  it("names an unknown key, nested or top-level, and the file", () => {
    const error = errorFor(JSON.stringify({ version: 1, controlStore: { sqlitFile: "x.db" } }));
    expect(error.message).toContain('unknown key "controlStore.sqlitFile"');
    expect(error.message).toContain(file);
    expect(errorFor(JSON.stringify({ version: 1, lakeKey: "x" })).message).toContain('"lakeKey"');
  });

  it("names a key with the wrong type", () => {
    const error = errorFor(JSON.stringify({ version: 1, controlStore: { sqliteFile: 42 } }));
    expect(error.message).toMatch(/"controlStore\.sqliteFile": .*expected string/);
  });

  it("takes the lake's memory limit as a size, and refuses anything else", () => {
    writeFileSync(file, JSON.stringify({ version: 1, lake: { memoryLimit: "768MB" } }));
    expect(readConfig(file).lake.memoryLimit).toBe("768MB");
    expect(errorFor(JSON.stringify({ version: 1, lake: { memoryLimit: "lots" } })).message).toMatch(
      /"lake\.memoryLimit": a size such as "1GB"/,
    );
  });

  it("takes audit checkpoint settings, and refuses a witness that is not http(s)", () => {
    expect(DEFAULT_CONFIG.audit).toEqual({
      checkpointEvery: 100,
      checkpointMaxAgeHours: 24,
      checkpointFile: "audit-checkpoints.jsonl",
    });
    writeFileSync(
      file,
      JSON.stringify({ version: 1, audit: { checkpointEvery: 10, syslog: { host: "siem" } } }),
    );
    expect(readConfig(file).audit).toMatchObject({
      checkpointEvery: 10,
      syslog: { host: "siem", port: 514 },
    });
    const ftp = errorFor(JSON.stringify({ version: 1, audit: { witnessUrl: "ftp://w/x" } }));
    expect(ftp.message).toMatch(/"audit\.witnessUrl"/);
    const zero = errorFor(JSON.stringify({ version: 1, audit: { checkpointEvery: 0 } }));
    expect(zero.message).toMatch(/"audit\.checkpointEvery"/);
  });

  it("names a missing or unsupported version", () => {
    expect(errorFor("{}").message).toContain('"version"');
    expect(errorFor(JSON.stringify({ version: 2 })).message).toContain('"version"');
  });

  it("says when the file is not JSON", () => {
    expect(errorFor("{ version: 1 ").message).toMatch(/not valid JSON/);
  });
});
