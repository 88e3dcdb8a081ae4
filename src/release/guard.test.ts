import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  DATES_AND_TIMES,
  HETU_VARIANTS,
  PHONE_VARIANTS,
} from "../../test/support/identifier-variants.js";
import { IDENTIFIER_PATTERNS } from "./guard.js";

// The guard runs its patterns in DuckDB (RE2), so they are tested there, not only in JavaScript.
describe("release guard patterns in DuckDB", () => {
  let instance: DuckDBInstance;
  const kindsOf = async (value: string) => {
    const connection = await instance.connect();
    try {
      const kinds: string[] = [];
      for (const [kind, pattern] of Object.entries(IDENTIFIER_PATTERNS)) {
        const reader = await connection.runAndReadAll("select regexp_matches($1, $2) as hit", [
          `text ${value}, more`,
          pattern,
        ]);
        if (reader.getRowObjects()[0]?.hit === true) kinds.push(kind);
      }
      return kinds;
    } finally {
      connection.closeSync();
    }
  };
  beforeAll(async () => {
    instance = await DuckDBInstance.create(":memory:");
  });
  afterAll(() => instance.closeSync());

  it("find identity codes in every written variant", async () => {
    for (const code of HETU_VARIANTS) expect(await kindsOf(code), code).toEqual(["identity code"]);
  });

  it("find phone numbers in Finnish, international and US forms", async () => {
    for (const phone of PHONE_VARIANTS)
      expect(await kindsOf(phone), phone).toEqual(["phone number"]);
  });

  it("take no date or time for a phone number, nor a ten-digit number for a code", async () => {
    for (const date of DATES_AND_TIMES) expect(await kindsOf(date), date).toEqual([]);
    expect(await kindsOf("1310523081")).toEqual([]);
  });

  it("read the same in JavaScript, where the guard scans text files", () => {
    const kindsIn = (value: string) =>
      Object.entries(IDENTIFIER_PATTERNS)
        .filter(([, p]) => new RegExp(p).test(`text ${value}, more`))
        .map(([kind]) => kind);
    for (const code of HETU_VARIANTS) expect(kindsIn(code), code).toEqual(["identity code"]);
    for (const phone of PHONE_VARIANTS) expect(kindsIn(phone), phone).toEqual(["phone number"]);
    for (const date of DATES_AND_TIMES) expect(kindsIn(date), date).toEqual([]);
  });
});
