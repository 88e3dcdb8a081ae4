import { HETU_SYSTEM } from "../identity/hetu.js";
import type { AnnotatedSpan, Fragment } from "./annotated-text.js";
import type { Resource } from "./fhir-types.js";
import type { Person } from "./person.js";
import {
  ATC_SYSTEM,
  availableIn,
  type Diagnosis,
  ICD10_SYSTEM,
  type ImagingKind,
  type LabTest,
  LOCAL_IMAGING_SYSTEM,
  LOCAL_LAB_SYSTEM,
  LOINC_SYSTEM,
  type Medication,
  NCSP_SYSTEM,
  type Procedure,
} from "./reference/codes.js";
import { HOSPITAL_BY_KEY, type Hospital, SPECIALTIES, type Unit } from "./reference/hospitals.js";
import { FINNISH_FEMALE, FINNISH_MALE, FINNISH_SURNAMES } from "./reference/people.js";
import type { Rng } from "./rng.js";
import type { StaticResources } from "./static-resources.js";
import { DAY, fhirDateTime } from "./time.js";

export const SID = {
  hetu: HETU_SYSTEM,
  visit: "https://fhir.hus.example/sid/kaynti",
  biobank: "https://fhir.hus.example/sid/biopankkinayte",
  dicom: "urn:dicom:uid",
};

export interface ChartWindow {
  /** First instant records may exist (start year, or birth). */
  from: number;
  /** Last instant: the export time, or death. */
  to: number;
  death: number | null;
}

export interface Visit {
  id: string;
  start: number;
  end: number;
  unit: Unit;
  hospital: Hospital;
  kind: "AMB" | "IMP" | "EMER";
  clinician: string;
}

/** A row for a CSV quality registry, keyed by the person's identity code when written. */
export interface RegistryRow {
  registry: "reuma" | "diabetes";
  at: number;
  values: Record<string, number | string | null>;
}

/** A note's text with the span and type of every identifier written into it. */
export interface AnnotatedNote {
  /** The DocumentReference id. */
  id: string;
  lang: "fi" | "sv" | "en";
  text: string;
  spans: AnnotatedSpan[];
}

export type NoteKind = "referral" | "visit" | "discharge" | "emergency";

const CLASS_DISPLAY = { AMB: "ambulatory", IMP: "inpatient encounter", EMER: "emergency" } as const;
const NOTE_TYPE: Record<NoteKind, { loinc: string; display: string; fi: string }> = {
  referral: { loinc: "57133-1", display: "Referral note", fi: "Lähete" },
  visit: { loinc: "11506-3", display: "Progress note", fi: "Käyntiteksti" },
  discharge: { loinc: "18842-5", display: "Discharge summary", fi: "Epikriisi" },
  emergency: { loinc: "34111-5", display: "Emergency department note", fi: "Päivystyskäynti" },
};

/**
 * Collects one person's records. Records before 2010 are thinned (older systems kept less and
 * not everything was migrated); anything outside the person's window is not recorded at all.
 */
export class Chart {
  readonly resources: Resource[] = [];
  readonly visits: Visit[] = [];
  readonly registryRows: RegistryRow[] = [];
  readonly notes: AnnotatedNote[] = [];

  constructor(
    readonly person: Person,
    readonly rng: Rng,
    readonly window: ChartWindow,
    private readonly statics: StaticResources,
  ) {}

  private keep(at: number): boolean {
    if (at < this.window.from || at > this.window.to) return false;
    const year = new Date(at).getUTCFullYear();
    if (year >= 2010) return true;
    return this.rng.chance(year >= 2000 ? 0.35 : 0.12);
  }

  /** A clinician's name as written in notes and signatures. */
  clinician(title = "LL"): string {
    const female = this.rng.chance(0.6);
    return `${title} ${this.rng.pick(female ? FINNISH_FEMALE : FINNISH_MALE)} ${this.rng.pick(FINNISH_SURNAMES)}`;
  }

  private meta(at: number) {
    return {
      versionId: "1",
      lastUpdated: fhirDateTime(Math.min(at + this.rng.int(1, 180) * 60_000, this.window.to)),
    };
  }

  private subject() {
    return { reference: `Patient/${this.person.id}` };
  }

