/** A FHIR resource as plain JSON. The generator builds objects; the writer serialises them. */
export interface Resource {
  resourceType: string;
  id: string;
  meta: { versionId: string; lastUpdated: string };
  [key: string]: unknown;
}

export const RESOURCE_TYPES = [
  "Patient",
  "Organization",
  "Location",
  "Encounter",
  "Condition",
  "Procedure",
  "MedicationRequest",
  "MedicationAdministration",
  "Observation",
  "DocumentReference",
  "ImagingStudy",
  "Specimen",
] as const;
export type ResourceType = (typeof RESOURCE_TYPES)[number];
