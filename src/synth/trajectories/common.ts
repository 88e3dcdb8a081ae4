import type { Chart, Visit } from "../chart.js";
import { LAB } from "../reference/codes.js";
import { type SpecialtyKey, UNIT_BY_CODE, type Unit, unitsFor } from "../reference/hospitals.js";
import { ageAt } from "../time.js";

/** Shared helpers for the trajectories: where people are seen, and routine labs. */
export const unit = (code: string): Unit => {
  const u = UNIT_BY_CODE.get(code);
  if (!u) throw new Error(`unknown unit ${code}`);
  return u;
};

/** Where this person goes for a specialty: the unit nearest home when there is a choice. */
export function localUnit(chart: Chart, specialty: SpecialtyKey, kind: Unit["kind"]): Unit {
  const options = unitsFor(specialty, kind);
  const home = chart.person.municipality.code;
  const preferred: Record<string, string> = {
    "049": "JOR",
    "235": "JOR",
    "257": "JOR",
    "092": "PEI",
    "245": "PEI",
    "186": "HYV",
    "106": "HYV",
    "858": "PEI",
    "543": "HYV",
    "638": "POR",
    "444": "LOH",
    "927": "LOH",
    "710": "LUS",
    "753": "POR",
  };
  const near = options.find((u) => u.hospital === preferred[home]);
  return (
    near ??
    options.find((u) => u.hospital === "MEI" || u.hospital === "MEK") ??
    (options[0] as Unit)
  );
}

export function emergencyUnit(chart: Chart, at: number): Unit {
  if (ageAt(chart.person.birth, at) < 16) return unit("LAS-PAIV");
  return localUnit(chart, "emergency", "emergency");
}

export const round = (x: number, d = 1) => Number(x.toFixed(d));
export const fiNum = (x: number, d = 1) => x.toFixed(d).replace(".", ",");

export function basicLabs(chart: Chart, v: Visit, crp: number): void {
  const { rng, person } = chart;
  chart.lab(v, LAB.crp, crp);
  chart.lab(v, LAB.hemoglobin, rng.normal(person.sex === "male" ? 148 : 134, 11));
  chart.lab(v, LAB.leukocytes, crp > 40 ? rng.normal(12, 3) : rng.normal(6.5, 1.5));
  chart.lab(v, LAB.creatinine, rng.normal(person.sex === "male" ? 85 : 68, 14));
  chart.lab(v, LAB.sodium, rng.normal(140, 2));
  chart.lab(v, LAB.potassium, rng.normal(4.1, 0.3));
}
