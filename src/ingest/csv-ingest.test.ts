import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { tempDir } from "../../test/support/stores.js";
import { homeKey, initHome } from "../home/home.js";
import { checkCharacter, HETU_SYSTEM } from "../identity/hetu.js";
import { lakePseudoId, recordKey } from "../identity/pseudonym.js";
import { Vault } from "../identity/vault.js";
import { Lake } from "../lake/lake.js";
import { ConfigError, ValidationError } from "../shared/errors.js";
import { loadRegistryCsv, type RegistryMapping } from "./csv-ingest.js";

// The CSV registry connector against a real lake and vault: typing, quarantine with line
// numbers, the encoding and separator a mapping names, and versions across extracts.

const tmp = tempDir("kaivo-csv-");
afterAll(() => tmp.remove());

const hetu = (date: string, n: string) => `${date}-${n}${checkCharacter(date, n)}`;
const ANNA = hetu("010280", "123");
const PEKKA = hetu("150375", "456");
const AINO = hetu("311299", "789");

const MAPPING: RegistryMapping = {
  registry: "kidney",
  title: "Kidney registry",
  description: "Dialysis sessions.",
  owner: "Nephrology",
  sourceSystem: "Kidney registry (CSV extract)",
  updateFrequency: "monthly",
  keywords: [],
  file: "munuais.csv",
  encoding: "latin1",
  separator: ",",
  decimalComma: false,
  dateFormat: "YYYY-MM-DD",
  personColumn: "Hetu",
  table: "session",
  eventDate: "session_date",
  columns: [
    {
      source: "Päivä",
      name: "session_date",
      type: "date",
      label: "Päivä",
      description: "Date",
      categorical: false,
    },
    {
      source: "Kesto",
      name: "hours",
      type: "decimal",
      label: "Kesto",
      description: "Hours",
      categorical: false,
    },
    {
      source: "Hoito",
      name: "treatment",
      type: "string",
      label: "Hoito",
      description: "Treatment",
      categorical: true,
    },
  ],
};

let n = 0;
let homeDir = "";
beforeEach(() => {
  homeDir = join(tmp.dir, `home-${++n}`);
  initHome(homeDir, {});
});

async function load(csv: string, mapping = MAPPING) {
  const { home } = initHome(homeDir, {});
  const file = join(tmp.dir, `extract-${n}-${Math.random().toString(36).slice(2)}.csv`);
  writeFileSync(file, Buffer.from(csv, mapping.encoding === "latin1" ? "latin1" : "utf8"));
  const lake = await Lake.open(home);
  const vault = Vault.open(home);
  try {
    return await loadRegistryCsv(lake, vault, homeKey(home, "lake"), mapping, file, {
      source: "kidney-registry",
      personIdentifierSystem: HETU_SYSTEM,
      stagingDir: join(homeDir, "staging"),
      label: "munuais.csv",
      now: Date.parse("2025-06-30T12:00:00Z"),
    });
  } finally {
    lake.close();
    vault.close();
  }
}

async function current() {
  const { home } = initHome(homeDir, {});
  const lake = await Lake.open(home);
  try {
    return (
      await lake.connection.runAndReadAll(
        "select record_key, pseudo_id, session_date::varchar d, hours, treatment from kidney.session where load_to is null order by d, hours",
      )
    ).getRowObjectsJson();
  } finally {
    lake.close();
  }
}

function quarantine() {
  const { home } = initHome(homeDir, {});
  const vault = Vault.open(home);
  try {
    return vault.listQuarantine().map((q) => [q.line, q.reason]);
  } finally {
    vault.close();
  }
}

const HEADER = "Hetu,Päivä,Kesto,Hoito\n";