  /** Records a visit, or returns null when it falls outside what was kept. */
  visit(
    unit: Unit,
    start: number,
    options: { days?: number; reason: Diagnosis; kind?: Visit["kind"] },
  ): Visit | null {
    const kind =
      options.kind ?? (unit.kind === "ward" ? "IMP" : unit.kind === "emergency" ? "EMER" : "AMB");
    // Planned visits in office hours (local 8-16), emergencies at any hour.
    const minute = kind === "EMER" ? this.rng.int(0, 1439) : this.rng.int(6 * 60, 14 * 60);
    const begin = Math.floor(start / DAY) * DAY + minute * 60_000;
    if (!this.keep(begin)) return null;
    const duration =
      kind === "IMP"
        ? (options.days ?? this.rng.int(1, 7)) * DAY + this.rng.int(-4, 4) * 3_600_000
        : kind === "EMER"
          ? this.rng.int(2, 10) * 3_600_000
          : this.rng.int(20, 60) * 60_000;
    const end = Math.min(begin + duration, this.window.to);
    const hospital = HOSPITAL_BY_KEY.get(unit.hospital) as Hospital;
    const visit: Visit = {
      id: this.rng.uuid(),
      start: begin,
      end,
      unit,
      hospital,
      kind,
      clinician: this.clinician(),
    };
    this.visits.push(visit);
    const specialty = SPECIALTIES[unit.specialty];
    this.resources.push({
      resourceType: "Encounter",
      id: visit.id,
      meta: this.meta(end),
      identifier: [{ system: SID.visit, value: `K${this.rng.int(100_000_000, 999_999_999)}` }],
      status: "finished",
      class: {
        system: "http://terminology.hl7.org/CodeSystem/v3-ActCode",
        code: kind,
        display: CLASS_DISPLAY[kind],
      },
      serviceType: {
        coding: [
          {
            system: "https://fhir.hus.example/CodeSystem/erikoisala",
            code: specialty.code,
            display: specialty.fi,
          },
        ],
      },
      subject: this.subject(),
      participant: [{ individual: { display: visit.clinician } }],
      period: { start: fhirDateTime(begin), end: fhirDateTime(end) },
      reasonCode: [
        {
          coding: [{ system: ICD10_SYSTEM, code: options.reason.code, display: options.reason.fi }],
        },
      ],
      ...(kind === "IMP"
        ? {
            hospitalization: {
              dischargeDisposition: {
                coding: [
                  {
                    system: "http://terminology.hl7.org/CodeSystem/discharge-disposition",
                    code: this.window.death !== null && end >= this.window.death ? "exp" : "home",
                  },
                ],
              },
            },
          }
        : {}),
      location: [
        {
          location: {
            reference: `Location/${this.statics.locationId(unit.code)}`,
            display: unit.name,
          },
        },
      ],
      serviceProvider: {
        reference: `Organization/${this.statics.organizationId(hospital.key)}`,
        display: hospital.name,
      },
    });
    return visit;
  }

  diagnosis(visit: Visit, dx: Diagnosis, onset?: number): void {
    this.resources.push({
      resourceType: "Condition",
      id: this.rng.uuid(),
      meta: this.meta(visit.start),
      clinicalStatus: {
        coding: [
          { system: "http://terminology.hl7.org/CodeSystem/condition-clinical", code: "active" },
        ],
      },
      verificationStatus: {
        coding: [
          {
            system: "http://terminology.hl7.org/CodeSystem/condition-ver-status",
            code: "confirmed",
          },
        ],
      },
      category: [
        {
          coding: [
            {
              system: "http://terminology.hl7.org/CodeSystem/condition-category",
              code: "encounter-diagnosis",
            },
          ],
        },
      ],
      code: { coding: [{ system: ICD10_SYSTEM, code: dx.code, display: dx.fi }], text: dx.fi },
      subject: this.subject(),
      encounter: { reference: `Encounter/${visit.id}` },
      ...(onset !== undefined ? { onsetDateTime: fhirDateTime(onset) } : {}),
      recordedDate: fhirDateTime(visit.start),
      recorder: { display: visit.clinician },
    });
  }

