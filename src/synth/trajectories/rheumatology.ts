import type { Chart } from "../chart.js";
import { writeNote } from "../notes.js";
import { DX, IMAGING, LAB, MED } from "../reference/codes.js";
import { DAY } from "../time.js";
import { fiNum, localUnit, round } from "./common.js";

export function rheumatoidArthritis(chart: Chart, onset: number, seropositive: boolean): void {
  const { rng } = chart;
  const dx = seropositive ? DX.raSeropositive : DX.raSeronegative;
  const clinic = localUnit(chart, "rheumatology", "outpatient");
  const first = onset + rng.int(30, 120) * DAY;
  let treatment = ["MTX", "HCQ", "SSZ", "pred"];
  let activity = 5.2 + rng.normal(0, 0.7); // DAS28 at diagnosis
  const responder = rng.chance(0.7);
  let visitAt = first;
  for (let n = 0; visitAt <= chart.window.to; n++) {
    const v = chart.visit(clinic, visitAt, { reason: dx });
    const swollen = Math.max(0, Math.round((activity - 2) * 2.5 + rng.normal(0, 1.5)));
    const tender = Math.max(0, Math.round((activity - 2) * 3 + rng.normal(0, 2)));
    const crp = Math.max(1, Math.exp((activity - 2.2) * 0.8 + rng.normal(0, 0.4)));
    const esr = Math.max(2, crp * 0.9 + rng.normal(12, 5));
    const vas = Math.min(100, Math.max(0, Math.round((activity - 1.5) * 18 + rng.normal(0, 10))));
    const das28 =
      0.56 * Math.sqrt(tender) +
      0.28 * Math.sqrt(swollen) +
      0.36 * Math.log(crp + 1) +
      0.014 * vas +
      0.96;
    const haq = Math.max(0, Math.min(3, round((das28 - 2) * 0.35 + rng.normal(0, 0.2), 3)));
    if (v) {
      chart.diagnosis(v, dx, n === 0 ? onset : undefined);
      chart.lab(v, LAB.crp, crp);
      chart.lab(v, LAB.esr, esr);
      if (n === 0) {
        chart.lab(v, LAB.ccp, seropositive ? 50 + rng.float() * 300 : rng.float() * 5);
        chart.lab(v, LAB.rf, seropositive ? 20 + rng.float() * 150 : rng.float() * 10);
        chart.imaging(v, IMAGING.handXray);
        for (const med of [
          MED.methotrexate,
          MED.folicAcid,
          MED.hydroxychloroquine,
          MED.sulfasalazine,
          MED.prednisolone,
        ])
          chart.prescribe(v, med);
      }
      if (n === 3 && !responder) {
        const biologic = chart.drug(rng.chance(0.6) ? MED.adalimumab : MED.etanercept, v.start);
        chart.prescribe(v, biologic);
        treatment = [
          "MTX",
          { [MED.adalimumab.atc]: "ADA", [MED.etanercept.atc]: "ETN" }[biologic.atc] ?? "LEF",
        ];
      }
      chart.registryRows.push({
        registry: "reuma",
        at: v.start,
        values: {
          das28: round(das28, 2),
          haq,
          crp: Math.round(crp),
          esr: Math.round(esr),
          swollen,
          tender,
          vas,
          treatment: treatment.join("+"),
        },
      });
      const body =
        n === 0
          ? {
              fi: [
                `Noin ${rng.int(2, 8)} kuukautta kestäneet symmetriset nivelkivut käsien pienissä nivelissä ja aamujäykkyys ${rng.int(1, 3)} tuntia. Turvonneita niveliä ${swollen}, aristavia ${tender}. CRP ${Math.round(crp)}, La ${Math.round(esr)}. ${seropositive ? "CCP-vasta-aineet positiiviset." : "Seronegatiivinen."} Diagnoosi nivelreuma, aloitetaan yhdistelmähoito (metotreksaatti, hydroksiklorokiini, sulfasalatsiini) ja pieniannoksinen prednisoloni. DAS28 ${fiNum(das28, 2)}.`,
              ],
              sv: [
                `Symmetriska ledbesvär i händernas småleder sedan några månader, morgonstelhet. Svullna leder ${swollen}, ömma ${tender}. CRP ${Math.round(crp)}. Reumatoid artrit, kombinationsbehandling inleds. DAS28 ${fiNum(das28, 2)}.`,
              ],
              en: [
                `Symmetric polyarthritis of the small hand joints for several months. ${swollen} swollen and ${tender} tender joints, CRP ${Math.round(crp)}. Rheumatoid arthritis; triple therapy started. DAS28 ${fiNum(das28, 2)}.`,
              ],
            }
          : {
              fi: [
                `Nivelreuman seurantakäynti. Turvonneita niveliä ${swollen}, aristavia ${tender}, CRP ${Math.round(crp)}. DAS28 ${fiNum(das28, 2)}, HAQ ${fiNum(haq, 2)}. ${das28 < 2.6 ? "Remissiossa, lääkitys jatkuu." : n === 3 && !responder ? "Riittämätön vaste, aloitetaan biologinen lääke." : "Taudin aktiivisuus kohtalainen."}`,
              ],
              sv: [
                `Uppföljning av reumatoid artrit. DAS28 ${fiNum(das28, 2)}, CRP ${Math.round(crp)}.`,
              ],
            };
      if (n === 0)
        writeNote(chart, v, "referral", {
          fi: [
            "Lähetetään reumatologian poliklinikalle: nivelkipuja ja turvotusta käsien pienissä nivelissä, CRP koholla.",
          ],
        });
      writeNote(chart, v, "visit", body);
    }
    activity = Math.max(
      1.8,
      activity - (responder || n >= 3 ? rng.float() * 0.9 : rng.float() * 0.3) + rng.normal(0, 0.2),
    );
    visitAt += (n < 2 ? rng.int(80, 100) : rng.int(150, 380)) * DAY;
  }
}
