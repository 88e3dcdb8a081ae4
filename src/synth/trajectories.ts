import type { Chart, Visit } from "./chart.js";
import { writeNote } from "./notes.js";
import type { CancerKind, ChronicKey, Plan } from "./plan.js";
import { type Diagnosis, DX, IMAGING, LAB, MED, type Medication, PROC } from "./reference/codes.js";
import { type SpecialtyKey, UNIT_BY_CODE, type Unit, unitsFor } from "./reference/hospitals.js";
import { ageAt, DAY, finnishDate } from "./time.js";

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

const unit = (code: string): Unit => {
  const u = UNIT_BY_CODE.get(code);
  if (!u) throw new Error(`unknown unit ${code}`);
  return u;
};

/** Where this person goes for a specialty: the unit nearest home when there is a choice. */
function localUnit(chart: Chart, specialty: SpecialtyKey, kind: Unit["kind"]): Unit {
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

function emergencyUnit(chart: Chart, at: number): Unit {
  if (ageAt(chart.person.birth, at) < 16) return unit("LAS-PAIV");
  return localUnit(chart, "emergency", "emergency");
}

const round = (x: number, d = 1) => Number(x.toFixed(d));
const fiNum = (x: number, d = 1) => x.toFixed(d).replace(".", ",");

function basicLabs(chart: Chart, v: Visit, crp: number): void {
  const { rng, person } = chart;
  chart.lab(v, LAB.crp, crp);
  chart.lab(v, LAB.hemoglobin, rng.normal(person.sex === "male" ? 148 : 134, 11));
  chart.lab(v, LAB.leukocytes, crp > 40 ? rng.normal(12, 3) : rng.normal(6.5, 1.5));
  chart.lab(v, LAB.creatinine, rng.normal(person.sex === "male" ? 85 : 68, 14));
  chart.lab(v, LAB.sodium, rng.normal(140, 2));
  chart.lab(v, LAB.potassium, rng.normal(4.1, 0.3));
}

function background(chart: Chart): void {
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

function acute(chart: Chart, at: number, age: number): void {
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

function chronic(chart: Chart, key: ChronicKey, onset: number): void {
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

function rheumatoidArthritis(chart: Chart, onset: number, seropositive: boolean): void {
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

function diabetes(chart: Chart, onset: number): void {
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

function multipleSclerosis(chart: Chart, onset: number): void {
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
      writeNote(chart, v, "visit", {
        fi: [
          `MS-taudin seuranta. ${rng.chance(0.85) ? "Ei uusia relapseja." : "Relapsi kolme kuukautta sitten, hoidettu metyyliprednisolonilla."} EDSS ${fiNum(rng.int(2, 7) / 2)}. ${dmt.fi} jatkuu.`,
        ],
      });
    }
    at += (dmt.atc === MED.natalizumab.atc ? rng.int(120, 200) : rng.int(170, 380)) * DAY;
  }
}

function infarction(chart: Chart, at: number, anterior: boolean, fatal: boolean): void {
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

function cancer(chart: Chart, kind: CancerKind, onset: number): void {
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

function radiotherapy(chart: Chart, dx: Diagnosis, from: number): void {
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

function chemotherapy(
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

function followUps(
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
