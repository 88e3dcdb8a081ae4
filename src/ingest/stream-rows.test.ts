import { DuckDBInstance } from "@duckdb/node-api";
import { describe, expect, it } from "vitest";
import { streamRows } from "./stream-rows.js";

// An appender flushes every 204 800 rows: on the streaming connection that flush ends the stream.
const ROWS = 300_000;

async function appendWhileStreaming(sameConnection: boolean): Promise<number> {
  const instance = await DuckDBInstance.create(":memory:");
  const c = await instance.connect();
  const writer = sameConnection ? c : await instance.connect();
  try {
    await c.run("CREATE TABLE copied (i BIGINT)");
    const appender = await writer.createAppender("copied");
    for await (const rows of streamRows(c, `SELECT i FROM range(${ROWS}) t(i)`)) {
      for (const [i] of rows) {
        appender.appendBigInt(i as bigint);
        appender.endRow();
      }
    }
    appender.closeSync();
    return Number((await c.runAndReadAll("SELECT count(*) FROM copied")).getRows()[0]?.[0]);
  } finally {
    if (writer !== c) writer.closeSync();
    c.closeSync();
    instance.closeSync();
  }
}

describe("streamRows", () => {
  it("gives every row when the appender works on a connection of its own", async () => {
    expect(await appendWhileStreaming(false)).toBe(ROWS);
  });

  it("fails, rather than end quietly, when its connection runs something else meanwhile", async () => {
    await expect(appendWhileStreaming(true)).rejects.toThrow(
      /ended after 204800; nothing was loaded/,
    );
  });
});
