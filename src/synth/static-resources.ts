import type { Resource } from "./fhir-types.js";
import { HOSPITALS, SPECIALTIES, UNITS } from "./reference/hospitals.js";
import { Rng } from "./rng.js";

const HUS = { name: "HUS Helsingin yliopistollinen sairaala", oid: "1.2.246.10.2620441" };

/** The hospital district's organisations and units, with ids stable for a seed. */
export class StaticResources {
  readonly #ids = new Map<string, string>();

  constructor(private readonly seed: number) {}

  private id(kind: string, key: string): string {
    const name = `${kind}/${key}`;
    let id = this.#ids.get(name);
    if (!id) {
      id = Rng.derive(this.seed, "static", name).uuid();
      this.#ids.set(name, id);
    }
    return id;
  }

  organizationId(hospitalKey: string): string {
    return this.id("Organization", hospitalKey);
  }

  locationId(unitCode: string): string {
    return this.id("Location", unitCode);
  }

  /** Every Organization and Location, written once in the initial export. */
  resources(lastUpdated: string): Resource[] {
    const meta = { versionId: "1", lastUpdated };
    const hus = this.id("Organization", "HUS");
    const organization = (id: string, oid: string, name: string, partOf?: string): Resource => ({
      resourceType: "Organization",
      id,
      meta,
      identifier: [{ system: "urn:oid:1.2.246.537.6.202", value: oid }],
      active: true,
      type: [
        {
          coding: [
            { system: "http://terminology.hl7.org/CodeSystem/organization-type", code: "prov" },
          ],
        },
      ],
      name,
      ...(partOf ? { partOf: { reference: `Organization/${partOf}` } } : {}),
    });
    const organizations = [
      organization(hus, HUS.oid, HUS.name),
      ...HOSPITALS.map((h) => organization(this.organizationId(h.key), h.oid, h.name, hus)),
    ];
    const locations: Resource[] = UNITS.map((u) => ({
      resourceType: "Location",
      id: this.locationId(u.code),
      meta,
      identifier: [{ system: "https://fhir.hus.example/sid/toimintayksikko", value: u.code }],
      status: "active",
      name: u.name,
      type: [
        {
          coding: [
            {
              system: "https://fhir.hus.example/CodeSystem/erikoisala",
              code: SPECIALTIES[u.specialty].code,
              display: SPECIALTIES[u.specialty].fi,
            },
          ],
        },
      ],
      physicalType: {
        coding: [
          {
            system: "http://terminology.hl7.org/CodeSystem/location-physical-type",
            code: u.kind === "ward" ? "wa" : "area",
          },
        ],
      },
      managingOrganization: { reference: `Organization/${this.organizationId(u.hospital)}` },
    }));
    return [...organizations, ...locations];
  }
}
