/**
 * Clinical code lists: ICD-10 as written in Finland, NCSP-style procedure codes, ATC, Finnish
 * laboratory test names with LOINC where one exists, and imaging studies.
 */

export const ICD10_SYSTEM = "http://hl7.org/fhir/sid/icd-10";
export const NCSP_SYSTEM = "urn:oid:1.2.246.537.6.2.2007";
export const ATC_SYSTEM = "http://www.whocc.no/atc";
export const LOINC_SYSTEM = "http://loinc.org";
export const LOCAL_LAB_SYSTEM = "https://fhir.hus.example/CodeSystem/laboratoriotutkimus";
export const LOCAL_IMAGING_SYSTEM = "https://fhir.hus.example/CodeSystem/kuvantamistutkimus";

export interface Diagnosis {
  code: string;
  fi: string;
}

export const DX = {
  raSeropositive: { code: "M05.8", fi: "Muu seropositiivinen nivelreuma" },
  raSeronegative: { code: "M06.0", fi: "Seronegatiivinen nivelreuma" },
  t2d: { code: "E11.9", fi: "Tyypin 2 diabetes ilman komplikaatioita" },
  t2dRetinopathy: { code: "E11.3", fi: "Tyypin 2 diabetes, silmäkomplikaatiot" },
  ms: { code: "G35", fi: "MS-tauti" },
  miAnterior: { code: "I21.0", fi: "Sydämen etuseinän akuutti transmuraalinen infarkti" },
  miSubendocardial: { code: "I21.4", fi: "Akuutti subendokardiaalinen sydäninfarkti" },
  oldMi: { code: "I25.2", fi: "Sairastettu sydäninfarkti" },
  breastCancer: { code: "C50.9", fi: "Rintasyöpä, määrittämätön" },
  prostateCancer: { code: "C61", fi: "Eturauhassyöpä" },
  sigmoidCancer: { code: "C18.7", fi: "Sigmasuolen syöpä" },
  lungCancer: { code: "C34.1", fi: "Keuhkon yläliuskan syöpä" },
  hypertension: { code: "I10", fi: "Verenpainetauti" },
  asthma: { code: "J45.9", fi: "Astma, määrittämätön" },
  depression: { code: "F32.9", fi: "Masennustila, määrittämätön" },
  hypothyroidism: { code: "E03.9", fi: "Kilpirauhasen vajaatoiminta, määrittämätön" },
  atrialFibrillation: { code: "I48.9", fi: "Eteisvärinä ja eteislepatus, määrittämätön" },
  copd: { code: "J44.9", fi: "Keuhkoahtaumatauti, määrittämätön" },
  kneeArthrosis: { code: "M17.1", fi: "Polven nivelrikko, primaarinen, toispuolinen" },
  pneumonia: { code: "J18.9", fi: "Keuhkokuume, määrittämätön" },
  hipFracture: { code: "S72.0", fi: "Reisiluun kaulan murtuma" },
  wristFracture: { code: "S52.5", fi: "Värttinäluun distaaliosan murtuma" },
  appendicitis: { code: "K35.8", fi: "Akuutti umpilisäkkeen tulehdus, muu tai määrittämätön" },
  uti: { code: "N39.0", fi: "Virtsatieinfektio, paikka määrittämätön" },
  chestPain: { code: "R07.4", fi: "Rintakipu, määrittämätön" },
  abdominalPain: { code: "R10.4", fi: "Muu tai määrittämätön vatsakipu" },
  hyperlipidemia: { code: "E78.0", fi: "Puhdas hyperkolesterolemia" },
  childFever: { code: "R50.9", fi: "Kuume, määrittämätön" },
  bronchiolitis: { code: "J21.9", fi: "Akuutti bronkioliitti, määrittämätön" },
} as const satisfies Record<string, Diagnosis>;

export interface Procedure {
  code: string;
  fi: string;
}

