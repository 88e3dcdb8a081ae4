import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "../src/auth/roles.js";
import { addUser } from "../src/auth/users.js";
import { validateCohort } from "../src/cohort/cohort-service.js";
import type { Home } from "../src/home/home.js";
import { initHome } from "../src/home/home.js";
import { Vault } from "../src/identity/vault.js";
import { ingest } from "../src/ingest/ingest-service.js";
import * as permits from "../src/permits/permit-service.js";
import {
  activatePermit,
  approvePermit,
  type Ctx,
  closePermit,
  draftPermit,
  expirePermits,
  getPermit,
  registerPermit,
  reviewPermit,
  showPermit,
  submitPermit,
} from "../src/permits/permit-service.js";
import { createRelease, listReleases } from "../src/release/release-service.js";
import { ForbiddenError, ValidationError } from "../src/shared/errors.js";
import { type ControlStore, openControlStore } from "../src/store/control-store.js";
import { DEFAULT_SYNTH_OPTIONS, runSynth } from "../src/synth/synth.js";
import { DIALECTS, tempDir, tempPostgresDatabase } from "./support/stores.js";

/**
 * Issue 15, part 2: one test per finding (a) to (i) of the separation-of-duties review. The
 * crash findings (h and the kill -9 runs) are in permit-crash.test.ts.
 */
const riku: Actor = { name: "riku", role: "researcher" };
const ville: Actor = { name: "ville", role: "researcher" };
const reija: Actor = { name: "reija", role: "reviewer" };
const stina: Actor = { name: "stina", role: "steward" };
const sami: Actor = { name: "sami", role: "steward" };

const tmp = tempDir("kaivo-policy-");
afterAll(() => tmp.remove());
let home: Home;
let store: ControlStore;
let cohortHash = "";
const ctx = (actor: Actor): Ctx => ({ home, store, actor });

const SCOPE = () => ({
  cohort: { name: "t2d-any", hash: cohortHash },
  tables: {
    "clinical.person": ["sex", "birth_date"],
    "clinical.diagnosis": ["event_date", "code"],
  },
  period: { from: "1990-01-01", to: "2025-12-31" },
  formats: ["parquet"],
});
const inAYear = () => new Date(Date.now() + 365 * 86_400_000).toISOString().slice(0, 10);
const application = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  title: "Diabetes follow-up study",
  organisation: "University of Helsinki",
  legalBasis: "Secondary Use Act 552/2019, scientific research",
  purpose: "How glycaemic control develops after diagnosis.",
  validUntil: inAYear(),
  scope: SCOPE(),
  ...extra,
});

async function approvedPermit(id: string, extra: Record<string, unknown> = {}) {
  await draftPermit(ctx(riku), application(id, extra));
  await submitPermit(ctx(riku), id, "ready");
  await reviewPermit(ctx(reija), id, "taking it");
  return approvePermit(ctx(reija), id, "fine");
}
async function activePermit(id: string, extra: Record<string, unknown> = {}) {
  await approvedPermit(id, extra);
  return activatePermit(ctx(stina), id, "go");
}

function keyOf(id: string) {
  const vault = Vault.open(home);
  try {
    return vault.permitKey(id);
  } finally {
    vault.close();
  }
}

async function auditOf(target: string) {
  return store.db
    .selectFrom("audit_log")
    .selectAll()
    .where("target", "=", target)
    .orderBy("seq")
    .execute();
}

const denials = async (id: string, actor: string) =>
  (await auditOf(`permit:${id}`)).filter((e) => e.action === "access.denied" && e.actor === actor);

const failure = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error("expected a refusal");
    },
    (e: unknown) => e as Error,
  );

let dropDatabase: (() => Promise<void>) | undefined;
const data = join(tmp.dir, "synth");
beforeAll(async () => {
  await runSynth({ ...DEFAULT_SYNTH_OPTIONS, patients: 400, seed: 5, out: data });
}, 300_000);

/** A fresh home (and control store on the dialect) with the synthetic data, users and a cohort. */
async function deployment(dialect: (typeof DIALECTS)[number]) {
  const database = dialect === "postgres" ? await tempPostgresDatabase() : undefined;
  dropDatabase = database?.drop;
  home = initHome(join(tmp.dir, `home-${dialect}`), {
    ...(database ? { KAIVO_DATABASE_URL: database.url } : {}),
  }).home;
  store = await openControlStore(home);
  const system: Actor = { name: "system", role: "admin" };
  for (const a of [riku, ville, reija, stina, sami])
    await addUser(store, system, { name: a.name, role: a.role });
  await ingest(ctx(stina), data);
  const v = await validateCohort(ctx(riku), {
    name: "t2d-any",
    codeSets: { t2d: { system: "icd10", codes: ["E11*"] } },
    entry: { events: { table: "clinical.diagnosis", codeSet: "t2d" } },
  });
  cohortHash = v.hash;
}

