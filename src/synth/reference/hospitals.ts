/** HUS-like hospitals and their units. Organisation OIDs and unit codes are invented. */

export type SpecialtyKey =
  | "internal"
  | "cardiology"
  | "endocrinology"
  | "rheumatology"
  | "neurology"
  | "oncology"
  | "surgery"
  | "orthopedics"
  | "urology"
  | "gynecology"
  | "pulmonology"
  | "pediatrics"
  | "psychiatry"
  | "emergency"
  | "radiology";

export interface Specialty {
  code: string;
  fi: string;
  en: string;
  /** Kanta "näkymä" (record view) heading used for notes of this specialty. */
  view: string;
}

export const SPECIALTIES: Record<SpecialtyKey, Specialty> = {
  internal: { code: "10", fi: "Sisätaudit", en: "Internal medicine", view: "SIS" },
  cardiology: { code: "10K", fi: "Kardiologia", en: "Cardiology", view: "SIS" },
  endocrinology: { code: "10E", fi: "Endokrinologia", en: "Endocrinology", view: "SIS" },
  rheumatology: { code: "10R", fi: "Reumatologia", en: "Rheumatology", view: "REU" },
  neurology: { code: "77", fi: "Neurologia", en: "Neurology", view: "NEU" },
  oncology: { code: "65", fi: "Syöpätaudit", en: "Oncology", view: "SYO" },
  surgery: { code: "20", fi: "Kirurgia", en: "Surgery", view: "KIR" },
  orthopedics: { code: "25", fi: "Ortopedia ja traumatologia", en: "Orthopaedics", view: "KIR" },
  urology: { code: "20U", fi: "Urologia", en: "Urology", view: "KIR" },
  gynecology: { code: "30", fi: "Naistentaudit", en: "Gynaecology", view: "NAI" },
  pulmonology: { code: "60", fi: "Keuhkosairaudet", en: "Pulmonology", view: "KEU" },
  pediatrics: { code: "40", fi: "Lastentaudit", en: "Paediatrics", view: "LAS" },
  psychiatry: { code: "70", fi: "Psykiatria", en: "Psychiatry", view: "PSY" },
  emergency: { code: "PAI", fi: "Päivystys", en: "Emergency", view: "ENS" },
  radiology: { code: "RAD", fi: "Radiologia", en: "Radiology", view: "RTG" },
};

export interface Hospital {
  key: string;
  name: string;
  oid: string;
  municipality: string;
}

export const HOSPITALS: readonly Hospital[] = [
  {
    key: "MEI",
    name: "Meilahden tornisairaala",
    oid: "1.2.246.10.2620441.10.1",
    municipality: "091",
  },
  {
    key: "MEK",
    name: "Meilahden kolmiosairaala",
    oid: "1.2.246.10.2620441.10.2",
    municipality: "091",
  },
  { key: "TOO", name: "Töölön sairaala", oid: "1.2.246.10.2620441.10.3", municipality: "091" },
  { key: "SYK", name: "Syöpäkeskus", oid: "1.2.246.10.2620441.10.4", municipality: "091" },
  { key: "NAI", name: "Naistensairaala", oid: "1.2.246.10.2620441.10.5", municipality: "091" },
  { key: "LAS", name: "Uusi lastensairaala", oid: "1.2.246.10.2620441.10.6", municipality: "091" },
  { key: "JOR", name: "Jorvin sairaala", oid: "1.2.246.10.2620441.10.7", municipality: "049" },
  { key: "PEI", name: "Peijaksen sairaala", oid: "1.2.246.10.2620441.10.8", municipality: "092" },
  { key: "HYV", name: "Hyvinkään sairaala", oid: "1.2.246.10.2620441.10.9", municipality: "106" },
  { key: "POR", name: "Porvoon sairaala", oid: "1.2.246.10.2620441.10.10", municipality: "638" },
  { key: "LOH", name: "Lohjan sairaala", oid: "1.2.246.10.2620441.10.11", municipality: "444" },
  {
    key: "LUS",
    name: "Länsi-Uudenmaan sairaala",
    oid: "1.2.246.10.2620441.10.12",
    municipality: "710",
  },
];