export const PROC = {
  pci: { code: "FNG05", fi: "Sepelvaltimon pallolaajennus ja stenttiasennus" },
  coronaryAngiography: { code: "FN1AC", fi: "Sepelvaltimoiden varjoainekuvaus" },
  lumbarPuncture: { code: "TAB00", fi: "Selkäydinnesteen otto lannepistolla" },
  breastResection: { code: "HAB40", fi: "Rinnan osapoisto" },
  sentinelNode: { code: "PJD52", fi: "Vartijaimusolmukkeen poisto kainalosta" },
  prostatectomy: { code: "KEC00", fi: "Radikaali prostatektomia" },
  prostateBiopsy: { code: "KEB22", fi: "Eturauhasen neulabiopsia peräsuolen kautta" },
  sigmoidResection: { code: "JFB43", fi: "Sigmasuolen resektio" },
  colonoscopy: { code: "UJF32", fi: "Paksusuolen tähystys ja koepala" },
  bronchoscopy: { code: "UGC12", fi: "Keuhkoputkien tähystys ja koepala" },
  radiotherapy: { code: "WF010", fi: "Ulkoinen sädehoito" },
  chemotherapy: { code: "WB001", fi: "Solunsalpaajahoito suonensisäisesti" },
  appendectomy: { code: "JEA01", fi: "Umpilisäkkeen poisto laparoskooppisesti" },
  hipFractureFixation: { code: "NFJ64", fi: "Reisiluun kaulan murtuman osaproteesi" },
  kneeArthroplasty: { code: "NGB20", fi: "Polven kokotekonivel, sementitön" },
  wristCast: { code: "NCT10", fi: "Värttinäluun murtuman suljettu reponointi ja kipsaus" },
} as const satisfies Record<string, Procedure>;

export interface Medication {
  atc: string;
  fi: string;
  dose: string;
  /** Year of Finnish marketing authorisation, where it matters for plausibility. */
  since?: number;
}

