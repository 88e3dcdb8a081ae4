import { closeSync, openSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { RegistryRow } from "./chart.js";
import type { Defect } from "./defects.js";
import type { Rng } from "./rng.js";
import { DAY, finnishDate } from "./time.js";

interface RegistryFormat {
  file: string;
  /** Latin-1, or UTF-8 with a byte-order mark: both are what Finnish systems export. */
  encoding: "latin1" | "utf8-bom";
  header: string[];
  cells: (row: RegistryRow) => Array<string | number | null>;
}

const decimal = (x: number | string | null, digits: number) =>
  typeof x === "number" ? x.toFixed(digits).replace(".", ",") : (x ?? "");

export const REGISTRY_FORMATS: Record<RegistryRow["registry"], RegistryFormat> = {
  reuma: {
    file: "reumarekisteri.csv",
    encoding: "latin1",
    header: [
      "Henkilötunnus",
      "Käyntipäivä",
      "DAS28",
      "HAQ",
      "CRP (mg/l)",
      "La (mm/h)",
      "Turvonneet nivelet",
      "Aristavat nivelet",
      "Potilaan VAS (mm)",
      "Nykyinen lääkitys",
    ],
    cells: (r) => [
      decimal(r.values.das28 ?? null, 2),
      decimal(r.values.haq ?? null, 3),
      r.values.crp ?? "",
      r.values.esr ?? "",
      r.values.swollen ?? "",
      r.values.tender ?? "",
      r.values.vas ?? "",
      r.values.treatment ?? "",
    ],
  },
  diabetes: {
    file: "diabetesrekisteri.csv",
    encoding: "utf8-bom",
    header: [
      "Henkilötunnus",
      "Tutkimuspäivä",
      "HbA1c (mmol/mol)",
      "Paino (kg)",
      "Pituus (cm)",
      "RR systolinen",
      "RR diastolinen",
      "Hoitomuoto",
    ],
    cells: (r) => [
      r.values.hba1c ?? "",
      decimal(r.values.weight ?? null, 1),
      r.values.height ?? "",
      r.values.systolic ?? "",
      r.values.diastolic ?? "",
      r.values.treatment ?? "",
    ],
  },
};

/** A quality-registry CSV: `;` separated, decimal commas, DD.MM.YYYY, CRLF line ends. */
export class RegistryWriter {
  #fd: number;
  #line = 1;
  rows = 0;

  constructor(
    dir: string,
    private readonly format: RegistryFormat,
  ) {
    this.#fd = openSync(join(dir, format.file), "w");
    if (format.encoding === "utf8-bom") writeSync(this.#fd, Buffer.from([0xef, 0xbb, 0xbf]));
    this.writeLine(format.header.join(";"));
  }

  private writeLine(text: string): void {
    writeSync(
      this.#fd,
      Buffer.from(`${text}\r\n`, this.format.encoding === "latin1" ? "latin1" : "utf8"),
    );
  }

  /**
   * Writes a person's rows. With a defect rate, a row may get an invalid identity code, a
   * non-numeric value or a future date; those rows are reported and not counted.
   */
  write(
    hetu: string,
    rows: RegistryRow[],
    rng: Rng | null,
    rate: number,
    asOf: number,
    defects: Defect[],
  ): number {
    let clean = 0;
    for (const row of rows) {
      let key = hetu;
      let date = finnishDate(row.at);
      const cells = this.format.cells(row).map((c) => String(c));
      this.#line++;
      if (rng?.chance(rate)) {
        const kind = rng.pick(["invalid_hetu", "wrong_type", "future_date"] as const);
        if (kind === "invalid_hetu") key = hetu.slice(0, 10) + (hetu[10] === "A" ? "B" : "A");
        if (kind === "wrong_type") cells[0] = rng.pick(["n/a", "-", "?"]);
        if (kind === "future_date") date = finnishDate(asOf + rng.int(60, 900) * DAY);
        defects.push({ file: `registries/${this.format.file}`, line: this.#line, kind });
      } else clean++;
      this.writeLine([key, date, ...cells].join(";"));
    }
    this.rows += clean;
    return clean;
  }

  close(): void {
    closeSync(this.#fd);
  }
}
