import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Actor } from "../auth/roles.js";
import { validateCohort } from "../cohort/cohort-service.js";
import type { Home } from "../home/home.js";
import {
  activatePermit,
  approvePermit,
  draftPermit,
  getPermit,
  reviewPermit,
  submitPermit,
} from "../permits/permit-service.js";
import { createRelease } from "../release/release-service.js";
import { NotFoundError } from "../shared/errors.js";
import type { ControlStore } from "../store/control-store.js";

export const DEMO_PERMIT = "KAIVO-DEMO-0001";
const EXAMPLE = join(import.meta.dirname, "../../examples/cohorts/t2d-hba1c.json");

export interface DemoRelease {
  permit: string;
  path: string;
  persons: number;
  created: boolean;
}

/**
 * The whole path of a permit on the demo lake, each step by its own person: the researcher
 * applies, a reviewer decides, the steward activates and releases. Reused when it exists.
 */
export async function demoRelease(
  home: Home,
  store: ControlStore,
  people: { researcher: Actor; reviewer: Actor; steward: Actor },
): Promise<DemoRelease> {
  const existing = await getPermit(store, DEMO_PERMIT).catch((e: unknown) => {
    if (e instanceof NotFoundError) return undefined;
    throw e;
  });
  if (existing) {
    const release = await store.db
      .selectFrom("releases")
      .selectAll()
      .where("permit_id", "=", DEMO_PERMIT)
      .orderBy("number", "desc")
      .executeTakeFirst();
    if (release)
      return { permit: DEMO_PERMIT, path: release.path, persons: release.persons, created: false };
  }
  const as = (actor: Actor) => ({ home, store, actor });
  const { researcher, reviewer, steward } = people;
  if (!existing) {
    const cohort = await validateCohort(
      as(researcher),
      JSON.parse(readFileSync(EXAMPLE, "utf8")),
      EXAMPLE,
    );
    const validUntil = new Date(Date.now() + 365 * 86_400_000).toISOString().slice(0, 10);
    await draftPermit(as(researcher), {
      id: DEMO_PERMIT,
      title: "Glycaemic control in the first year after a type 2 diabetes diagnosis",
      organisation: "University of Helsinki, Faculty of Medicine",
      legalBasis:
        "Act on the Secondary Use of Health and Social Data (552/2019), scientific research",
      purpose:
        "To describe HbA1c trajectories and first-line medication after a type 2 diabetes diagnosis.",
      validUntil,
      scope: {
        cohort: { name: cohort.name, hash: cohort.hash },
        tables: {
          "clinical.person": ["sex", "birth_date", "deceased_at", "municipality"],
          "clinical.diagnosis": ["event_date", "code", "encounter_id"],
          "clinical.lab": ["event_date", "local_code", "value", "unit", "encounter_id"],
          "clinical.medication_request": ["event_date", "atc", "encounter_id"],
          "clinical.visit": ["event_date", "class", "specialty", "start", "end"],
        },
        period: { from: "2000-01-01", to: "2025-12-31" },
        formats: ["parquet", "csv"],
        rules: {
          birthDate: "year",
          dateShiftDays: 14,
          notes: false,
          postalCodeDigits: 3,
          outputThreshold: 5,
        },
      },
    });
    await submitPermit(as(researcher), DEMO_PERMIT, "ready for review");
  }
  const status = (await getPermit(store, DEMO_PERMIT)).status;
  if (status === "submitted") await reviewPermit(as(reviewer), DEMO_PERMIT, "taken into review");
  if (["submitted", "in_review"].includes(status))
    await approvePermit(
      as(reviewer),
      DEMO_PERMIT,
      "purpose and data minimised; approved as applied",
    );
  if ((await getPermit(store, DEMO_PERMIT)).status === "approved")
    await activatePermit(
      as(steward),
      DEMO_PERMIT,
      "decision received; data service starts the work",
    );
  const release = await createRelease(as(steward), DEMO_PERMIT);
  return { permit: DEMO_PERMIT, path: release.path, persons: release.persons, created: true };
}
