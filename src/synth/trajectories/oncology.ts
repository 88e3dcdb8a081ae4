import type { Chart } from "../chart.js";
import { writeNote } from "../notes.js";
import type { CancerKind } from "../plan.js";
import {
  type Diagnosis,
  DX,
  IMAGING,
  LAB,
  MED,
  type Medication,
  PROC,
} from "../reference/codes.js";
import type { Unit } from "../reference/hospitals.js";
import { DAY } from "../time.js";
import { basicLabs, localUnit, unit } from "./common.js";

export function cancer(chart: Chart, kind: CancerKind, onset: number): void {
  const { rng } = chart;
  const dx = {
    breast: DX.breastCancer,
    prostate: DX.prostateCancer,
    colorectal: DX.sigmoidCancer,
    lung: DX.lungCancer,
  }[kind];
  const oncology = unit("SYK-ONKPOL");
  if (kind === "breast") {
    const v = chart.visit(unit("NAI-NAIPOL"), onset, { reason: dx });
    if (v) {
      chart.imaging(v, IMAGING.mammography);
      chart.specimen(v, "tissue");
      chart.diagnosis(v, dx, onset);
      writeNote(chart, v, "visit", {
        fi: [
          `Seulontamammografiassa ${rng.int(8, 30)} mm spikulainen muutos oikeassa rinnassa. Paksuneulabiopsiassa duktaalinen karsinooma, ER+. Leikkaukseen.`,
        ],
        sv: [
          "Vid screeningmammografi en spikulerad förändring i höger bröst. Biopsi visar duktal cancer. Operation planeras.",
        ],
      });
    }
    const op = chart.visit(unit("NAI-RINTA"), onset + rng.int(14, 35) * DAY, {
      reason: dx,
      days: rng.int(1, 2),
    });
    if (op) {
      chart.diagnosis(op, dx);
      chart.procedure(op, PROC.breastResection, op.start + 2 * 3_600_000);
      chart.procedure(op, PROC.sentinelNode, op.start + 2 * 3_600_000);
      writeNote(chart, op, "discharge", {
        fi: [
          "Rinnan osapoisto ja vartijaimusolmukebiopsia. Toipunut hyvin. Jatkohoitosuunnitelma Syöpäkeskuksessa.",
        ],
      });
    }
    radiotherapy(chart, dx, onset + rng.int(50, 80) * DAY);
    const drug = chart.person.birth + 55 * 365.25 * DAY < onset ? MED.letrozole : MED.tamoxifen;
    followUps(
      chart,
      oncology,
      dx,
      onset + 120 * DAY,
      5,
      drug,
      "Rintasyövän seuranta, ei viitteitä taudin uusiutumisesta.",
    );
  } else if (kind === "prostate") {
    const v = chart.visit(unit("MEI-URPOL"), onset, { reason: dx });
    if (v) {
      chart.lab(v, LAB.psa, 6 + rng.float() * 30);
      chart.procedure(v, PROC.prostateBiopsy);
      chart.specimen(v, "tissue");
      chart.diagnosis(v, dx, onset);
      writeNote(chart, v, "visit", {
        fi: [
          `PSA koholla. Biopsioissa adenokarsinooma, Gleason ${rng.pick(["3+3", "3+4", "4+3", "4+4"])}. Hoitovaihtoehdot käyty läpi.`,
        ],
      });
    }
    const old = chart.person.birth + 75 * 365.25 * DAY < onset;
    if (!old) {
      const op = chart.visit(unit("MEK-VKO"), onset + rng.int(30, 90) * DAY, {
        reason: dx,
        days: rng.int(1, 3),
      });
      if (op) {
        chart.diagnosis(op, dx);
        chart.procedure(op, PROC.prostatectomy, op.start + 3 * 3_600_000);
        writeNote(chart, op, "discharge", {
          fi: ["Robottiavusteinen radikaali prostatektomia. Katetri poistetaan viikon kuluttua."],
        });
      }
    }
    followUps(
      chart,
      unit("MEI-URPOL"),
      dx,
      onset + 180 * DAY,
      6,
      old ? MED.leuprorelin : null,
      "Eturauhassyövän seuranta, PSA matala.",
      LAB.psa,
    );
  } else if (kind === "colorectal") {
    const v = chart.visit(localUnit(chart, "internal", "outpatient"), onset, {
      reason: DX.abdominalPain,
    });
    if (v) {
      chart.lab(v, LAB.hemoglobin, rng.normal(102, 10));
      chart.procedure(v, PROC.colonoscopy);
      chart.specimen(v, "tissue");
      chart.diagnosis(v, dx, onset);
      writeNote(chart, v, "visit", {
        fi: [
          "Anemia ja ulostustottumusten muutos. Kolonoskopiassa sigmasuolessa ahtauttava kasvain, koepaloissa adenokarsinooma.",
        ],
      });
    }
    const op = chart.visit(unit("MEK-VKO"), onset + rng.int(20, 45) * DAY, {
      reason: dx,
      days: rng.int(4, 9),
    });
    if (op) {
      chart.diagnosis(op, dx);
      chart.procedure(op, PROC.sigmoidResection, op.start + 3 * 3_600_000);
      chart.lab(op, LAB.cea, 2 + rng.float() * 20);
      writeNote(chart, op, "discharge", {
        fi: [
          "Laparoskooppinen sigmaresektio. Toipunut hyvin, suoli toimii. Onkologin arvio liitännäishoidosta.",
        ],
      });
    }
    chemotherapy(
      chart,
      dx,
      onset + rng.int(50, 70) * DAY,
      [MED.oxaliplatin, MED.fluorouracil],
      rng.int(6, 12),
      14,
    );
    followUps(
      chart,
      oncology,
      dx,
      onset + 300 * DAY,
      4,
      null,
      "Suolistosyövän seuranta, CEA viitealueella.",
      LAB.cea,
    );
  } else {
    const v = chart.visit(unit("MEK-KEUPOL"), onset, { reason: dx });
    if (v) {
      chart.imaging(v, IMAGING.chestXray);
      chart.imaging(v, IMAGING.chestCt);
      chart.procedure(v, PROC.bronchoscopy);
      chart.specimen(v, "tissue");
      chart.diagnosis(v, dx, onset);
      writeNote(chart, v, "visit", {
        fi: [
          "Pitkittynyt yskä ja laihtuminen. TT:ssä oikean yläliuskan kasvain ja mediastinaalisia imusolmukkeita. Bronkoskopian koepaloissa ei-pienisoluinen karsinooma, PD-L1 yli 50 %.",
        ],
        en: [
          "Persistent cough and weight loss. CT: right upper lobe mass with mediastinal nodes. Biopsy: non-small cell lung cancer, PD-L1 above 50%.",
        ],
      });
    }
    chemotherapy(chart, dx, onset + rng.int(20, 40) * DAY, [MED.pembrolizumab], 35, 21);
  }
}

