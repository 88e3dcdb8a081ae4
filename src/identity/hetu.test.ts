import { describe, expect, it } from "vitest";
import {
  checkCharacter,
  containsHetuLike,
  HETU_SYSTEM,
  hetuLikePattern,
  parseHetu,
  personIdentifierProblem,
} from "./hetu.js";

describe("parseHetu", () => {
  it("accepts the official example and reads birth date and sex", () => {
    expect(parseHetu("131052-308T")).toEqual({
      ok: true,
      hetu: { code: "131052-308T", birthDate: "1952-10-13", sex: "female", temporary: false },
    });
  });

  it("reads every century sign, the 2023 ones included, without normalising them", () => {
    const cases: Array<[string, string]> = [
      ["+", "1852"],
      ["-", "1952"],
      ["Y", "1952"],
      ["X", "1952"],
      ["W", "1952"],
      ["V", "1952"],
      ["U", "1952"],
      ["A", "2052"],
      ["B", "2052"],
      ["C", "2052"],
      ["D", "2052"],
      ["E", "2052"],
      ["F", "2052"],
    ];
    for (const [sign, year] of cases) {
      const code = `131052${sign}308T`;
      const result = parseHetu(code);
      expect(result.ok, code).toBe(true);
      if (result.ok) {
        expect(result.hetu.birthDate).toBe(`${year}-10-13`);
        expect(result.hetu.code).toBe(code);
      }
    }
  });

  it("flags temporary codes (individual number 900-999) as valid but temporary", () => {
    const code = `010190-9${"01"}${checkCharacter("010190", "901")}`;
    const result = parseHetu(code);
    expect(result).toMatchObject({ ok: true, hetu: { temporary: true, sex: "male" } });
  });

  it("rejects wrong check characters, impossible dates and malformed codes, without echoing them", () => {
    for (const [code, reason] of [
      ["131052-308X", /check character/],
      ["310252-308T", /calendar date/],
      ["290201A0021", /calendar date/], // 2001 is not a leap year
      ["131052-001T", /not used/],
      ["131052Z308T", /form/],
      ["131052-308", /form/],
    ] as const) {
      const result = parseHetu(code);
      expect(result.ok, code).toBe(false);
      if (!result.ok) {
        expect(result.reason).toMatch(reason);
        expect(result.reason).not.toContain(code.slice(0, 6));
      }
    }
  });

  it("accepts 29 February in a leap year", () => {
    const code = `290200A002${checkCharacter("290200", "002")}`;
    expect(parseHetu(code).ok).toBe(true);
  });
});

describe("hetu-like text", () => {
  it("finds codes inside sentences, checked or not, in any case", () => {
    expect(containsHetuLike("Potilas (hetu 131052-308T) tuli")).toBe(true);
    expect(containsHetuLike("hetu 131052-308x")).toBe(true);
    expect(containsHetuLike("born 010594Y9032.")).toBe(true);
    expect(containsHetuLike("nothing here: 2024-01-05, tel 040 123 4567")).toBe(false);
    expect(containsHetuLike("order 1310521-308T")).toBe(false); // longer digit run: not a hetu
    expect("a 131052-308T b 010594Y9032".match(hetuLikePattern())).toEqual([
      "131052-308T",
      "010594Y9032",
    ]);
  });
});

describe("personIdentifierProblem", () => {
  it("applies hetu rules to the hetu system only", () => {
    expect(personIdentifierProblem(HETU_SYSTEM, "131052-308T")).toBeUndefined();
    expect(personIdentifierProblem(HETU_SYSTEM, "131052-308X")).toMatch(
      /^invalid identity code: check character/,
    );
    expect(personIdentifierProblem(HETU_SYSTEM, " ")).toBe("no person identifier");
    expect(personIdentifierProblem(HETU_SYSTEM, undefined)).toBe("no person identifier");
    expect(
      personIdentifierProblem("http://hl7.org/fhir/sid/us-ssn", "123-45-6789"),
    ).toBeUndefined();
  });
});