describe("loadRegistryCsv", () => {
  it("types values, reads Latin-1, and quarantines what it cannot read with its line", async () => {
    const report = await load(
      `${HEADER}${ANNA},2024-01-05,4.5,hemodialyysi\n` +
        `${PEKKA},2024-01-06,,"peritoneaalidialyysi, yö"\n` +
        "\n" +
        `010280-1230,2024-01-07,4,hemodialyysi\n` + // wrong check character
        `${AINO},2024-02-30,4,hemodialyysi\n` + // no such date
        `${AINO},2024-03-01,4;5,hemodialyysi\n` + // not a decimal
        `${AINO},2031-01-01,4,hemodialyysi\n`, // in the future
    );
    const table = report.tables["kidney.session"];
    expect(table).toMatchObject({ read: 6, inserted: 2 });
    expect(table?.quarantined).toEqual({
      "invalid identity code: check character does not match": 1,
      "wrong type: session_date": 1,
      "wrong type: hours": 1,
      "date in the future": 1,
    });
    expect(quarantine()).toEqual([
      [5, "invalid identity code: check character does not match"],
      [6, "wrong type: session_date"],
      [7, "wrong type: hours"],
      [8, "date in the future"],
    ]);
    const rows = await current();
    expect(rows.map((r) => [r.d, r.hours, r.treatment])).toEqual([
      ["2024-01-05", 4.5, "hemodialyysi"],
      ["2024-01-06", null, "peritoneaalidialyysi, yö"],
    ]);
    const { home } = initHome(homeDir, {});
    expect(rows[0]?.pseudo_id).toBe(lakePseudoId(homeKey(home, "lake"), HETU_SYSTEM, ANNA));
  });

  it("keys records by person, date and order within the date, as recordKey computes them", async () => {
    await load(
      `${HEADER}${ANNA},2024-01-05,4,hemodialyysi\n${ANNA},2024-01-05,2,hemodialyysi\n${ANNA},2024-01-06,3,hemodialyysi\n`,
    );
    const { home } = initHome(homeDir, {});
    const lakeKey = homeKey(home, "lake");
    const pseudo = lakePseudoId(lakeKey, HETU_SYSTEM, ANNA);
    const key = (id: string) => recordKey(lakeKey, "registry:kidney", "session", id);
    const byHours = new Map((await current()).map((r) => [r.hours, r.record_key]));
    expect(byHours).toEqual(
      new Map([
        [4, key(`${pseudo}|2024-01-05|1`)],
        [2, key(`${pseudo}|2024-01-05|2`)],
        [3, key(`${pseudo}|2024-01-06|1`)],
      ]),
    );
  });

  it("takes a newer extract as versions: changed, new, removed and unchanged rows", async () => {
    const rows = [
      `${ANNA},2024-01-05,4,hemodialyysi`,
      `${ANNA},2024-01-05,2,hemodialyysi`,
      `${PEKKA},2024-01-06,3,hemodialyysi`,
      `${AINO},2024-01-07,5,hemodialyysi`,
    ];
    await load(`${HEADER}${rows.join("\n")}\n`);
    const before = await current();
    const second = await load(
      `${HEADER}${[rows[0], rows[1], `${PEKKA},2024-01-06,3.5,hemodialyysi`, `${AINO},2024-02-07,5,hemodialyysi`].join("\n")}\n`,
    );
    expect(second.tables["kidney.session"]).toMatchObject({
      read: 4,
      unchanged: 2,
      updated: 1,
      inserted: 1,
      deleted: 1,
    });
    const after = await current();
    const keys = (xs: typeof after) => new Set(xs.map((r) => r.record_key));
    expect([...keys(before)].filter((k) => keys(after).has(k))).toHaveLength(3);
    expect(after.map((r) => r.hours)).toEqual([2, 4, 3.5, 5]);
  });

  it("says which mapped column a file lacks, without a value from the file", async () => {
    const error = await load(`Hetu,Päivä,Hoito\n${ANNA},2024-01-05,hemodialyysi\n`).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect(String((error as Error).message)).toMatch(/the column "Kesto" .* is not in the file/);
    expect(String((error as Error).message)).not.toContain(ANNA);
  });

  it("refuses an extract without rows rather than close every record", async () => {
    await load(`${HEADER}${ANNA},2024-01-05,4,hemodialyysi\n`);
    for (const empty of [HEADER, ""]) {
      const error = await load(empty).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect(String((error as Error).message)).toMatch(/has no rows/);
    }
    expect(await current()).toHaveLength(1);
  });

  it("reads a UTF-8 extract with a byte-order mark, semicolons, decimal commas and Finnish dates", async () => {
    const mapping: RegistryMapping = {
      ...MAPPING,
      encoding: "utf8",
      separator: ";",
      decimalComma: true,
      dateFormat: "DD.MM.YYYY",
    };
    await load(`\ufeffHetu;Päivä;Kesto;Hoito\n${ANNA};05.01.2024;4,25;hemodialyysi\n`, mapping);
    expect((await current()).map((r) => [r.d, r.hours])).toEqual([["2024-01-05", 4.25]]);
  });
});
