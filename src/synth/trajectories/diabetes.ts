import type { Chart } from "../chart.js";
import { writeNote } from "../notes.js";
import { type Diagnosis, DX, LAB, MED } from "../reference/codes.js";
import { DAY } from "../time.js";
import { fiNum, localUnit, round, unit } from "./common.js";

export function diabetes(chart: Chart, onset: number): void {
  const { rng, person } = chart;
  const clinic = rng.chance(0.7) ? localUnit(chart, "internal", "outpatient") : unit("MEI-ENDPOL");
  let hba1c = 62 + rng.float() * 25;
  let weight = person.sex === "male" ? rng.normal(98, 14) : rng.normal(84, 13);
  const height = person.sex === "male" ? rng.normal(178, 7) : rng.normal(164, 6);
  const meds: string[] = ["metformiini"];
  let at = onset;
  for (let n = 0; at <= chart.window.to; n++) {
    let dx: Diagnosis = DX.t2d;
    if ((at - onset) / DAY > 3650 && rng.chance(0.2)) dx = DX.t2dRetinopathy;
    const v = chart.visit(clinic, at, { reason: dx });
    if (v) {
      chart.diagnosis(v, dx, n === 0 ? onset : undefined);
      chart.lab(v, LAB.hba1c, hba1c);
      chart.lab(v, LAB.glucose, 4 + hba1c / 9 + rng.normal(0, 0.8));
      chart.lab(v, LAB.creatinine, rng.normal(person.sex === "male" ? 88 : 70, 15));
      if (rng.chance(0.6)) chart.lab(v, LAB.ldl, rng.normal(2.5, 0.6));
      if (n === 0) chart.prescribe(v, MED.metformin);
      if (hba1c > 58 && n >= 2 && meds.length === 1) {
        const add = chart.drug(rng.chance(0.5) ? MED.semaglutide : MED.dapagliflozin, v.start);
        chart.prescribe(v, add);
        meds.push(add.fi.toLowerCase());
      } else if (hba1c > 70 && meds.length === 2) {
        const insulin = chart.drug(MED.insulinGlargine, v.start);
        chart.prescribe(v, insulin);
        meds.push(insulin.fi.toLowerCase());
      }
      const systolic = Math.round(rng.normal(142, 14));
      chart.registryRows.push({
        registry: "diabetes",
        at: v.start,
        values: {
          hba1c: Math.round(hba1c),
          weight: round(weight, 1),
          height: round(height, 0),
          systolic,
          diastolic: Math.round(systolic * 0.58 + rng.normal(0, 5)),
          treatment: meds.join(" + "),
        },
      });
      writeNote(chart, v, "visit", {
        fi: [
          n === 0
            ? `Janoa ja väsymystä, HbA1c ${Math.round(hba1c)} mmol/mol. Tyypin 2 diabetes. Aloitetaan metformiini, ravitsemusterapeutin ohjaus.`
            : `Diabeteksen vuosikontrolli. HbA1c ${Math.round(hba1c)} mmol/mol, paino ${fiNum(weight)} kg. Lääkitys: ${meds.join(", ")}.`,
        ],
        sv: [
          `Diabeteskontroll. HbA1c ${Math.round(hba1c)} mmol/mol. Medicinering: ${meds.join(", ")}.`,
        ],
      });
    }
    hba1c = Math.max(
      40,
      (n === 0 ? 52 : hba1c + 1.2) + rng.normal(0, 5) - (meds.length > 1 ? 4 : 0),
    );
    weight += rng.normal(0, 2);
    at += rng.int(300, 420) * DAY;
  }
}
