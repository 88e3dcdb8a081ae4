import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  DATES_AND_TIMES,
  EMAIL_VARIANTS,
  HETU_VARIANTS,
  NOT_ADDRESSES,
  NOT_RECORD_NUMBERS,
  PHONE_VARIANTS,
  POSTAL_TOWN_VARIANTS,
  RECORD_NUMBER_VARIANTS,
  STREET_ADDRESS_VARIANTS,
} from "../../test/support/identifier-variants.js";
import { BLANKED_BEFORE, IDENTIFIER_PATTERNS, kindCountIn } from "./guard.js";

// Anatomy and care words built like streets, measurements, a lab list: blanked before the look.
const MEASURED_LIKE_STREETS = [
  "Sappitie 9 mm, laajentunut",
  "Aortankaari 3,2 cm",
  "Hoitopolku 2 aloitettu",
  "WBC 12000 Platelets 250000",
];

// The guard runs its patterns in DuckDB (RE2), so they are tested there, not only in JavaScript.
describe("release guard patterns in DuckDB", () => {
  let instance: DuckDBInstance;
  const kindsOf = async (value: string) => {
    const connection = await instance.connect();
    try {
      const kinds: string[] = [];
      for (const [kind, pattern] of Object.entries(IDENTIFIER_PATTERNS)) {
        const blank = BLANKED_BEFORE[kind as keyof typeof IDENTIFIER_PATTERNS];
        const text = `text ${value}, more`;
        const reader = blank
          ? await connection.runAndReadAll(
              "select regexp_matches(regexp_replace($1, $3, ' ', 'g'), $2) as hit",
              [text, pattern, blank],
            )
          : await connection.runAndReadAll("select regexp_matches($1, $2) as hit", [text, pattern]);
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

  it("find e-mail addresses as written and written to dodge harvesters", async () => {
    for (const email of EMAIL_VARIANTS)
      expect(await kindsOf(email), email).toEqual(["e-mail address"]);
  });

  it("take no date or time for a phone number, nor a ten-digit number for a code", async () => {
    for (const date of DATES_AND_TIMES) expect(await kindsOf(date), date).toEqual([]);
    expect(await kindsOf("1310523081")).toEqual([]);
  });

  it("find street addresses and postal codes with towns", async () => {
    for (const address of STREET_ADDRESS_VARIANTS)
      expect(await kindsOf(address), address).toEqual(["street address"]);
    for (const postal of POSTAL_TOWN_VARIANTS)
      expect(await kindsOf(postal), postal).toContain("postal code with town");
    expect(await kindsOf("Box 12, 10600 Ekenäs")).toContain("street address");
  });

  it("find Nordic and Estonian identity numbers after their name, and no name alone", async () => {
    for (const value of [
      "Isikukood 37605030299",
      "Estonian ID code 49403136515",
      "Fødselsnummer 15038510190",
      "CPR-nr. 3112891234",
      "personnummer: 19850315-2749",
    ])
      expect(await kindsOf(value), value).toContain("identity number after its name");
    for (const text of ["Personnummer saknas", "isikukood puuttuu", "Näyte 37605030299"])
      expect(await kindsOf(text), text).not.toContain("identity number after its name");
  });

  it("find record numbers after their label, and nothing without one", async () => {
    for (const value of RECORD_NUMBER_VARIANTS)
      expect(await kindsOf(value), value).toContain("record number"); // 00123456 is a phone too
    for (const text of NOT_RECORD_NUMBERS) expect(await kindsOf(text), text).toEqual([]);
  });

  it("find numbers after any compound label and reference codes, but no clinical code", async () => {
    for (const [value, kind] of <Array<[string, string]>>[
      ["Anställningsnummer 4455-HUS", "number after a compound label"],
      ["työntekijänumero: 7781234", "number after a compound label"],
      ["lähete L2024-0034871", "reference code"],
      ["ajokortti FI-AK 12345678", "reference code"],
      ["Kela 80246813579135", "reference code"],
      // A card's series apart from its digits, and a check digit alone at the end.
      ["Kela-kortti K 01277 553", "record number"],
      ["Medicare no. 3321 77812 4", "record number"],
    ])
      expect(await kindsOf(value), value).toContain(kind);
    for (const text of [
      "ICD-10 S72.0, ATC C09AA05, CA-125 42, COVID-19",
      "PLT 250000, versio 10.2.15.3",
      "Huone 4711, mRNA-1273 annettu",
    ])
      expect(await kindsOf(text), text).toEqual([]);
    expect(kindCountIn("text FI-AK 12345678, more", "reference code")).toBe(1);
    expect(
      kindCountIn("text Anställningsnummer 4455-HUS, more", "number after a compound label"),
    ).toBe(1);
  });

  it("take no dose, weight, lab value, year or duration for an address", async () => {
    for (const text of NOT_ADDRESSES) expect(await kindsOf(text), text).toEqual([]);
    for (const text of [
      "Codebook: 12 columns, 3 Tables",
      "Generated 2026-01-15 by Kaivo 0.1",
      ...MEASURED_LIKE_STREETS,
    ])
      expect(await kindsOf(text), text).toEqual([]);
  });

  it("read the same in JavaScript, where the guard scans text files", () => {
    const kindsIn = (value: string) =>
      (Object.keys(IDENTIFIER_PATTERNS) as Array<keyof typeof IDENTIFIER_PATTERNS>).filter(
        (kind) => kindCountIn(`text ${value}, more`, kind) > 0,
      );
    for (const code of HETU_VARIANTS) expect(kindsIn(code), code).toEqual(["identity code"]);
    for (const phone of PHONE_VARIANTS) expect(kindsIn(phone), phone).toEqual(["phone number"]);
    for (const email of EMAIL_VARIANTS) expect(kindsIn(email), email).toEqual(["e-mail address"]);
    for (const date of DATES_AND_TIMES) expect(kindsIn(date), date).toEqual([]);
    for (const address of STREET_ADDRESS_VARIANTS)
      expect(kindsIn(address), address).toEqual(["street address"]);
    for (const postal of POSTAL_TOWN_VARIANTS)
      expect(kindsIn(postal), postal).toContain("postal code with town");
    for (const text of [...NOT_ADDRESSES, ...MEASURED_LIKE_STREETS, ...NOT_RECORD_NUMBERS])
      expect(kindsIn(text), text).toEqual([]);
    for (const value of RECORD_NUMBER_VARIANTS)
      expect(kindsIn(value), value).toContain("record number");
  });
});
