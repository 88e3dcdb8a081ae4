import type { Chart } from "../chart.js";
import { writeNote } from "../notes.js";
import { DX, IMAGING, LAB, MED, type Medication, PROC } from "../reference/codes.js";
import { DAY } from "../time.js";
import { fiNum, unit } from "./common.js";

export function multipleSclerosis(chart: Chart, onset: number): void {
  const { rng } = chart;
  const er = chart.visit(unit("MEI-PAIV"), onset, { reason: DX.ms, kind: "EMER" });
  if (er) {
    chart.imaging(er, IMAGING.brainMr);
    writeNote(chart, er, "emergency", {
      fi: [
        `Viikon ajan ${rng.pick(["oikean silmän näön sumeneminen ja liikekipu", "vasemman käden ja jalan puutuminen", "kaksoiskuvat ja huimaus"])}. Pään MT:ssä useita periventrikulaarisia T2-muutoksia. Neurologian poliklinikalle jatkoselvittelyihin.`,
      ],
      en: [
        "Blurred vision in the right eye for a week. Brain MRI shows multiple periventricular T2 lesions. Referred to neurology.",
      ],
    });
  }
  const clinic = unit("MEI-NEUPOL");
  const dxAt = onset + rng.int(30, 180) * DAY;
  const first = chart.visit(clinic, dxAt, { reason: DX.ms });
  const wanted = rng.weighted<Medication>([
    [MED.teriflunomide, 3],
    [MED.dimethylFumarate, 3],
    [MED.natalizumab, 2],
    [MED.ocrelizumab, 2],
  ]);
  const dmt = chart.drug(wanted, dxAt);
  if (first) {
    chart.procedure(first, PROC.lumbarPuncture);
    chart.lab(
      first,
      LAB.oligoclonal,
      rng.chance(0.9)
        ? "Positiivinen, likvorspesifejä oligoklonaalisia vyöhykkeitä"
        : "Negatiivinen",
    );
    chart.diagnosis(first, DX.ms, onset);
    chart.prescribe(first, dmt);
    writeNote(chart, first, "visit", {
      fi: [
        `Likvorissa oligoklonaalisia vyöhykkeitä. McDonaldin kriteerit täyttyvät, diagnoosi MS-tauti. Aloitetaan ${dmt.fi.toLowerCase()}. EDSS ${fiNum(rng.int(2, 5) / 2)}.`,
      ],
      sv: [`Oligoklonala band i likvor. MS diagnostiseras, ${dmt.fi.toLowerCase()} inleds.`],
    });
  }
  const infused = dmt.atc === MED.natalizumab.atc || dmt.atc === MED.ocrelizumab.atc;
  for (let at = dxAt + rng.int(150, 200) * DAY, n = 1; at <= chart.window.to; n++) {
    const v = chart.visit(clinic, at, { reason: DX.ms });
    if (v) {
      chart.diagnosis(v, DX.ms);
      if (infused) chart.administer(v, dmt, v.start + 30 * 60_000);
      if (n % 2 === 0) chart.imaging(v, IMAGING.brainMr);
      const relapse = rng.chance(0.15);
      // A relapse three months earlier was treated on the neurology ward (IV methylprednisolone).
      const stay = relapse
        ? chart.visit(unit("MEI-N7"), at - rng.int(80, 100) * DAY, { reason: DX.ms, days: 3 })
        : null;
      if (stay) {
        chart.diagnosis(stay, DX.ms);
        chart.administer(stay, MED.methylprednisolone, stay.start + 2 * 3_600_000);
      }
      writeNote(chart, v, "visit", {
        fi: [
          `MS-taudin seuranta. ${relapse ? "Relapsi kolme kuukautta sitten, hoidettu metyyliprednisolonilla osastolla." : "Ei uusia relapseja."} EDSS ${fiNum(rng.int(2, 7) / 2)}. ${dmt.fi} jatkuu.`,
        ],
      });
    }
    at += (dmt.atc === MED.natalizumab.atc ? rng.int(120, 200) : rng.int(170, 380)) * DAY;
  }
}
