import { SID } from "./chart.js";
import type { Resource } from "./fhir-types.js";
import type { Person } from "./person.js";
import { fhirDate, fhirDateTime } from "./time.js";

const RELATION_CODE = { spouse: "N", daughter: "N", son: "N", mother: "N" } as const;
const RELATION_TEXT = {
  spouse: "puoliso",
  daughter: "tytär",
  son: "poika",
  mother: "äiti",
} as const;

/** The Patient resource: where a real EHR keeps every direct identifier of a person. */
export function patientResource(
  p: Person,
  death: number | null,
  lastUpdated: number,
  patientNumber: string,
): Resource {
  const telecom: Array<Record<string, string>> = [
    { system: "phone", value: p.phone, use: "mobile" },
  ];
  if (p.email) telecom.push({ system: "email", value: p.email, use: "home" });
  return {
    resourceType: "Patient",
    id: p.id,
    meta: { versionId: "1", lastUpdated: fhirDateTime(lastUpdated) },
    identifier: [
      { use: "official", system: SID.hetu, value: p.hetu },
      { use: "usual", system: "https://fhir.hus.example/sid/potilasnumero", value: patientNumber },
    ],
    active: true,
    name: [{ use: "official", family: p.family, given: p.given }],
    telecom,
    gender: p.sex,
    birthDate: fhirDate(p.birth + 12 * 3_600_000),
    ...(death !== null ? { deceasedDateTime: fhirDateTime(death) } : {}),
    address: [
      {
        extension: [
          {
            url: "https://hl7.fi/fhir/finnish-base-profiles/StructureDefinition/municipality-code",
            valueCoding: {
              system: "urn:oid:1.2.246.537.6.21",
              code: p.municipality.code,
              display: p.municipality.fi,
            },
          },
        ],
        use: "home",
        line: [p.street],
        postalCode: p.postalCode,
        city: p.city,
        country: "FI",
      },
    ],
    communication: [
      { language: { coding: [{ system: "urn:ietf:bcp:47", code: p.language }] }, preferred: true },
    ],
    contact: [
      {
        relationship: [
          {
            coding: [
              {
                system: "http://terminology.hl7.org/CodeSystem/v2-0131",
                code: RELATION_CODE[p.relative.relation],
              },
            ],
            text: RELATION_TEXT[p.relative.relation],
          },
        ],
        name: { family: p.relative.family, given: [p.relative.given] },
        telecom: [{ system: "phone", value: p.relative.phone }],
      },
    ],
  };
}