  procedure(visit: Visit, proc: Procedure, at = visit.start): void {
    this.resources.push({
      resourceType: "Procedure",
      id: this.rng.uuid(),
      meta: this.meta(at),
      status: "completed",
      code: { coding: [{ system: NCSP_SYSTEM, code: proc.code, display: proc.fi }] },
      subject: this.subject(),
      encounter: { reference: `Encounter/${visit.id}` },
      performedDateTime: fhirDateTime(Math.min(at, this.window.to)),
      performer: [{ actor: { display: this.clinician("LL") } }],
    });
  }

  /** The drug as it would have been prescribed at a time (older alternatives before approval). */
  drug(med: Medication, at: number): Medication {
    return availableIn(med, new Date(at).getUTCFullYear());
  }

  prescribe(visit: Visit, wanted: Medication): void {
    const med = this.drug(wanted, visit.start);
    this.resources.push({
      resourceType: "MedicationRequest",
      id: this.rng.uuid(),
      meta: this.meta(visit.start),
      status: "active",
      intent: "order",
      medicationCodeableConcept: {
        coding: [{ system: ATC_SYSTEM, code: med.atc, display: med.fi }],
        text: med.fi,
      },
      subject: this.subject(),
      encounter: { reference: `Encounter/${visit.id}` },
      authoredOn: fhirDateTime(visit.start),
      requester: { display: visit.clinician },
      dosageInstruction: [{ text: med.dose }],
    });
  }

  administer(visit: Visit, wanted: Medication, at: number): void {
    if (at > visit.end) return;
    const med = this.drug(wanted, at);
    this.resources.push({
      resourceType: "MedicationAdministration",
      id: this.rng.uuid(),
      meta: this.meta(at),
      status: "completed",
      medicationCodeableConcept: {
        coding: [{ system: ATC_SYSTEM, code: med.atc, display: med.fi }],
        text: med.fi,
      },
      subject: this.subject(),
      context: { reference: `Encounter/${visit.id}` },
      effectiveDateTime: fhirDateTime(at),
      dosage: { text: med.dose },
    });
  }

  /** A laboratory result; values under a detection limit are written with a `<` comparator. */
  lab(visit: Visit, test: LabTest, value: number | string, sampledAt = visit.start): void {
    const at = Math.min(sampledAt, visit.end);
    const resultAt = Math.min(at + this.rng.int(30, 240) * 60_000, this.window.to);
    let valueElement: Record<string, unknown>;
    let interpretation: string | undefined;
    if (typeof value === "string") {
      valueElement = { valueString: value };
    } else {
      const rounded = Number(value.toFixed(test.decimals));
      const limit = test.name === "P -CRP" ? 3 : test.name === "P -TnT" ? 5 : undefined;
      const quantity: Record<string, unknown> =
        limit !== undefined && rounded < limit
          ? { value: limit, comparator: "<", unit: test.unit }
          : { value: rounded, unit: test.unit };
      valueElement = { valueQuantity: quantity };
      if (test.high !== undefined && rounded > test.high) interpretation = "H";
      else if (test.low !== undefined && rounded < test.low) interpretation = "L";
    }
    const coding = [
      { system: LOCAL_LAB_SYSTEM, code: test.local, display: test.name },
      ...(test.loinc
        ? [{ system: LOINC_SYSTEM, code: test.loinc.code, display: test.loinc.display }]
        : []),
    ];
    const range: Record<string, unknown> = {};
    if (test.low !== undefined) range.low = { value: test.low, unit: test.unit };
    if (test.high !== undefined) range.high = { value: test.high, unit: test.unit };
    this.resources.push({
      resourceType: "Observation",
      id: this.rng.uuid(),
      meta: this.meta(resultAt),
      status: "final",
      category: [
        {
          coding: [
            {
              system: "http://terminology.hl7.org/CodeSystem/observation-category",
              code: "laboratory",
            },
          ],
        },
      ],
      code: { coding, text: test.name },
      subject: this.subject(),
      encounter: { reference: `Encounter/${visit.id}` },
      effectiveDateTime: fhirDateTime(at),
      issued: fhirDateTime(resultAt).replace(/\+\d\d:\d\d$/, (o) => `.000${o}`),
      ...valueElement,
      ...(interpretation
        ? {
            interpretation: [
              {
                coding: [
                  {
                    system: "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation",
                    code: interpretation,
                  },
                ],
              },
            ],
          }
        : {}),
      ...(Object.keys(range).length > 0 ? { referenceRange: [range] } : {}),
    });
  }