describe.each(DIALECTS)("separation of duties (issue 15) on %s", (dialect) => {
  beforeAll(() => deployment(dialect), 300_000);
  afterAll(async () => {
    await store?.close();
    await dropDatabase?.();
  });

  it("(a) refuses a release by a steward named on the permit's team, and audits it", async () => {
    await activePermit("P-TEAM", { team: ["sami"] });
    const error = await failure(createRelease(ctx(sami), "P-TEAM"));
    expect(error).toBeInstanceOf(ForbiddenError);
    expect(error.message).toMatch(/separation of duties/);
    expect(await listReleases(ctx(stina), "P-TEAM")).toEqual([]);
    expect(await denials("P-TEAM", "sami")).toHaveLength(1);
  }, 60_000);

  it("(b) needs a second steward, not on an external permit, to confirm it before activation", async () => {
    // stina registers a Findata permit naming herself as PI and team.
    const own = await registerPermit(
      ctx(stina),
      application("FINDATA/2026/5", { principalInvestigator: "stina", team: ["stina"] }),
      "Findata decision 2026-10-01",
    );
    expect(own.status).toBe("registered");
    expect(keyOf(own.id)).toEqual({ missing: "never created" });
    await expect(activatePermit(ctx(stina), own.id, "go")).rejects.toBeInstanceOf(ForbiddenError);
    await expect(createRelease(ctx(stina), own.id)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(permits.confirmPermit(ctx(stina), own.id, "mine")).rejects.toBeInstanceOf(
      ForbiddenError,
    );
    // Unconfirmed, not even another steward activates it.
    await expect(activatePermit(ctx(sami), own.id, "go")).rejects.toThrow(/registered/);
    await permits.confirmPermit(ctx(sami), own.id, "checked against the Findata decision");
    await activatePermit(ctx(sami), own.id, "go");
    await expect(createRelease(ctx(stina), own.id)).rejects.toThrow(/separation of duties/);
    expect((await denials(own.id, "stina")).length).toBeGreaterThanOrEqual(3);

    // A registrant not named on it still cannot confirm their own registration.
    const other = await registerPermit(
      ctx(stina),
      application("FINDATA/2026/6", { principalInvestigator: "ville" }),
      "Findata decision 2026-10-02",
    );
    await expect(permits.confirmPermit(ctx(stina), other.id, "me again")).rejects.toThrow(
      /second steward/,
    );
  }, 60_000);

  it("(c) checks the reason and the duties of a close before the key is destroyed", async () => {
    await activePermit("P-CLOSE", { team: ["sami"] });
    await expect(closePermit(ctx(stina), "P-CLOSE", "  ")).rejects.toBeInstanceOf(ValidationError);
    expect("key" in keyOf("P-CLOSE")).toBe(true);
    await expect(closePermit(ctx(sami), "P-CLOSE", "done")).rejects.toBeInstanceOf(ForbiddenError);
    expect("key" in keyOf("P-CLOSE")).toBe(true);
    expect((await getPermit(store, "P-CLOSE")).status).toBe("active");
    expect(await denials("P-CLOSE", "sami")).toHaveLength(1);
    await closePermit(ctx(stina), "P-CLOSE", "study ended");
    expect(keyOf("P-CLOSE")).toEqual({ missing: "destroyed" });
    expect((await getPermit(store, "P-CLOSE")).status).toBe("closed");
  }, 60_000);

  it("(d) audits a refused activation and makes no key for it", async () => {
    await approvedPermit("P-ACT", { team: ["sami"] });
    await expect(activatePermit(ctx(sami), "P-ACT", "go")).rejects.toBeInstanceOf(ForbiddenError);
    expect(keyOf("P-ACT")).toEqual({ missing: "never created" });
    const [denial] = await denials("P-ACT", "sami");
    expect(JSON.parse(denial?.details ?? "{}")).toMatchObject({
      action: "permit.activate",
      reason: "named-on-permit",
    });
  }, 60_000);

  it("(e) gives one error for a missing permit and one the actor may not see, and a refused submit names no one", async () => {
    await draftPermit(ctx(riku), application("P-HIDDEN"));
    const calls: Array<(id: string) => Promise<unknown>> = [
      (id) => submitPermit(ctx(ville), id, "mine now"),
      (id) => showPermit(ctx(ville), id),
      (id) => approvePermit(ctx(ville), id, "yes"),
      (id) => closePermit(ctx(ville), id, "no"),
      (id) => createRelease(ctx(ville), id),
    ];
    for (const call of calls) {
      const hidden = await failure(call("P-HIDDEN"));
      const missing = await failure(call("P-NOPE1"));
      expect(hidden.constructor).toBe(missing.constructor);
      expect(hidden.message.replace("P-HIDDEN", "ID")).toBe(
        missing.message.replace("P-NOPE1", "ID"),
      );
    }
    // Named on it (team), ville sees the permit, and is told no one's name.
    await draftPermit(ctx(riku), application("P-TEAMMATE", { team: ["ville"] }));
    const refused = await failure(submitPermit(ctx(ville), "P-TEAMMATE", "mine"));
    expect(refused).toBeInstanceOf(ForbiddenError);
    expect(`${refused.message} ${(refused as ForbiddenError).hint ?? ""}`).not.toMatch(/riku/);
    expect(await denials("P-TEAMMATE", "ville")).toHaveLength(1);
  }, 60_000);

  it("(f) lets a narrowed scope only narrow: the same cohort, a period from before to", async () => {
    await draftPermit(ctx(riku), application("P-NARROW"));
    await submitPermit(ctx(riku), "P-NARROW", "ready");
    await reviewPermit(ctx(reija), "P-NARROW", "taking it");
    await expect(
      approvePermit(ctx(reija), "P-NARROW", "renamed", {
        ...SCOPE(),
        cohort: { name: "something-else", hash: cohortHash },
      }),
    ).rejects.toThrow(/cohort/);
    await expect(
      approvePermit(ctx(reija), "P-NARROW", "backwards", {
        ...SCOPE(),
        period: { from: "2020-01-01", to: "2010-01-01" },
      }),
    ).rejects.toThrow(/period/);
    expect((await getPermit(store, "P-NARROW")).status).toBe("in_review");
  }, 60_000);

  it("(g) gives distinct permit ids distinct release folders, and leaves external numbers to stewards", async () => {
    // A researcher cannot take an id shaped like an external number.
    await expect(draftPermit(ctx(riku), application("FINDATA_2026_77"))).rejects.toThrow(
      /letters, digits and hyphens/,
    );
    const external = async (id: string) => {
      await registerPermit(
        ctx(stina),
        application(id, { principalInvestigator: "ville" }),
        "Findata decision",
      );
      await permits.confirmPermit(ctx(sami), id, "checked");
      await activatePermit(ctx(stina), id, "go");
      return createRelease(ctx(stina), id);
    };
    const lookalike = await external("FINDATA_2026_77");
    const real = await external("FINDATA/2026/77");
    expect(real.path).not.toBe(lookalike.path);
    expect(existsSync(lookalike.path) && existsSync(real.path)).toBe(true);
    expect(lookalike.path).toMatch(/\/FINDATA%5F2026%5F77-r1$/);
    expect(real.path).toMatch(/\/FINDATA%2F2026%2F77-r1$/);
    // A permit id of letters, digits and hyphens is its own folder name (the README names one).
    const plain = await activePermit("KAIVO-PLAIN-0001");
    expect((await createRelease(ctx(stina), plain.id)).path).toMatch(/\/KAIVO-PLAIN-0001-r1$/);
    // Ids differing only in case would share a folder on a case-insensitive disk.
    await expect(draftPermit(ctx(riku), application("kaivo-plain-0001"))).rejects.toThrow(
      /exists already/,
    );
  }, 120_000);

  it("(i) deletes a closed or expired permit's release files and audits the deletion", async () => {
    await activePermit("P-DEL");
    const r = await createRelease(ctx(stina), "P-DEL");
    await closePermit(ctx(stina), "P-DEL", "study ended");
    expect(existsSync(r.path)).toBe(false);
    const [row] = await listReleases(ctx(stina), "P-DEL");
    expect(row?.status).toBe("deleted");
    const deleted = (await auditOf("permit:P-DEL")).find((e) => e.action === "release.deleted");
    expect(JSON.parse(deleted?.details ?? "{}")).toMatchObject({
      releases: 1,
      paths: ["releases/P-DEL-r1"],
    });

    await activePermit("P-EXP");
    const e = await createRelease(ctx(stina), "P-EXP");
    await store.db
      .updateTable("permits")
      .set({ valid_until: "2020-01-01" })
      .where("id", "=", "P-EXP")
      .execute();
    const expired = await expirePermits(ctx(stina));
    expect(expired.find((x) => x.id === "P-EXP")).toMatchObject({ releasesDeleted: 1 });
    expect(existsSync(e.path)).toBe(false);
    expect((await listReleases(ctx(stina), "P-EXP"))[0]?.status).toBe("deleted");
    expect(
      (await auditOf("permit:P-EXP")).filter((x) => x.action === "release.deleted"),
    ).toHaveLength(1);
    expect(readdirSync(join(home.dir, "releases")).filter((d) => d.startsWith("P-EXP"))).toEqual(
      [],
    );
  }, 120_000);
});