export const MED = {
  methotrexate: { atc: "L04AX03", fi: "Metotreksaatti", dose: "15 mg kerran viikossa" },
  hydroxychloroquine: { atc: "P01BA02", fi: "Hydroksiklorokiini", dose: "300 mg x 1" },
  sulfasalazine: { atc: "A07EC01", fi: "Sulfasalatsiini", dose: "1 g x 2" },
  prednisolone: { atc: "H02AB06", fi: "Prednisoloni", dose: "7,5 mg x 1" },
  methylprednisolone: {
    atc: "H02AB04",
    fi: "Metyyliprednisoloni",
    dose: "1 g i.v. kerran vuorokaudessa kolmen päivän ajan",
  },
  adalimumab: {
    atc: "L04AB04",
    fi: "Adalimumabi",
    dose: "40 mg s.c. joka toinen viikko",
    since: 2003,
  },
  etanercept: {
    atc: "L04AB01",
    fi: "Etanersepti",
    dose: "50 mg s.c. kerran viikossa",
    since: 2000,
  },
  folicAcid: { atc: "B03BB01", fi: "Foolihappo", dose: "5 mg kerran viikossa" },
  metformin: { atc: "A10BA02", fi: "Metformiini", dose: "1 g x 2" },
  semaglutide: {
    atc: "A10BJ06",
    fi: "Semaglutidi",
    dose: "1 mg s.c. kerran viikossa",
    since: 2018,
  },
  dapagliflozin: { atc: "A10BK01", fi: "Dapagliflotsiini", dose: "10 mg x 1", since: 2013 },
  insulinGlargine: {
    atc: "A10AE04",
    fi: "Glargiini-insuliini",
    dose: "20 IU iltaisin",
    since: 2000,
  },
  teriflunomide: { atc: "L04AA31", fi: "Teriflunomidi", dose: "14 mg x 1", since: 2013 },
  dimethylFumarate: { atc: "L04AX07", fi: "Dimetyylifumaraatti", dose: "240 mg x 2", since: 2014 },
  natalizumab: {
    atc: "L04AG03",
    fi: "Natalitsumabi",
    dose: "300 mg i.v. 4 viikon välein",
    since: 2006,
  },
  ocrelizumab: {
    atc: "L04AG08",
    fi: "Okrelitsumabi",
    dose: "600 mg i.v. 6 kk välein",
    since: 2018,
  },
  aspirin: { atc: "B01AC06", fi: "Asetyylisalisyylihappo", dose: "100 mg x 1" },
  ticagrelor: { atc: "B01AC24", fi: "Tikagrelori", dose: "90 mg x 2", since: 2011 },
  atorvastatin: { atc: "C10AA05", fi: "Atorvastatiini", dose: "80 mg x 1" },
  metoprolol: { atc: "C07AB02", fi: "Metoprololi", dose: "47,5 mg x 1" },
  ramipril: { atc: "C09AA05", fi: "Ramipriili", dose: "5 mg x 1" },
  heparin: { atc: "B01AB01", fi: "Hepariini", dose: "5000 IU i.v." },
  letrozole: { atc: "L02BG04", fi: "Letrotsoli", dose: "2,5 mg x 1", since: 1997 },
  tamoxifen: { atc: "L02BA01", fi: "Tamoksifeeni", dose: "20 mg x 1" },
  leuprorelin: { atc: "L02AE02", fi: "Leuproreliini", dose: "22,5 mg s.c. 3 kk välein" },
  oxaliplatin: { atc: "L01XA03", fi: "Oksaliplatiini", dose: "85 mg/m2 i.v." },
  fluorouracil: { atc: "L01BC02", fi: "Fluorourasiili", dose: "400 mg/m2 i.v." },
  pembrolizumab: {
    atc: "L01FF02",
    fi: "Pembrolitsumabi",
    dose: "200 mg i.v. 3 viikon välein",
    since: 2015,
  },
  amlodipine: { atc: "C08CA01", fi: "Amlodipiini", dose: "5 mg x 1" },
  losartan: { atc: "C09CA01", fi: "Losartaani", dose: "50 mg x 1" },
  budesonideFormoterol: {
    atc: "R03AK07",
    fi: "Budesonidi ja formoteroli",
    dose: "160/4,5 µg 2 inh. x 2",
  },
  salbutamol: { atc: "R03AC02", fi: "Salbutamoli", dose: "0,1 mg 1-2 inh. tarvittaessa" },
  escitalopram: { atc: "N06AB10", fi: "Essitalopraami", dose: "10 mg x 1" },
  levothyroxine: { atc: "H03AA01", fi: "Levotyroksiini", dose: "100 µg x 1" },
  apixaban: { atc: "B01AF02", fi: "Apiksabaani", dose: "5 mg x 2", since: 2011 },
  amoxicillin: { atc: "J01CA04", fi: "Amoksisilliini", dose: "500 mg x 3" },
  cefuroxime: { atc: "J01DC02", fi: "Kefuroksiimi", dose: "1,5 g x 3 i.v." },
  trimethoprim: { atc: "J01EA01", fi: "Trimetopriimi", dose: "160 mg x 2" },
  paracetamol: { atc: "N02BE01", fi: "Parasetamoli", dose: "1 g x 3" },
  oxycodone: { atc: "N02AA05", fi: "Oksikodoni", dose: "5 mg tarvittaessa" },
  // Older alternatives, for years before the newer drugs were available.
  leflunomide: { atc: "L04AA13", fi: "Leflunomidi", dose: "20 mg x 1", since: 1999 },
  glimepiride: { atc: "A10BB12", fi: "Glimepiridi", dose: "2 mg x 1" },
  nphInsulin: { atc: "A10AC01", fi: "NPH-insuliini", dose: "16 IU iltaisin" },
  interferonBeta: {
    atc: "L03AB07",
    fi: "Beeta-1a-interferoni",
    dose: "44 µg s.c. 3 kertaa viikossa",
  },
  clopidogrel: { atc: "B01AC04", fi: "Klopidogreeli", dose: "75 mg x 1" },
  warfarin: { atc: "B01AA03", fi: "Varfariini", dose: "INR-tavoite 2-3" },
  docetaxel: { atc: "L01CD02", fi: "Dosetakseli", dose: "75 mg/m2 i.v." },
} as const satisfies Record<string, Medication>;