  /** A note as a DocumentReference; its identifier spans are kept in `notes` for the benchmark. */
  note(visit: Visit, kind: NoteKind, note: Fragment, language: "fi" | "sv" | "en"): void {
    const type = NOTE_TYPE[kind];
    const at = kind === "discharge" ? visit.end : visit.start + this.rng.int(10, 120) * 60_000;
    const id = this.rng.uuid();
    const { text, spans } = note;
    this.notes.push({ id, lang: language, text, spans });
    this.resources.push({
      resourceType: "DocumentReference",
      id,
      meta: this.meta(at),
      status: "current",
      type: {
        coding: [{ system: LOINC_SYSTEM, code: type.loinc, display: type.display }],
        text: type.fi,
      },
      category: [
        {
          coding: [
            {
              system: "https://fhir.hus.example/CodeSystem/kanta-nakyma",
              code: SPECIALTIES[visit.unit.specialty].view,
            },
          ],
        },
      ],
      subject: this.subject(),
      date: fhirDateTime(Math.min(at, this.window.to)).replace(/\+\d\d:\d\d$/, (o) => `.000${o}`),
      author: [{ display: visit.clinician }],
      content: [
        {
          attachment: {
            contentType: "text/plain; charset=utf-8",
            language,
            data: Buffer.from(text, "utf8").toString("base64"),
          },
        },
      ],
      context: { encounter: [{ reference: `Encounter/${visit.id}` }] },
    });
  }

  imaging(visit: Visit, kind: ImagingKind): void {
    const series = this.rng.int(1, kind.modality === "MR" ? 8 : 3);
    const instances =
      series * this.rng.int(kind.modality === "CR" ? 1 : 20, kind.modality === "CR" ? 2 : 200);
    const uid = `2.25.${this.rng.int(100_000_000, 999_999_999)}${this.rng.int(100_000_000, 999_999_999)}`;
    this.resources.push({
      resourceType: "ImagingStudy",
      id: this.rng.uuid(),
      meta: this.meta(visit.start),
      identifier: [{ system: SID.dicom, value: `urn:oid:${uid}` }],
      status: "available",
      modality: [{ system: "http://dicom.nema.org/resources/ontology/DCM", code: kind.modality }],
      subject: this.subject(),
      encounter: { reference: `Encounter/${visit.id}` },
      started: fhirDateTime(visit.start),
      numberOfSeries: series,
      numberOfInstances: instances,
      procedureCode: [
        { coding: [{ system: LOCAL_IMAGING_SYSTEM, code: kind.code, display: kind.fi }] },
      ],
      series: [
        {
          uid: `${uid}.1`,
          modality: { system: "http://dicom.nema.org/resources/ontology/DCM", code: kind.modality },
          bodySite: {
            system: "http://snomed.info/sct",
            code: kind.bodySite.code,
            display: kind.bodySite.display,
          },
          numberOfInstances: instances,
        },
      ],
    });
  }

  specimen(visit: Visit, type: "dna" | "serum" | "tissue"): void {
    const snomed = {
      dna: { code: "258566005", display: "Deoxyribonucleic acid sample" },
      serum: { code: "119364003", display: "Serum specimen" },
      tissue: { code: "119376003", display: "Tissue specimen" },
    }[type];
    this.resources.push({
      resourceType: "Specimen",
      id: this.rng.uuid(),
      meta: this.meta(visit.start),
      identifier: [{ system: SID.biobank, value: `HBB${this.rng.int(10_000_000, 99_999_999)}` }],
      status: "available",
      type: { coding: [{ system: "http://snomed.info/sct", ...snomed }] },
      subject: this.subject(),
      receivedTime: fhirDateTime(Math.min(visit.start + 2 * 3_600_000, this.window.to)),
      collection: { collectedDateTime: fhirDateTime(visit.start) },
    });
  }
}
