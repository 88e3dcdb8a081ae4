import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../../test/support/stores.js";
import { readCatalog } from "../catalog/catalog-store.js";
import { initHome } from "../home/home.js";
import { LakeHost, registerHost, unregisterHost } from "./host.js";
import { Lake } from "./lake.js";
import { sql } from "./sql.js";

describe("lake reads kept until the next write", () => {
  it("are shared by readers of one committed lake, and read again after a write or during one", async () => {
    const tmp = tempDir();
    const { home } = initHome(join(tmp.dir, "home"), {});
    (await Lake.open(home)).close();
    const host = await LakeHost.start(home);
    registerHost(host);
    try {
      let reads = 0;
      const loads = async () => {
        const lake = await Lake.open(home, { readOnly: true });
        try {
          return await lake.remember("loads", async () => {
            reads++;
            return Number((await lake.query(sql`select count(*) as n from main._loads`))[0]?.n);
          });
        } finally {
          lake.close();
        }
      };
      expect(await loads()).toBe(0);
      expect(await loads()).toBe(0);
      expect(reads).toBe(1);

      const writer = await Lake.open(home);
      await writer.connection.run(
        "insert into main._loads values (1, 'ehr', 'f1', 'then', 'then', '{}')",
      );
      // While a writer holds the lake a reader may see its commits or not: nothing is kept.
      expect(await loads()).toBe(1);
      expect(await loads()).toBe(1);
      expect(reads).toBe(3);
      writer.close();

      expect(await loads()).toBe(1);
      expect(await loads()).toBe(1);
      expect(reads).toBe(4);

      // What is kept is never the caller's to change.
      const reader = await Lake.open(home, { readOnly: true });
      try {
        (await readCatalog(reader)).tables.push({} as never);
        expect((await readCatalog(reader)).tables).toEqual([]);
      } finally {
        reader.close();
      }
    } finally {
      unregisterHost(host);
      host.close();
      tmp.remove();
    }
  });
});
