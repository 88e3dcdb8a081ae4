import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../../test/support/stores.js";
import { initHome } from "../home/home.js";
import { ConfigError } from "../shared/errors.js";
import { Lake } from "./lake.js";
import { LAKE_MARKER } from "./lake-file.js";

describe("a lake that is missing", () => {
  it("is created the first time, and refused once the home has had one", async () => {
    const tmp = tempDir();
    try {
      const { home } = initHome(join(tmp.dir, "home"), {});
      const lake = await Lake.open(home);
      await lake.connection.run(
        "insert into main._loads values (1, 'ehr', 'f1', 'then', 'then', '{}')",
      );
      lake.close();
      expect(existsSync(join(home.dir, LAKE_MARKER))).toBe(true);

      rmSync(join(home.dir, "lake.duckdb"));
      const error = await Lake.open(home).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).message).toMatch(
        /lake .*lake\.duckdb is missing, but this home had one \(created \d{4}-.*\); Kaivo will not start an empty lake/,
      );
      expect((error as ConfigError).hint).toMatch(/Restore lake\.duckdb from a backup/);
      expect(existsSync(join(home.dir, "lake.duckdb"))).toBe(false);

      // Starting over is a decision someone takes by deleting the marker.
      rmSync(join(home.dir, LAKE_MARKER));
      const fresh = await Lake.open(home);
      expect(await fresh.snapshots()).toEqual([]);
      fresh.close();
    } finally {
      tmp.remove();
    }
  });
});