export function radiotherapy(chart: Chart, dx: Diagnosis, from: number): void {
  const sessions = chart.rng.int(5, 15);
  for (let i = 0; i < sessions; i++) {
    const v = chart.visit(unit("SYK-SAD"), from + (i + Math.floor(i / 5) * 2) * DAY, {
      reason: dx,
    });
    if (!v) continue;
    chart.diagnosis(v, dx);
    chart.procedure(v, PROC.radiotherapy);
  }
}

export function chemotherapy(
  chart: Chart,
  dx: Diagnosis,
  from: number,
  drugs: Medication[],
  cycles: number,
  every: number,
): void {
  for (let i = 0; i < cycles; i++) {
    const v = chart.visit(unit("SYK-ONKPOL"), from + i * every * DAY, { reason: dx });
    if (!v) continue;
    chart.diagnosis(v, dx);
    chart.procedure(v, PROC.chemotherapy);
    if (i === 0) for (const d of drugs) chart.prescribe(v, d);
    for (const d of drugs) chart.administer(v, d, v.start + 30 * 60_000);
    basicLabs(chart, v, chart.rng.float() * 20);
    if (i === 0)
      writeNote(chart, v, "visit", {
        fi: [
          `Aloitetaan ${drugs.map((d) => chart.drug(d, v.start).fi.toLowerCase()).join(" ja ")}. Haittavaikutukset ja yhteydenotto-ohjeet käyty läpi.`,
        ],
      });
  }
}

export function followUps(
  chart: Chart,
  clinic: Unit,
  dx: Diagnosis,
  from: number,
  years: number,
  med: Medication | null,
  text: string,
  lab?: (typeof LAB)[keyof typeof LAB],
): void {
  for (let i = 0; i < years; i++) {
    const v = chart.visit(clinic, from + i * chart.rng.int(300, 420) * DAY, { reason: dx });
    if (!v) continue;
    chart.diagnosis(v, dx);
    if (i === 0 && med) chart.prescribe(v, med);
    if (lab)
      chart.lab(v, lab, lab === LAB.psa ? chart.rng.float() * 0.5 : 1 + chart.rng.float() * 3);
    writeNote(chart, v, "visit", { fi: [text] });
  }
}
