import type { Chart } from "../chart.js";
import { writeNote } from "../notes.js";
import { DX, LAB, MED, PROC } from "../reference/codes.js";
import { DAY, finnishDate } from "../time.js";
import { basicLabs, emergencyUnit, localUnit, unit } from "./common.js";

export function infarction(chart: Chart, at: number, anterior: boolean, fatal: boolean): void {
  const { rng } = chart;
  const dx = anterior ? DX.miAnterior : DX.miSubendocardial;
  const er = chart.visit(emergencyUnit(chart, at), at, { reason: DX.chestPain });
  const tnt = Math.exp(rng.normal(6.3, 1));
  if (er) {
    chart.diagnosis(er, dx);
    chart.lab(er, LAB.troponin, tnt / 4);
    basicLabs(chart, er, rng.float() * 15);
    writeNote(chart, er, "emergency", {
      fi: [
        `Äkillinen puristava rintakipu ${rng.int(1, 6)} tuntia sitten, säteilee vasempaan käteen. EKG:ssä ${anterior ? "ST-nousut V1-V4" : "ST-laskut lateraalisesti"}. TnT ${Math.round(tnt / 4)}. Kardiologin konsultaatio, sepelvaltimoiden varjoainekuvaukseen.`,
      ],
      en: [
        `Crushing chest pain radiating to the left arm. ${anterior ? "ST elevation V1-V4" : "Lateral ST depression"}; hs-TnT ${Math.round(tnt / 4)} ng/l. Referred for coronary angiography.`,
      ],
    });
  }
  const ward = chart.visit(unit("MEI-K8"), at, { reason: dx, days: rng.int(2, 6) });
  if (!ward) return;
  chart.diagnosis(ward, dx, at);
  chart.lab(ward, LAB.troponin, tnt, ward.start + 6 * 3_600_000);
  chart.lab(ward, LAB.ldl, rng.normal(3.4, 0.8));
  chart.procedure(ward, PROC.coronaryAngiography, ward.start + rng.int(1, 30) * 3_600_000);
  if (rng.chance(0.85)) chart.procedure(ward, PROC.pci, ward.start + rng.int(1, 40) * 3_600_000);
  chart.administer(ward, MED.heparin, ward.start + 3_600_000);
  for (const med of [MED.aspirin, MED.ticagrelor, MED.atorvastatin, MED.metoprolol, MED.ramipril])
    chart.prescribe(ward, med);
  const died = fatal && chart.window.death !== null && chart.window.death <= ward.end + DAY;
  writeNote(
    chart,
    ward,
    "discharge",
    died
      ? {
          fi: [
            "Laaja etuseinäinfarkti, PCI LAD:hen. Kardiogeeninen sokki toisena hoitopäivänä, elvytys ei onnistunut. Omaisille ilmoitettu.",
          ],
        }
      : {
          fi: [
            `${anterior ? "STEMI" : "NSTEMI"}, pallolaajennus ja stentti. Kotiutuu kaksoisantitrombottisella hoidolla (ASA ja tikagrelori 12 kk), statiini, beetasalpaaja ja ACE-estäjä. Kontrolli kardiologian poliklinikalla 6-8 viikon kuluttua.`,
          ],
          sv: [
            "Hjärtinfarkt, PCI med stent. Hemgång med dubbel trombocythämning i 12 månader. Kontroll på kardiologiska polikliniken om 6-8 veckor.",
          ],
          en: [
            "Myocardial infarction treated with PCI and stent. Discharged on dual antiplatelet therapy for 12 months, statin, beta blocker and ACE inhibitor.",
          ],
        },
  );
  const followUp = chart.visit(
    localUnit(chart, "cardiology", "outpatient"),
    at + rng.int(42, 60) * DAY,
    { reason: DX.oldMi },
  );
  if (followUp) {
    chart.diagnosis(followUp, DX.oldMi);
    chart.lab(followUp, LAB.ldl, rng.normal(1.6, 0.4));
    writeNote(chart, followUp, "visit", {
      fi: [
        `Sydäninfarktin jälkitarkastus. Rasituksessa ei rintakipua. LDL tavoitteessa. ${finnishDate(at)} alkanut lääkitys jatkuu.`,
      ],
    });
  }
}
