import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appendAudit } from "../src/audit/append.js";
import type { Actor } from "../src/auth/roles.js";
import { addUser } from "../src/auth/users.js";
import { annotateCatalog, exportCatalog } from "../src/catalog/catalog-service.js";
import { validateCohort } from "../src/cohort/cohort-service.js";
import type { Home } from "../src/home/home.js";
import {
  type Ctx,
  draftPermit,
  getPermit,
  reviewPermit,
  submitPermit,
} from "../src/permits/permit-service.js";
import { ValidationError } from "../src/shared/errors.js";
import { type ControlStore, openControlStore } from "../src/store/control-store.js";
import { fixtureLake } from "./support/fixture-lake.js";
import { tempDir } from "./support/stores.js";

const riku: Actor = { name: "riku", role: "researcher" };
const reija: Actor = { name: "reija", role: "reviewer" };
const stina: Actor = { name: "stina", role: "steward" };

// Synthetic, but shaped like the real thing: a common name, a mobile number, a valid hetu with
// an en dash (as word processors write it).
const NAME = "Matti Virtanen";
const PHONE = "040 123 4567";
const HETU_EN_DASH = "131052\u2013308T";
const PARTS = ["Matti", "Virtanen", "040", "4567", "131052", "308T"];

const tmp = tempDir("kaivo-free-text-");
let home: Home;
let store: ControlStore;
let cohortHash = "";
const ctx = (actor: Actor): Ctx => ({ home, store, actor });

beforeAll(async () => {
  home = await fixtureLake(join(tmp.dir, "home"), {});
  store = await openControlStore(home);
  for (const a of [riku, reija, stina])
    await addUser(store, { name: "system", role: "admin" }, { name: a.name, role: a.role });
  cohortHash = (
    await validateCohort(ctx(riku), {
      name: "t2d",
      codeSets: { t2d: { system: "icd10", codes: ["E11*"] } },
      entry: { events: { table: "clinical.diagnosis", codeSet: "t2d" } },
    })
  ).hash;
}, 120_000);
afterAll(async () => {
  await store?.close();
  tmp.remove();
});

const application = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  title: "Diabetes follow-up study",
  organisation: "University of Helsinki",
  legalBasis: "Secondary Use Act 552/2019, scientific research",
  purpose: "How glycaemic control develops after diagnosis.",
  validUntil: new Date(Date.now() + 365 * 86_400_000).toISOString().slice(0, 10),
  scope: {
    cohort: { name: "t2d", hash: cohortHash },
    tables: { "clinical.person": ["sex"] },
    period: { from: "2000-01-01", to: "2025-12-31" },
  },
  ...extra,
});

async function refusal(work: () => Promise<unknown>): Promise<ValidationError> {
  const error = await work().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ValidationError);
  const e = error as ValidationError;
  for (const part of PARTS) expect(`${e.message} ${e.hint}`).not.toContain(part);
  return e;
}

async function auditText(): Promise<string> {
  return JSON.stringify(await store.db.selectFrom("audit_log").selectAll().execute());
}

describe("free text users type", () => {
  it("refuses a review reason with a name, a phone number and an en-dash hetu, writing nothing", async () => {
    await draftPermit(ctx(riku), application("P-TEXT"));
    await submitPermit(ctx(riku), "P-TEXT", "ready");
    const before = await auditText();
    const e = await refusal(() =>
      reviewPermit(ctx(reija), "P-TEXT", `Spoke to ${NAME} (${PHONE}), code ${HETU_EN_DASH}`),
    );
    expect(e.message).toBe(
      "The review reason contains a personal identity code, a person's name and a phone number; remove it.",
    );
    expect(await auditText()).toBe(before);
    expect((await getPermit(store, "P-TEXT")).status).toBe("submitted");
    const events = await store.db.selectFrom("permit_events").select("reason").execute();
    for (const part of PARTS) expect(JSON.stringify(events)).not.toContain(part);
    await reviewPermit(ctx(reija), "P-TEXT", "taking it into review");
  });

  it("refuses an application whose purpose names a person, before a permit exists", async () => {
    const e = await refusal(() =>
      draftPermit(ctx(riku), application("P-NAMED", { purpose: `Follow-up of ${NAME}'s care.` })),
    );
    expect(e.message).toBe("The application's purpose contains a person's name; remove it.");
    expect(
      await store.db.selectFrom("permits").select("id").where("id", "=", "P-NAMED").execute(),
    ).toEqual([]);
  });

  it("refuses a catalog annotation with a phone number: not in the audit log nor HealthDCAT", async () => {
    const before = await auditText();
    const e = await refusal(() =>
      annotateCatalog(ctx(stina), "clinical.lab", { description: `Questions: call ${PHONE}` }),
    );
    expect(e.message).toBe("The annotation's description contains a phone number; remove it.");
    expect(await auditText()).toBe(before);
    const exported = await exportCatalog(ctx(stina), "healthdcat");
    for (const part of PARTS) expect(JSON.stringify(exported)).not.toContain(part);
  });

  it("are backed by the audit log's own guard, which knows the dashes too", async () => {
    const before = await auditText();
    for (const code of [HETU_EN_DASH, "131052\u2014308T", "131052 - 308T"]) {
      const error = await appendAudit(store, stina, {
        action: "x",
        details: { note: `about ${code}` },
      }).catch((e: unknown) => e);
      expect(error, code).toBeInstanceOf(ValidationError);
      expect((error as Error).message).not.toContain("308T");
    }
    expect(await auditText()).toBe(before);
  });

  it("refuses a cohort description with an identity code", async () => {
    await refusal(() =>
      validateCohort(ctx(riku), {
        name: "one-person",
        description: `Only ${HETU_EN_DASH}`,
        entry: { events: { table: "clinical.diagnosis" } },
      }),
    );
    const saved = await store.db.selectFrom("cohort_definitions").select("name").execute();
    expect(saved.map((s) => s.name)).not.toContain("one-person");
  });
});
