import type { Chart } from "../chart.js";
import { writeNote } from "../notes.js";
import type { Plan } from "../plan.js";
import { DX, LAB } from "../reference/codes.js";
import { ageAt } from "../time.js";
import { acute, background } from "./acute.js";
import { infarction } from "./cardiology.js";
import { chronic } from "./chronic.js";
import { localUnit } from "./common.js";
import { diabetes } from "./diabetes.js";
import { multipleSclerosis } from "./neurology.js";
import { cancer } from "./oncology.js";
import { rheumatoidArthritis } from "./rheumatology.js";

/**
 * Disease trajectories: each turns a planned diagnosis into the visits, labs, medications,
 * procedures, imaging and notes a hospital would record, in a clinically sensible order.
 */
export function writeHistory(chart: Chart, plan: Plan): void {
  background(chart);
  for (const c of plan.chronic) chronic(chart, c.key, c.onset);
  if (plan.ra) rheumatoidArthritis(chart, plan.ra.onset, plan.ra.seropositive);
  if (plan.t2d) diabetes(chart, plan.t2d.onset);
  if (plan.ms) multipleSclerosis(chart, plan.ms.onset);
  if (plan.mi) infarction(chart, plan.mi.at, plan.mi.anterior, plan.mi.fatal);
  if (plan.cancer) cancer(chart, plan.cancer.kind, plan.cancer.onset);
  biobank(chart);
}

/** Biobank samples since the Biobank Act (2013), for people who consented. */
function biobank(chart: Chart): void {
  if (!chart.person.biobankConsent) return;
  const eligible = chart.visits.filter((v) => new Date(v.start).getUTCFullYear() >= 2013);
  if (eligible.length === 0) return;
  const v = chart.rng.pick(eligible);
  chart.specimen(v, "dna");
  if (chart.rng.chance(0.6)) chart.specimen(v, "serum");
}

/** One visit on a given day, for a daily increment: a follow-up of a known disease or an acute one. */
export function dailyVisit(chart: Chart, plan: Plan, at: number): void {
  const { rng, person } = chart;
  if (plan.t2d && plan.t2d.onset < at && rng.chance(0.4)) {
    const v = chart.visit(localUnit(chart, "internal", "outpatient"), at, { reason: DX.t2d });
    if (!v) return;
    chart.diagnosis(v, DX.t2d);
    const hba1c = rng.normal(56, 8);
    chart.lab(v, LAB.hba1c, hba1c);
    writeNote(chart, v, "visit", {
      fi: [`Diabeteksen kontrolli. HbA1c ${Math.round(hba1c)} mmol/mol.`],
    });
  } else if (plan.ra && plan.ra.onset < at && rng.chance(0.4)) {
    const dx = plan.ra.seropositive ? DX.raSeropositive : DX.raSeronegative;
    const v = chart.visit(localUnit(chart, "rheumatology", "outpatient"), at, { reason: dx });
    if (!v) return;
    chart.diagnosis(v, dx);
    const crp = Math.exp(rng.normal(1.5, 0.8));
    chart.lab(v, LAB.crp, crp);
    writeNote(chart, v, "visit", {
      fi: [`Nivelreuman seuranta, CRP ${Math.round(crp)}. Lääkitys jatkuu.`],
    });
  } else {
    acute(chart, at, ageAt(person.birth, at));
  }
}