const FALLBACK: Partial<Record<string, Medication>> = {
  [MED.adalimumab.atc]: MED.leflunomide,
  [MED.etanercept.atc]: MED.leflunomide,
  [MED.semaglutide.atc]: MED.glimepiride,
  [MED.dapagliflozin.atc]: MED.glimepiride,
  [MED.insulinGlargine.atc]: MED.nphInsulin,
  [MED.teriflunomide.atc]: MED.interferonBeta,
  [MED.dimethylFumarate.atc]: MED.interferonBeta,
  [MED.natalizumab.atc]: MED.interferonBeta,
  [MED.ocrelizumab.atc]: MED.interferonBeta,
  [MED.ticagrelor.atc]: MED.clopidogrel,
  [MED.apixaban.atc]: MED.warfarin,
  [MED.pembrolizumab.atc]: MED.docetaxel,
  [MED.letrozole.atc]: MED.tamoxifen,
};

/** The drug, or what was prescribed instead in a year before it was available. */
export function availableIn(med: Medication, year: number): Medication {
  if (med.since === undefined || year >= med.since) return med;
  const fallback = FALLBACK[med.atc];
  return fallback ? availableIn(fallback, year) : med;
}

export interface LabTest {
  /** Finnish laboratory name as printed on results, e.g. "P -CRP". */
  name: string;
  /** Local (hospital laboratory) code. */
  local: string;
  loinc?: { code: string; display: string };
  unit?: string;
  low?: number;
  high?: number;
  decimals: number;
}

export const LAB = {
  crp: {
    name: "P -CRP",
    local: "4541",
    loinc: { code: "1988-5", display: "C reactive protein [Mass/volume] in Serum or Plasma" },
    unit: "mg/l",
    high: 10,
    decimals: 0,
  },
  esr: {
    name: "B -La",
    local: "1532",
    loinc: { code: "4537-7", display: "Erythrocyte sedimentation rate by Westergren method" },
    unit: "mm/h",
    high: 20,
    decimals: 0,
  },
  hba1c: {
    name: "B -HbA1c",
    local: "17863",
    loinc: {
      code: "59261-8",
      display: "Hemoglobin A1c/Hemoglobin.total in Blood by IFCC protocol",
    },
    unit: "mmol/mol",
    low: 20,
    high: 42,
    decimals: 0,
  },
  glucose: {
    name: "fP -Gluk",
    local: "1468",
    loinc: { code: "14771-0", display: "Fasting glucose [Moles/volume] in Serum or Plasma" },
    unit: "mmol/l",
    low: 4.0,
    high: 6.0,
    decimals: 1,
  },
  creatinine: {
    name: "P -Krea",
    local: "2143",
    loinc: { code: "14682-9", display: "Creatinine [Moles/volume] in Serum or Plasma" },
    unit: "µmol/l",
    low: 50,
    high: 100,
    decimals: 0,
  },
  troponin: {
    name: "P -TnT",
    local: "4681",
    loinc: {
      code: "67151-1",
      display: "Troponin T.cardiac [Mass/volume] in Serum or Plasma by High sensitivity method",
    },
    unit: "ng/l",
    high: 15,
    decimals: 0,
  },
  hemoglobin: {
    name: "B -Hb",
    local: "1552",
    loinc: { code: "718-7", display: "Hemoglobin [Mass/volume] in Blood" },
    unit: "g/l",
    low: 117,
    high: 167,
    decimals: 0,
  },
  leukocytes: {
    name: "B -Leuk",
    local: "2208",
    loinc: { code: "6690-2", display: "Leukocytes [#/volume] in Blood by Automated count" },
    unit: "E9/l",
    low: 3.4,
    high: 8.2,
    decimals: 1,
  },
  potassium: {
    name: "P -K",
    local: "1999",
    loinc: { code: "2823-3", display: "Potassium [Moles/volume] in Serum or Plasma" },
    unit: "mmol/l",
    low: 3.3,
    high: 4.9,
    decimals: 1,
  },
  sodium: {
    name: "P -Na",
    local: "2656",
    loinc: { code: "2951-2", display: "Sodium [Moles/volume] in Serum or Plasma" },
    unit: "mmol/l",
    low: 137,
    high: 145,
    decimals: 0,
  },
  ldl: {
    name: "fP -Kol-LDL",
    local: "4516",
    loinc: { code: "22748-8", display: "Cholesterol in LDL [Moles/volume] in Serum or Plasma" },
    unit: "mmol/l",
    high: 3.0,
    decimals: 1,
  },
  psa: {
    name: "P -PSA",
    local: "2905",
    loinc: { code: "2857-1", display: "Prostate specific Ag [Mass/volume] in Serum or Plasma" },
    unit: "µg/l",
    high: 4.0,
    decimals: 1,
  },
  tsh: {
    name: "P -TSH",
    local: "3203",
    loinc: { code: "3016-3", display: "Thyrotropin [Units/volume] in Serum or Plasma" },
    unit: "mU/l",
    low: 0.5,
    high: 3.6,
    decimals: 2,
  },
  cea: {
    name: "P -CEA",
    local: "1378",
    loinc: { code: "2039-6", display: "Carcinoembryonic Ag [Mass/volume] in Serum or Plasma" },
    unit: "µg/l",
    high: 5.0,
    decimals: 1,
  },
  ccp: {
    name: "S -CCPAb",
    local: "4987",
    loinc: { code: "32218-0", display: "Cyclic citrullinated peptide Ab [Units/volume] in Serum" },
    unit: "U/ml",
    high: 7,
    decimals: 0,
  },
  rf: {
    name: "S -ReumaT",
    local: "1793",
    loinc: { code: "11572-5", display: "Rheumatoid factor [Units/volume] in Serum or Plasma" },
    unit: "IU/ml",
    high: 15,
    decimals: 0,
  },
  ntprobnp: {
    name: "P -proBNP",
    local: "4270",
    loinc: {
      code: "33762-6",
      display: "Natriuretic peptide.B prohormone N-Terminal [Mass/volume] in Serum or Plasma",
    },
    unit: "ng/l",
    high: 125,
    decimals: 0,
  },
  // Finnish tests with no single LOINC code: text results.
  oligoclonal: { name: "Li -IgG-Olig", local: "3394", decimals: 0 },
  urineStrip: { name: "U -KemSeul", local: "1881", decimals: 0 },
} as const satisfies Record<string, LabTest>;

