import type { Chart } from "../chart.js";
import { writeNote } from "../notes.js";
import type { ChronicKey } from "../plan.js";
import {
  type Diagnosis,
  DX,
  IMAGING,
  LAB,
  MED,
  type Medication,
  PROC,
} from "../reference/codes.js";
import type { SpecialtyKey } from "../reference/hospitals.js";
import { DAY } from "../time.js";
import { localUnit, unit } from "./common.js";

/** Common chronic conditions: a diagnosing visit, medication and sparse follow-up. */
const CHRONIC_CARE: Record<
  ChronicKey,
  { dx: Diagnosis; specialty: SpecialtyKey; meds: Medication[]; text: string }
> = {
  hypertension: {
    dx: DX.hypertension,
    specialty: "internal",
    meds: [MED.amlodipine, MED.losartan],
    text: "Kotimittauksissa verenpaineet tasoa 155/95. Aloitetaan lääkitys, kontrolli terveysasemalla.",
  },
  asthma: {
    dx: DX.asthma,
    specialty: "pulmonology",
    meds: [MED.budesonideFormoterol, MED.salbutamol],
    text: "Spirometriassa merkitsevä bronkodilataatiovaste. Astma, aloitetaan yhdistelmäinhalaattori.",
  },
  depression: {
    dx: DX.depression,
    specialty: "psychiatry",
    meds: [MED.escitalopram],
    text: "Mieliala matala, uni katkonaista, BDI 24. Aloitetaan essitalopraami, terapiaan ohjaus.",
  },
  hypothyroidism: {
    dx: DX.hypothyroidism,
    specialty: "endocrinology",
    meds: [MED.levothyroxine],
    text: "Väsymystä ja palelua, TSH koholla. Aloitetaan tyroksiini.",
  },
  atrialFibrillation: {
    dx: DX.atrialFibrillation,
    specialty: "cardiology",
    meds: [MED.apixaban, MED.metoprolol],
    text: "EKG:ssä eteisvärinä, CHA2DS2-VASc 3. Aloitetaan antikoagulaatio.",
  },
  copd: {
    dx: DX.copd,
    specialty: "pulmonology",
    meds: [MED.budesonideFormoterol],
    text: "Tupakoinut 40 askivuotta. Spirometriassa obstruktio, ei merkitsevää bronkodilataatiovastetta.",
  },
  kneeArthrosis: {
    dx: DX.kneeArthrosis,
    specialty: "orthopedics",
    meds: [MED.paracetamol],
    text: "Polven rasituskipu, rtg:ssä nivelraon kaventuma. Konservatiivinen hoito, harkitaan tekonivelleikkausta.",
  },
  hyperlipidemia: {
    dx: DX.hyperlipidemia,
    specialty: "internal",
    meds: [MED.atorvastatin],
    text: "LDL koholla toistuvasti. Aloitetaan statiini.",
  },
};

export function chronic(chart: Chart, key: ChronicKey, onset: number): void {
  const { rng } = chart;
  const care = CHRONIC_CARE[key];
  const clinic = localUnit(chart, care.specialty, "outpatient");
  const first = chart.visit(clinic, onset, { reason: care.dx });
  if (first) {
    chart.diagnosis(first, care.dx, onset);
    for (const med of care.meds) if (rng.chance(0.8)) chart.prescribe(first, med);
    if (key === "hypothyroidism") chart.lab(first, LAB.tsh, 8 + rng.float() * 20);
    if (key === "atrialFibrillation") chart.lab(first, LAB.ntprobnp, 300 + rng.float() * 1500);
    if (key === "hyperlipidemia") chart.lab(first, LAB.ldl, rng.normal(4.6, 0.6));
    if (key === "kneeArthrosis") chart.imaging(first, IMAGING.kneeXray);
    writeNote(chart, first, "visit", { fi: [care.text] });
  }
  const followUps = rng.int(0, 3);
  for (let i = 1; i <= followUps; i++) {
    const v = chart.visit(clinic, onset + i * rng.int(200, 700) * DAY, { reason: care.dx });
    if (!v) continue;
    chart.diagnosis(v, care.dx);
    if (key === "hypothyroidism") chart.lab(v, LAB.tsh, rng.normal(2, 0.8));
    if (key === "hyperlipidemia") chart.lab(v, LAB.ldl, rng.normal(2.6, 0.5));
    if (key === "kneeArthrosis" && i === followUps && rng.chance(0.4)) {
      const ward = chart.visit(unit("TOO-T4"), v.start + rng.int(60, 200) * DAY, {
        reason: care.dx,
        days: rng.int(2, 4),
      });
      if (ward) {
        chart.diagnosis(ward, care.dx);
        chart.procedure(ward, PROC.kneeArthroplasty, ward.start + 3_600_000 * 3);
      }
    }
    writeNote(chart, v, "visit", {
      fi: ["Kontrollikäynti. Vointi vakaa, lääkitys jatkuu ennallaan."],
      sv: ["Kontrollbesök. Stabilt, medicineringen fortsätter."],
    });
  }
}
