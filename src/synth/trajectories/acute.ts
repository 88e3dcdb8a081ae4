import type { Chart } from "../chart.js";
import { writeNote } from "../notes.js";
import { type Diagnosis, DX, IMAGING, LAB, MED, PROC } from "../reference/codes.js";
import { ageAt, DAY } from "../time.js";
import { basicLabs, emergencyUnit, localUnit, unit } from "./common.js";

/** Acute visits by age: emergencies, fractures, infections. */
export function background(chart: Chart): void {
  const { rng, person, window } = chart;
  const years = (window.to - window.from) / (365.25 * DAY);
  const age = ageAt(person.birth, window.to);
  const rate = age < 10 ? 0.25 : age < 50 ? 0.1 : age < 70 ? 0.18 : 0.35;
  const count = Math.min(40, rng.poisson(rate * years));
  for (let i = 0; i < count; i++) {
    const at = window.from + rng.float() * (window.to - window.from);
    acute(chart, at, ageAt(person.birth, at));
  }
}

export function acute(chart: Chart, at: number, age: number): void {
  const { rng } = chart;
  const er = emergencyUnit(chart, at);
  if (age < 16) {
    const dx =
      age < 2 && rng.chance(0.4)
        ? DX.bronchiolitis
        : rng.chance(0.8)
          ? DX.childFever
          : DX.wristFracture;
    const v = chart.visit(er, at, { reason: dx });
    if (!v) return;
    chart.diagnosis(v, dx);
    if (dx === DX.wristFracture) {
      chart.imaging(v, IMAGING.wristXray);
      chart.procedure(v, PROC.wristCast);
    } else chart.lab(v, LAB.crp, rng.chance(0.7) ? rng.float() * 20 : 20 + rng.float() * 80);
    writeNote(chart, v, "emergency", {
      fi: [
        dx === DX.wristFracture
          ? "Kaatunut leikkipuistossa, ranne turvonnut ja aristava. Rtg:ssä distaalisen radiuksen murtuma, kipsattu."
          : "Kuumeillut kaksi vuorokautta, syö ja juo kohtalaisesti. Keuhkoissa ei rahinoita. Kotiin, kuumelääkitys ohjeistettu.",
      ],
      sv: ["Feber i två dygn, äter och dricker hyggligt. Hemskickas med febernedsättande."],
    });
    return;
  }
  const options: Array<readonly [Diagnosis, number]> = [
    [DX.chestPain, age > 35 ? 3 : 1],
    [DX.abdominalPain, 3],
    [DX.uti, 2],
    [DX.pneumonia, age > 65 ? 3 : 1],
    [DX.wristFracture, 1],
    [DX.appendicitis, age < 50 ? 1 : 0.3],
    [DX.hipFracture, age > 75 ? 2 : 0],
  ];
  const dx = rng.weighted(options);
  if (dx === DX.hipFracture) {
    const v = chart.visit(unit("TOO-PAIV"), at, { reason: dx });
    if (!v) return;
    chart.diagnosis(v, dx);
    chart.imaging(v, IMAGING.hipXray);
    const ward = chart.visit(unit("TOO-T4"), at, { reason: dx, days: rng.int(4, 12) });
    if (!ward) return;
    chart.diagnosis(ward, dx);
    chart.procedure(ward, PROC.hipFractureFixation, ward.start + DAY);
    chart.administer(ward, MED.oxycodone, ward.start + 2 * 3_600_000);
    basicLabs(chart, ward, rng.float() * 30);
    writeNote(chart, ward, "discharge", {
      fi: [
        "Kaatunut kotona, oikea lonkka kipeä. Rtg:ssä reisiluun kaulan murtuma, hoidettu osaproteesilla. Mobilisaatio fysioterapeutin kanssa, kotiutuu kotihoidon tukemana.",
      ],
      sv: [
        "Fallit i hemmet. Collumfraktur på höger sida, opererad med hemiprotes. Mobiliserad, hemgång med hemvård.",
      ],
    });
    return;
  }
  const v = chart.visit(er, at, { reason: dx });
  if (!v) return;
  chart.diagnosis(v, dx);
  if (dx === DX.chestPain) {
    chart.lab(v, LAB.troponin, rng.float() * 12);
    basicLabs(chart, v, rng.float() * 8);
    writeNote(chart, v, "emergency", {
      fi: [
        "Puristava rintakipu levossa noin tunnin ajan. EKG:ssä ei iskemiaan viittaavaa, TnT kahdesti viitealueella. Kotiin, kontrolli terveysasemalla.",
      ],
      sv: ["Tryckande bröstsmärta i vila. EKG utan ischemi, TnT normalt två gånger. Hemgång."],
      en: [
        "Chest pain at rest for about one hour. ECG without ischaemic changes, troponin normal twice. Discharged home.",
      ],
    });
  } else if (dx === DX.abdominalPain || dx === DX.appendicitis) {
    const crp = dx === DX.appendicitis ? 40 + rng.float() * 120 : rng.float() * 30;
    basicLabs(chart, v, crp);
    if (dx === DX.appendicitis) {
      const ward = chart.visit(localUnit(chart, "surgery", "ward"), at, {
        reason: dx,
        days: rng.int(1, 3),
      });
      if (ward) {
        chart.diagnosis(ward, dx);
        chart.procedure(ward, PROC.appendectomy, ward.start + 4 * 3_600_000);
        chart.administer(ward, MED.cefuroxime, ward.start + 3_600_000);
        writeNote(chart, ward, "discharge", {
          fi: [
            `Oikean alavatsan kipu, CRP ${Math.round(crp)}. Laparoskooppinen appendektomia, toipunut hyvin. Kotiin, sairausloma kaksi viikkoa.`,
          ],
          en: [
            `Right lower quadrant pain, CRP ${Math.round(crp)}. Laparoscopic appendectomy, uneventful recovery.`,
          ],
        });
      }
    } else {
      writeNote(chart, v, "emergency", {
        fi: [
          "Vatsakipua kaksi vuorokautta, vatsa palpoiden pehmeä. Laboratoriokokeissa ei tulehdukseen viittaavaa. Kotiin, ohjeistettu hakeutumaan uudelleen jos kipu pahenee.",
        ],
      });
    }
  } else if (dx === DX.uti) {
    chart.lab(
      v,
      LAB.urineStrip,
      rng.pick(["Leuk +++, Nitr +", "Leuk ++, Nitr -", "Leuk +++, Nitr +, Eryt +"]),
    );
    chart.lab(v, LAB.crp, rng.float() * 60);
    chart.prescribe(v, MED.trimethoprim);
    writeNote(chart, v, "emergency", {
      fi: [
        "Kirvelyä virtsatessa ja tihentynyttä virtsaamistarvetta. Stiksissä leukosyyttejä. Trimetopriimikuuri.",
      ],
      sv: ["Sveda vid miktion. Urinsticka med leukocyter. Trimetoprim."],
    });
  } else if (dx === DX.pneumonia) {
    const crp = 60 + rng.float() * 200;
    basicLabs(chart, v, crp);
    chart.imaging(v, IMAGING.chestXray);
    const ward = chart.visit(localUnit(chart, "internal", "ward"), at, {
      reason: dx,
      days: rng.int(2, 7),
    });
    if (ward) {
      chart.diagnosis(ward, dx);
      for (let d = 0; d < 3; d++)
        chart.administer(ward, MED.cefuroxime, ward.start + d * DAY + 3_600_000);
      chart.lab(ward, LAB.crp, crp / 3, ward.start + 2 * DAY);
      chart.prescribe(ward, MED.amoxicillin);
      writeNote(chart, ward, "discharge", {
        fi: [
          `Kuumetta ja yskää, CRP ${Math.round(crp)}. Thoraxkuvassa oikean alalohkon infiltraatti. Kefuroksiimi i.v., vaste hyvä. Jatkoon amoksisilliini suun kautta.`,
        ],
        sv: [
          `Feber och hosta, CRP ${Math.round(crp)}. Infiltrat i höger underlob. Cefuroxim i.v. med god effekt.`,
        ],
        en: [
          `Fever and cough, CRP ${Math.round(crp)}. Right lower lobe infiltrate on chest X-ray. IV cefuroxime with good response.`,
        ],
      });
    }
  } else {
    chart.imaging(v, IMAGING.wristXray);
    chart.procedure(v, PROC.wristCast);
    writeNote(chart, v, "emergency", {
      fi: [
        "Kaatunut liukkaalla ojennetun käden varaan. Rtg:ssä distaalisen radiuksen murtuma, reponoitu ja kipsattu. Kontrolli viikon päästä.",
      ],
    });
  }
}