export interface ImagingKind {
  code: string;
  fi: string;
  modality: "MR" | "CT" | "CR" | "MG" | "US";
  bodySite: { code: string; display: string };
}

export const IMAGING = {
  brainMr: {
    code: "HA2AE",
    fi: "Pään magneettitutkimus",
    modality: "MR",
    bodySite: { code: "12738006", display: "Brain structure" },
  },
  spineMr: {
    code: "HC2AE",
    fi: "Kaularangan magneettitutkimus",
    modality: "MR",
    bodySite: { code: "122494005", display: "Cervical spine structure" },
  },
  chestCt: {
    code: "GD1AD",
    fi: "Vartalon TT (thorax)",
    modality: "CT",
    bodySite: { code: "51185008", display: "Thoracic structure" },
  },
  abdomenCt: {
    code: "JN1AD",
    fi: "Vatsan TT",
    modality: "CT",
    bodySite: { code: "818983003", display: "Abdomen" },
  },
  chestXray: {
    code: "GD1AA",
    fi: "Keuhkojen natiiviröntgen",
    modality: "CR",
    bodySite: { code: "51185008", display: "Thoracic structure" },
  },
  handXray: {
    code: "NB1AA",
    fi: "Käsien natiiviröntgen",
    modality: "CR",
    bodySite: { code: "85562004", display: "Hand structure" },
  },
  wristXray: {
    code: "ND1AA",
    fi: "Ranteen natiiviröntgen",
    modality: "CR",
    bodySite: { code: "8205005", display: "Wrist region structure" },
  },
  hipXray: {
    code: "NF1AA",
    fi: "Lonkan natiiviröntgen",
    modality: "CR",
    bodySite: { code: "29836001", display: "Hip region structure" },
  },
  mammography: {
    code: "HA1BB",
    fi: "Mammografia",
    modality: "MG",
    bodySite: { code: "76752008", display: "Breast structure" },
  },
  kneeXray: {
    code: "NG1AA",
    fi: "Polven natiiviröntgen",
    modality: "CR",
    bodySite: { code: "72696002", display: "Knee region structure" },
  },
} as const satisfies Record<string, ImagingKind>;