export interface Unit {
  /** Unit code as the EHR writes it. */
  code: string;
  name: string;
  hospital: string;
  specialty: SpecialtyKey;
  kind: "outpatient" | "ward" | "emergency" | "imaging";
}

export const UNITS: readonly Unit[] = [
  {
    code: "MEI-SISPOL",
    name: "Sisätautien poliklinikka",
    hospital: "MEI",
    specialty: "internal",
    kind: "outpatient",
  },
  {
    code: "MEI-K6",
    name: "Sisätautien osasto K6",
    hospital: "MEI",
    specialty: "internal",
    kind: "ward",
  },
  {
    code: "MEI-KARPOL",
    name: "Kardiologian poliklinikka",
    hospital: "MEI",
    specialty: "cardiology",
    kind: "outpatient",
  },
  {
    code: "MEI-K8",
    name: "Kardiologian osasto K8",
    hospital: "MEI",
    specialty: "cardiology",
    kind: "ward",
  },
  {
    code: "MEI-ENDPOL",
    name: "Endokrinologian poliklinikka",
    hospital: "MEI",
    specialty: "endocrinology",
    kind: "outpatient",
  },
  {
    code: "MEI-NEUPOL",
    name: "Neurologian poliklinikka",
    hospital: "MEI",
    specialty: "neurology",
    kind: "outpatient",
  },
  {
    code: "MEI-N7",
    name: "Neurologian osasto N7",
    hospital: "MEI",
    specialty: "neurology",
    kind: "ward",
  },
  {
    code: "MEI-URPOL",
    name: "Urologian poliklinikka",
    hospital: "MEI",
    specialty: "urology",
    kind: "outpatient",
  },
  {
    code: "MEI-PAIV",
    name: "Meilahden päivystys",
    hospital: "MEI",
    specialty: "emergency",
    kind: "emergency",
  },
  {
    code: "MEI-RTG",
    name: "Kuvantaminen, Meilahti",
    hospital: "MEI",
    specialty: "radiology",
    kind: "imaging",
  },
  {
    code: "MEK-REUPOL",
    name: "Reumatologian poliklinikka",
    hospital: "MEK",
    specialty: "rheumatology",
    kind: "outpatient",
  },
  {
    code: "MEK-KEUPOL",
    name: "Keuhkosairauksien poliklinikka",
    hospital: "MEK",
    specialty: "pulmonology",
    kind: "outpatient",
  },
  {
    code: "MEK-VKO",
    name: "Vatsaelinkirurgian osasto",
    hospital: "MEK",
    specialty: "surgery",
    kind: "ward",
  },
  {
    code: "TOO-ORTPOL",
    name: "Ortopedian poliklinikka",
    hospital: "TOO",
    specialty: "orthopedics",
    kind: "outpatient",
  },
  {
    code: "TOO-T4",
    name: "Traumatologian osasto T4",
    hospital: "TOO",
    specialty: "orthopedics",
    kind: "ward",
  },
  {
    code: "TOO-PAIV",
    name: "Töölön päivystys",
    hospital: "TOO",
    specialty: "emergency",
    kind: "emergency",
  },
  {
    code: "SYK-ONKPOL",
    name: "Syöpätautien poliklinikka",
    hospital: "SYK",
    specialty: "oncology",
    kind: "outpatient",
  },
  {
    code: "SYK-SAD",
    name: "Sädehoito",
    hospital: "SYK",
    specialty: "oncology",
    kind: "outpatient",
  },
  {
    code: "SYK-ON1",
    name: "Syöpätautien osasto",
    hospital: "SYK",
    specialty: "oncology",
    kind: "ward",
  },
  {
    code: "NAI-NAIPOL",
    name: "Naistentautien poliklinikka",
    hospital: "NAI",
    specialty: "gynecology",
    kind: "outpatient",
  },
  {
    code: "NAI-RINTA",
    name: "Rintarauhaskirurgian osasto",
    hospital: "NAI",
    specialty: "surgery",
    kind: "ward",
  },
  {
    code: "LAS-LASPOL",
    name: "Lastentautien poliklinikka",
    hospital: "LAS",
    specialty: "pediatrics",
    kind: "outpatient",
  },
  {
    code: "LAS-PAIV",
    name: "Lasten päivystys",
    hospital: "LAS",
    specialty: "emergency",
    kind: "emergency",
  },
  {
    code: "JOR-PAIV",
    name: "Jorvin päivystys",
    hospital: "JOR",
    specialty: "emergency",
    kind: "emergency",
  },
  {
    code: "JOR-SISPOL",
    name: "Sisätautien poliklinikka",
    hospital: "JOR",
    specialty: "internal",
    kind: "outpatient",
  },
  {
    code: "JOR-S2",
    name: "Sisätautien osasto S2",
    hospital: "JOR",
    specialty: "internal",
    kind: "ward",
  },
  {
    code: "JOR-KIR",
    name: "Kirurgian osasto",
    hospital: "JOR",
    specialty: "surgery",
    kind: "ward",
  },
  {
    code: "JOR-REUPOL",
    name: "Reumatologian poliklinikka",
    hospital: "JOR",
    specialty: "rheumatology",
    kind: "outpatient",
  },
  {
    code: "JOR-PSYPOL",
    name: "Psykiatrian poliklinikka",
    hospital: "JOR",
    specialty: "psychiatry",
    kind: "outpatient",
  },
  {
    code: "JOR-RTG",
    name: "Kuvantaminen, Jorvi",
    hospital: "JOR",
    specialty: "radiology",
    kind: "imaging",
  },
  {
    code: "PEI-PAIV",
    name: "Peijaksen päivystys",
    hospital: "PEI",
    specialty: "emergency",
    kind: "emergency",
  },
  {
    code: "PEI-SISPOL",
    name: "Sisätautien poliklinikka",
    hospital: "PEI",
    specialty: "internal",
    kind: "outpatient",
  },
  {
    code: "PEI-KARPOL",
    name: "Kardiologian poliklinikka",
    hospital: "PEI",
    specialty: "cardiology",
    kind: "outpatient",
  },
  {
    code: "PEI-S3",
    name: "Sisätautien osasto S3",
    hospital: "PEI",
    specialty: "internal",
    kind: "ward",
  },
  {
    code: "HYV-PAIV",
    name: "Hyvinkään päivystys",
    hospital: "HYV",
    specialty: "emergency",
    kind: "emergency",
  },
  {
    code: "HYV-SISPOL",
    name: "Sisätautien poliklinikka",
    hospital: "HYV",
    specialty: "internal",
    kind: "outpatient",
  },
  {
    code: "POR-PAIV",
    name: "Porvoon päivystys",
    hospital: "POR",
    specialty: "emergency",
    kind: "emergency",
  },
  {
    code: "POR-SISPOL",
    name: "Sisätautien poliklinikka",
    hospital: "POR",
    specialty: "internal",
    kind: "outpatient",
  },
  {
    code: "LOH-PAIV",
    name: "Lohjan päivystys",
    hospital: "LOH",
    specialty: "emergency",
    kind: "emergency",
  },
  {
    code: "LUS-PAIV",
    name: "Länsi-Uudenmaan päivystys",
    hospital: "LUS",
    specialty: "emergency",
    kind: "emergency",
  },
];

export const UNIT_BY_CODE: ReadonlyMap<string, Unit> = new Map(UNITS.map((u) => [u.code, u]));
export const HOSPITAL_BY_KEY: ReadonlyMap<string, Hospital> = new Map(
  HOSPITALS.map((h) => [h.key, h]),
);

/** The units of a specialty and kind, for picking where a visit happens. */
export function unitsFor(specialty: SpecialtyKey, kind: Unit["kind"]): Unit[] {
  return UNITS.filter((u) => u.specialty === specialty && u.kind === kind);
}
