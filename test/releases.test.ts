import { createHmac } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "../src/auth/roles.js";
import { addUser } from "../src/auth/users.js";
import { showCatalog } from "../src/catalog/catalog-service.js";
import { validateCohort } from "../src/cohort/cohort-service.js";
import { feasibility } from "../src/feasibility/feasibility-service.js";
import { type Home, homeKey, initHome } from "../src/home/home.js";
import { HETU_SYSTEM } from "../src/identity/hetu.js";
import { lakePseudoId } from "../src/identity/pseudonym.js";
import { Vault } from "../src/identity/vault.js";
import { ingest } from "../src/ingest/ingest-service.js";
import { Lake } from "../src/lake/lake.js";
import { addOptout, transparencyReport } from "../src/permits/optout-service.js";
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
  submitPermit,
} from "../src/permits/permit-service.js";
import { createRelease, ReleaseBlockedError } from "../src/release/release-service.js";
import { ConflictError, ForbiddenError, ValidationError } from "../src/shared/errors.js";
import { type ControlStore, openControlStore } from "../src/store/control-store.js";
import { DEFAULT_SYNTH_OPTIONS, runSynth } from "../src/synth/synth.js";
import { lakeRows } from "./support/lake-rows.js";
import { tempDir } from "./support/stores.js";

const riku: Actor = { name: "riku", role: "researcher" };
const ville: Actor = { name: "ville", role: "researcher" };
const reija: Actor = { name: "reija", role: "reviewer" };
const rolf: Actor = { name: "rolf", role: "reviewer" };
const stina: Actor = { name: "stina", role: "steward" };

const tmp = tempDir("kaivo-release-");
afterAll(() => tmp.remove());
const data = join(tmp.dir, "synth");
let home: Home;
let store: ControlStore;
let cohortHash = "";
const ctx = (actor: Actor): Ctx => ({ home, store, actor });

const SCOPE = () => ({
  cohort: { name: "t2d-any", hash: cohortHash },
  tables: {
    "clinical.person": ["sex", "birth_date", "deceased_at", "municipality"],
    "clinical.diagnosis": ["event_date", "code", "encounter_id"],
    "clinical.lab": ["event_date", "local_code", "value", "unit"],
    "clinical.visit": ["event_date", "class", "specialty", "start", "end"],
    "clinical.note": ["event_date", "type", "text"],
  },
  period: { from: "1990-01-01", to: "2025-12-31" },
  formats: ["parquet"],
  rules: {
    birthDate: "year",
    dateShiftDays: 10,
    notes: true,
    postalCodeDigits: 3,
    outputThreshold: 5,
  },
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

/** An active permit, through the whole lifecycle, each step by an allowed person. */
async function activePermit(id: string, extra: Record<string, unknown> = {}) {
  await draftPermit(ctx(riku), application(id, extra));
  await submitPermit(ctx(riku), id, "ready");
  await reviewPermit(ctx(reija), id, "taking it");
  await approvePermit(ctx(reija), id, "fine");
  return activatePermit(ctx(stina), id, "go");
}

const sums = (path: string) =>
  Object.fromEntries(
    readFileSync(join(path, "SHA256SUMS"), "utf8")
      .trim()
      .split("\n")
      .map((l) => l.split("  ").reverse()),
  ) as Record<string, string>;

async function readParquet(
  path: string,
  sql = "select * from t",
): Promise<Array<Record<string, unknown>>> {
  // A released file is read as a recipient would: by a DuckDB of its own, not the lake's.
  const db = await DuckDBInstance.create(":memory:");
  const connection = await db.connect();
  try {
    const text = sql.replace(/\bt\b/, `read_parquet('${path}')`);
    return (await connection.runAndReadAll(text)).getRowObjectsJson();
  } finally {
    connection.closeSync();
    db.closeSync();
  }
}

/** What a permit's key makes of lake IDs: person ID, row ID and date shift (in -days..days). */
function permitMapping(permitId: string, days: number) {
  const vault = Vault.open(home);
  try {
    const found = vault.permitKey(permitId);
    if (!("key" in found)) throw new Error(`no key for ${permitId}`);
    const bytes = Buffer.from(found.key.bytes());
    const mac = (x: string) => createHmac("sha256", bytes).update(x).digest();
    return {
      personId: (pseudoId: string) => mac(pseudoId).toString("hex").slice(0, 20),
      rowId: (recordKey: string) => mac(`row|${recordKey}`).toString("hex").slice(0, 20),
      shift: (pseudoId: string) =>
        (mac(`shift|${pseudoId}`).readUInt32BE(0) % (2 * days + 1)) - days,
    };
  } finally {
    vault.close();
  }
}

/** Finnish numeric dates (`d.m.yyyy`) in a text, in order, as day numbers since 1970. */
function finnishDates(text: string): number[] {
  return [...text.matchAll(/(?<![\d.])(\d{1,2})\.(\d{1,2})\.(\d{4})(?!\d)/g)].map(
    (m) => Date.UTC(Number(m[3]), Number(m[2]) - 1, Number(m[1])) / 86_400_000,
  );
}

/** Identity codes of the synthetic people, with their lake pseudo-IDs. */
function syntheticPeople(): Array<{ hetu: string; pseudoId: string; names: string[] }> {
  const lakeKey = homeKey(home, "lake");
  const dir = join(data, "fhir");
  const out = [];
  for (const f of readdirSync(dir).filter((f) => f.startsWith("Patient"))) {
    for (const line of readFileSync(join(dir, f), "utf8").split("\n").filter(Boolean)) {
      const p = JSON.parse(line) as {
        identifier?: Array<{ system: string; value: string }>;
        name?: Array<{ family?: string; given?: string[] }>;
      };
      const hetu = p.identifier?.find((i) => i.system === HETU_SYSTEM)?.value;
      if (!hetu) continue;
      out.push({
        hetu,
        pseudoId: lakePseudoId(lakeKey, HETU_SYSTEM, hetu),
        names: (p.name ?? [])
          .flatMap((n) => [n.family ?? "", ...(n.given ?? [])])
          .filter((n) => n.length > 3),
      });
    }
  }
  return out;
}

beforeAll(async () => {
  await runSynth({ ...DEFAULT_SYNTH_OPTIONS, patients: 1500, seed: 3, out: data });
  home = initHome(join(tmp.dir, "home"), {}).home;
  store = await openControlStore(home);
  const system: Actor = { name: "system", role: "admin" };
  for (const a of [riku, ville, reija, rolf, stina])
    await addUser(store, system, { name: a.name, role: a.role });
  await ingest(ctx(stina), data);
  const v = await validateCohort(ctx(riku), {
    name: "t2d-any",
    codeSets: { t2d: { system: "icd10", codes: ["E11*"] } },
    entry: { events: { table: "clinical.diagnosis", codeSet: "t2d" } },
  });
  cohortHash = v.hash;
}, 180_000);
afterAll(async () => {
  await store?.close();
});

describe("permits", () => {
  it("moves through its lifecycle only by allowed people, and audits every step", async () => {
    await draftPermit(ctx(riku), application("P-LIFE", { team: ["rolf"] }));
    await expect(draftPermit(ctx(reija), application("P-X"))).rejects.toBeInstanceOf(
      ForbiddenError,
    );
    // ville is not named on it: to him it does not exist.
    await expect(submitPermit(ctx(ville), "P-LIFE", "not mine")).rejects.toThrow(
      /^No permit P-LIFE\.$/,
    );
    await expect(reviewPermit(ctx(reija), "P-LIFE", "too early")).rejects.toBeInstanceOf(
      ConflictError,
    );
    await submitPermit(ctx(riku), "P-LIFE", "ready");
    await expect(reviewPermit(ctx(riku), "P-LIFE", "my own")).rejects.toBeInstanceOf(
      ForbiddenError,
    );
    await expect(reviewPermit(ctx(rolf), "P-LIFE", "I am on the team")).rejects.toThrow(
      /separation of duties/,
    );
    await reviewPermit(ctx(reija), "P-LIFE", "taking it");
    const wider = { ...SCOPE(), tables: { ...SCOPE().tables, "clinical.procedure": ["code"] } };
    await expect(approvePermit(ctx(reija), "P-LIFE", "more", wider)).rejects.toThrow(
      /clinical\.procedure: not applied for/,
    );
    const narrower = {
      ...SCOPE(),
      tables: { "clinical.person": ["sex"], "clinical.diagnosis": ["event_date", "code"] },
    };
    const approved = await approvePermit(ctx(reija), "P-LIFE", "only what is needed", narrower);
    expect(approved.scope.tables).toEqual(narrower.tables);
    expect(approved.requestedScope.tables).toEqual(SCOPE().tables);
    await expect(activatePermit(ctx(reija), "P-LIFE", "me")).rejects.toBeInstanceOf(ForbiddenError);
    await activatePermit(ctx(stina), "P-LIFE", "go");
    await closePermit(ctx(stina), "P-LIFE", "study ended");
    const entries = await store.db
      .selectFrom("audit_log")
      .selectAll()
      .where("target", "=", "permit:P-LIFE")
      .where("action", "!=", "access.denied")
      .orderBy("seq")
      .execute();
    expect(entries.map((e) => e.action)).toEqual([
      "permit.draft",
      "permit.submit",
      "permit.review",
      "permit.approve",
      "permit.activate",
      "permit.close",
      "permit.closed",
    ]);
    expect(entries.map((e) => e.actor)).toEqual([
      "riku",
      "riku",
      "reija",
      "reija",
      "stina",
      "stina",
      "stina",
    ]);
    // Every refusal is on the log too: ville (not on it), riku (role), rolf (team), reija (role).
    const denied = await store.db
      .selectFrom("audit_log")
      .select("actor")
      .where("target", "=", "permit:P-LIFE")
      .where("action", "=", "access.denied")
      .orderBy("seq")
      .execute();
    expect(denied.map((d) => d.actor)).toEqual(["ville", "riku", "rolf", "reija"]);
    const events = await store.db
      .selectFrom("permit_events")
      .selectAll()
      .where("permit_id", "=", "P-LIFE")
      .execute();
    expect(events.map((e) => e.reason)).toContain("only what is needed");
  });

  it("registers a Findata permit under its number, to be confirmed by a second steward", async () => {
    const p = await registerPermit(
      ctx(stina),
      application("FINDATA/2026/123", { principalInvestigator: "ville" }),
      "Findata decision 2026-10-01",
    );
    expect(p).toMatchObject({
      status: "registered",
      external: true,
      principalInvestigator: "ville",
    });
    await expect(
      registerPermit(
        ctx(riku),
        application("FINDATA/2026/124", { principalInvestigator: "ville" }),
        "x",
      ),
    ).rejects.toBeInstanceOf(ForbiddenError);
  });
});

describe("releases", () => {
  it("gives a person one ID per permit: the same in two releases, different in another permit", async () => {
    await activePermit("P-A");
    await activePermit("P-B");
    const a1 = await createRelease(ctx(stina), "P-A");
    const a2 = await createRelease(ctx(stina), "P-A");
    const b1 = await createRelease(ctx(stina), "P-B");
    const ids = async (path: string) =>
      new Set(
        (
          await readParquet(join(path, "data/clinical.person.parquet"), "select person_id from t")
        ).map((r) => String(r.person_id)),
      );
    const [ia1, ia2, ib1] = [await ids(a1.path), await ids(a2.path), await ids(b1.path)];
    expect(ia1.size).toBeGreaterThan(30);
    expect([...ia1].sort()).toEqual([...ia2].sort());
    expect(ib1.size).toBe(ia1.size);
    expect([...ia1].filter((id) => ib1.has(id))).toEqual([]);
    // And the IDs are HMAC-SHA256 of the lake pseudo-ID under the permit's own key.
    const vault = Vault.open(home);
    try {
      const key = vault.permitKey("P-A");
      if (!("key" in key)) throw new Error("no key");
      const members = await store.db
        .selectFrom("release_members")
        .select("pseudo_id")
        .where("release_id", "=", a1.id)
        .execute();
      const expected = new Set(
        members.map((m) =>
          createHmac("sha256", key.key.bytes()).update(m.pseudo_id).digest("hex").slice(0, 20),
        ),
      );
      expect([...expected].sort()).toEqual([...ia1].sort());
    } finally {
      vault.close();
    }
    // Rows link within a release: a diagnosis' visit is a visit row of the same person.
    const linked = await readParquet(
      join(a1.path, "data/clinical.diagnosis.parquet"),
      `select count(*) n, count(v.row_id) hit from t d left join read_parquet('${join(a1.path, "data/clinical.visit.parquet")}') v on v.row_id = d.encounter_id and v.person_id = d.person_id where d.encounter_id is not null`,
    );
    expect(Number(linked[0]?.hit)).toBe(Number(linked[0]?.n));
  });

  it("never releases free text when the permit does not allow notes", async () => {
    await draftPermit(ctx(riku), application("P-NOTES"));
    await submitPermit(ctx(riku), "P-NOTES", "ready");
    await reviewPermit(ctx(reija), "P-NOTES", "taking it");
    const noNotes = { ...SCOPE(), rules: { ...SCOPE().rules, notes: false } };
    // A narrowed scope is held to the rules an application is.
    await expect(approvePermit(ctx(reija), "P-NOTES", "no free text", noNotes)).rejects.toThrow(
      /free text needs rules\.notes = true/,
    );
    await approvePermit(ctx(reija), "P-NOTES", "as applied");
    await activatePermit(ctx(stina), "P-NOTES", "go");
    // The release checks again, for a permit granted before that rule.
    await store.db
      .updateTable("permits")
      .set({ scope: JSON.stringify(noNotes) })
      .where("id", "=", "P-NOTES")
      .execute();
    await expect(createRelease(ctx(stina), "P-NOTES")).rejects.toThrow(
      /clinical\.note\.text is free text and the permit does not allow notes/,
    );
    await expect(
      draftPermit(ctx(riku), application("P-NOTES-2", { scope: noNotes })),
    ).rejects.toThrow(/free text needs rules\.notes = true/);
  });

  it("writes only the formats the permit asks for", async () => {
    await activePermit("P-CSV", { scope: { ...SCOPE(), formats: ["csv"] } });
    const r = await createRelease(ctx(stina), "P-CSV");
    const files = readdirSync(join(r.path, "data"));
    expect(files.every((f) => f.endsWith(".csv"))).toBe(true);
    expect(files).toHaveLength(5);
    expect(Object.keys(sums(r.path)).filter((f) => f.startsWith("data/"))).toHaveLength(5);
  });

  it("writes byte-identical data files for the same permit and snapshot", async () => {
    const first = await createRelease(ctx(stina), "P-A", { snapshot: 1 });
    const again = await createRelease(ctx(stina), "P-A", { snapshot: 1 });
    const data1 = Object.entries(sums(first.path)).filter(([f]) => f.startsWith("data/"));
    const data2 = Object.entries(sums(again.path)).filter(([f]) => f.startsWith("data/"));
    expect(data1.length).toBe(5);
    expect(data2).toEqual(data1);
    for (const f of ["datapackage.json", "codebook.md", "README.md", "release.json", "SHA256SUMS"])
      expect(existsSync(join(first.path, f)), f).toBe(true);
    const pkg = JSON.parse(readFileSync(join(first.path, "datapackage.json"), "utf8"));
    const lab = pkg.resources.find((r: { path: string }) => r.path === "data/clinical.lab.parquet");
    expect(lab.schema.fields.find((f: { name: string }) => f.name === "local_code")).toMatchObject({
      type: "string",
      codeSystem: "lab",
    });
  });

  it("refuses variables and periods outside the scope, and inactive or expired permits", async () => {
    await expect(
      createRelease(ctx(stina), "P-A", { request: { tables: { "clinical.lab": ["value_text"] } } }),
    ).rejects.toThrow(/clinical\.lab\.value_text is outside permit P-A's scope/);
    await expect(
      createRelease(ctx(stina), "P-A", { request: { tables: { "clinical.procedure": ["code"] } } }),
    ).rejects.toThrow(/clinical\.procedure is outside permit P-A's scope/);
    await expect(
      createRelease(ctx(stina), "P-A", {
        request: { period: { from: "1980-01-01", to: "2000-01-01" } },
      }),
    ).rejects.toBeInstanceOf(ValidationError);
    await draftPermit(ctx(riku), application("P-DRAFT"));
    await expect(createRelease(ctx(stina), "P-DRAFT")).rejects.toThrow(
      /P-DRAFT is draft: only an active permit/,
    );
    await expect(createRelease(ctx(riku), "P-A")).rejects.toBeInstanceOf(ForbiddenError);

    await activePermit("P-OLD");
    const old = await createRelease(ctx(stina), "P-OLD");
    await store.db
      .updateTable("permits")
      .set({ valid_until: "2020-01-01" })
      .where("id", "=", "P-OLD")
      .execute();
    await expect(createRelease(ctx(stina), "P-OLD")).rejects.toThrow(/valid until 2020-01-01/);
    const expired = await expirePermits(ctx(stina));
    expect(expired).toContainEqual({ id: "P-OLD", validUntil: "2020-01-01", releasesDeleted: 1 });
    expect((await getPermit(store, "P-OLD")).status).toBe("expired");
    const release = await store.db
      .selectFrom("releases")
      .selectAll()
      .where("id", "=", old.id)
      .executeTakeFirst();
    expect(release?.status).toBe("deleted");
  });

  it("makes re-pseudonymizing impossible once the key is destroyed, and refuses a refresh", async () => {
    await activePermit("P-SHRED");
    await createRelease(ctx(stina), "P-SHRED");
    await closePermit(ctx(stina), "P-SHRED", "done");
    const vault = Vault.open(home);
    try {
      expect(vault.permitKey("P-SHRED")).toEqual({ missing: "destroyed" });
      expect(() => vault.createPermitKey("P-SHRED")).toThrow(/destroyed/);
    } finally {
      vault.close();
    }
    await store.db
      .updateTable("permits")
      .set({ status: "active" })
      .where("id", "=", "P-SHRED")
      .execute();
    await expect(createRelease(ctx(stina), "P-SHRED")).rejects.toThrow(
      /no key \(destroyed\).*no release or refresh is possible/,
    );
    await store.db
      .updateTable("permits")
      .set({ status: "closed" })
      .where("id", "=", "P-SHRED")
      .execute();
  });

  it("leaves opted-out people out of releases and researcher-facing counts, and tells a data subject where they were", async () => {
    await activePermit("P-OPT");
    const before = await createRelease(ctx(stina), "P-OPT");
    const members = new Set(
      (
        await store.db
          .selectFrom("release_members")
          .select("pseudo_id")
          .where("release_id", "=", before.id)
          .execute()
      ).map((m) => m.pseudo_id),
    );
    const person = syntheticPeople().find((p) => members.has(p.pseudoId));
    if (!person) throw new Error("no cohort member among the synthetic people");
    const seen = await transparencyReport(ctx(stina), person.hetu);
    expect(seen.releases.map((r) => r.release)).toContain(before.id);
    expect(
      seen.releases.every((r) => r.purpose === "How glycaemic control develops after diagnosis."),
    ).toBe(true);
    const cohort = {
      name: "t2d-any",
      codeSets: { t2d: { system: "icd10", codes: ["E11*"] } },
      entry: { events: { table: "clinical.diagnosis", codeSet: "t2d" } },
    };
    const unlimited = {
      ...home,
      config: { ...home.config, feasibility: { perMinute: 1000, perDay: 1000 } },
    };
    const countBefore = await feasibility({ home: unlimited, store, actor: stina }, cohort);

    const personsShown = async () => {
      const entry = await showCatalog(ctx(stina), "clinical.person");
      return entry.level === "table" ? entry.profile?.persons : undefined;
    };
    const profiledBefore = await personsShown();

    await addOptout(ctx(stina), person.hetu);
    // The catalog's figures are made again without the person; earlier snapshots are for stewards.
    expect(await personsShown()).toBe(Number(profiledBefore) - 1);
    await expect(showCatalog(ctx(riku), "clinical.person", 1)).rejects.toThrow(
      /earlier snapshots are shown to stewards only/,
    );
    const after = await createRelease(ctx(stina), "P-OPT");
    expect(after.persons).toBe(before.persons - 1);
    const afterMembers = await store.db
      .selectFrom("release_members")
      .select("pseudo_id")
      .where("release_id", "=", after.id)
      .execute();
    expect(afterMembers.some((m) => m.pseudo_id === person.pseudoId)).toBe(false);
    const countAfter = await feasibility({ home: unlimited, store, actor: stina }, cohort);
    expect(countAfter.persons).toBe(Number(countBefore.persons) - 1);
    const report = await transparencyReport(ctx(stina), person.hetu);
    expect(report.optedOut).toBe(true);
    expect(report.releases.map((r) => r.release)).not.toContain(after.id);
    // The audit trail holds neither the identity code nor anything derived from it in clear.
    const log = await store.db.selectFrom("audit_log").select(["target", "details"]).execute();
    expect(JSON.stringify(log)).not.toContain(person.hetu);
    await expect(addOptout(ctx(stina), "131052-308X")).rejects.toThrow(
      /not a valid personal identity code/,
    );
  });

  it("stops a release with an identifier planted in a note, publishing nothing", async () => {
    await activePermit("P-LEAK");
    const clean = await createRelease(ctx(stina), "P-LEAK");
    // Plant the number in a note the clean release did carry: a member of that release (an
    // earlier test opted someone out), a note inside the permit's period.
    const members = (
      await store.db
        .selectFrom("release_members")
        .select("pseudo_id")
        .where("release_id", "=", clean.id)
        .execute()
    ).map((m) => `'${m.pseudo_id}'`);
    const lake = await Lake.open(home);
    try {
      const [member] = await lakeRows(
        lake,
        `select pseudo_id from clinical.note where load_to is null and event_date between date '1990-01-01' and date '2025-12-31' and pseudo_id in (${members.join(",")}) order by pseudo_id limit 1`,
      );
      expect(member?.pseudo_id).toBeTruthy();
      await lake.connection.run(
        `update clinical.note set text = text || ' Soita puh. 040 123 4567.' where load_to is null and pseudo_id = '${member?.pseudo_id}'`,
      );
    } finally {
      lake.close();
    }
    const error = await createRelease(ctx(stina), "P-LEAK").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReleaseBlockedError);
    expect(String((error as Error).message)).toMatch(
      /phone number.* in data\/clinical\.note\.parquet text\. Nothing was published/,
    );
    expect(String((error as Error).message)).not.toMatch(/123 4567/);
    const published = await store.db
      .selectFrom("releases")
      .select("id")
      .where("permit_id", "=", "P-LEAK")
      .execute();
    expect(published.map((r) => r.id)).toEqual([clean.id]);
    const base = join(home.dir, "releases");
    expect(readdirSync(base).filter((d) => d.startsWith("P-LEAK"))).toEqual(["P-LEAK-r1"]);
    expect(readdirSync(base).filter((d) => d.startsWith(".staging"))).toEqual([]);
    const blocked = await store.db
      .selectFrom("audit_log")
      .selectAll()
      .where("action", "=", "release.blocked")
      .executeTakeFirst();
    expect(blocked?.target).toBe("permit:P-LEAK");
    // A CSV-only permit is scanned all the same.
    await activePermit("P-LEAK-CSV", { scope: { ...SCOPE(), formats: ["csv"] } });
    await expect(createRelease(ctx(stina), "P-LEAK-CSV")).rejects.toBeInstanceOf(
      ReleaseBlockedError,
    );
    const restore = await Lake.open(home);
    try {
      await restore.connection.run(
        "update clinical.note set text = replace(text, ' Soita puh. 040 123 4567.', '')",
      );
    } finally {
      restore.close();
    }
  });

  it("holds no identity code, patient name, phone or e-mail in any released file", async () => {
    await activePermit("P-SCAN");
    const release = await createRelease(ctx(stina), "P-SCAN");
    const people = syntheticPeople();
    const names = new Set(people.flatMap((p) => p.names.map((n) => n.toLowerCase())));
    const hetus = people.map((p) => p.hetu);
    for (const file of readdirSync(join(release.path, "data"))) {
      const rows = await readParquet(join(release.path, "data", file));
      const text = JSON.stringify(rows);
      for (const h of hetus) expect(text.includes(h), `${file} holds an identity code`).toBe(false);
      // The permit's pseudonyms are 20 hex digits; letters split out of them are not names.
      const words = new Set(
        text
          .replace(/[0-9a-f]{20}/g, " ")
          .toLowerCase()
          .split(/[^a-zåäöé-]+/),
      );
      expect(
        [...names].filter((n) => words.has(n)),
        file,
      ).toEqual([]);
      expect(text).not.toMatch(/[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+\.[A-Za-z]{2,}/);
    }
  });

  it("moves every date in released notes by the person's date shift", async () => {
    await activePermit("P-NOTEDATES");
    const release = await createRelease(ctx(stina), "P-NOTEDATES");
    const map = permitMapping("P-NOTEDATES", SCOPE().rules.dateShiftDays);
    const lake = await Lake.open(home, { readOnly: true });
    const original = new Map<string, { text: string; shift: number }>();
    try {
      for (const r of await lakeRows(
        lake,
        "select pseudo_id, record_key, text from clinical.note where load_to is null",
      ))
        original.set(map.rowId(String(r.record_key)), {
          text: String(r.text),
          shift: map.shift(String(r.pseudo_id)),
        });
    } finally {
      lake.close();
    }
    const released = await readParquet(
      join(release.path, "data/clinical.note.parquet"),
      "select row_id, text from t",
    );
    expect(released.length).toBeGreaterThan(100);
    let dated = 0;
    let moved = 0;
    for (const r of released) {
      const source = original.get(String(r.row_id));
      if (!source) throw new Error("a released note with no lake row");
      const before = finnishDates(source.text);
      const after = finnishDates(String(r.text));
      if (before.length > 0) dated++;
      // Each date moved by exactly the person's shift, so none is left as it was.
      expect(after).toEqual(before.map((d) => d + source.shift));
      if (source.shift !== 0 && before.length > 0) moved++;
    }
    expect(dated).toBeGreaterThan(100);
    expect(moved).toBeGreaterThan(dated * 0.8);
  });

  it("refuses notes with a date it cannot shift, unless the permit accepts unshifted note dates", async () => {
    await activePermit("P-NODATE");
    const clean = await createRelease(ctx(stina), "P-NODATE");
    const members = (
      await store.db
        .selectFrom("release_members")
        .select("pseudo_id")
        .where("release_id", "=", clean.id)
        .execute()
    ).map((m) => `'${m.pseudo_id}'`);
    // A day and month ending a sentence reads as a decimal too ("Hb 12.5."): it cannot be shifted.
    const planted = " Kontrolli 15.4.";
    const lake = await Lake.open(home);
    try {
      const [note] = await lakeRows(
        lake,
        `select record_key from clinical.note where load_to is null and event_date between date '1990-01-01' and date '2025-12-31' and pseudo_id in (${members.join(",")}) order by record_key limit 1`,
      );
      await lake.connection.run(
        `update clinical.note set text = text || '${planted}' where load_to is null and record_key = '${note?.record_key}'`,
      );
    } finally {
      lake.close();
    }
    try {
      const error = await createRelease(ctx(stina), "P-NODATE").catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect(String((error as Error).message)).toMatch(
        /clinical\.note\.text: 1 note has a date that cannot be shifted/,
      );
      expect(String((error as Error).message)).not.toContain("15.4.");
      // A reviewer may not grant what was not applied for.
      await draftPermit(ctx(riku), application("P-NODATE-WIDE"));
      await submitPermit(ctx(riku), "P-NODATE-WIDE", "ready");
      await reviewPermit(ctx(reija), "P-NODATE-WIDE", "taking it");
      const accepting = { ...SCOPE(), rules: { ...SCOPE().rules, unshiftedNoteDates: true } };
      await expect(approvePermit(ctx(reija), "P-NODATE-WIDE", "more", accepting)).rejects.toThrow(
        /rules\.unshiftedNoteDates: unshifted note dates not applied for/,
      );
      // A permit that accepts them gets the note, that date as written and the others shifted.
      await activePermit("P-NODATE-OK", { scope: accepting });
      const accepted = await createRelease(ctx(stina), "P-NODATE-OK");
      const texts = await readParquet(
        join(accepted.path, "data/clinical.note.parquet"),
        "select text from t",
      );
      expect(texts.filter((r) => String(r.text).endsWith(planted))).toHaveLength(1);
    } finally {
      const restore = await Lake.open(home);
      try {
        await restore.connection.run(
          `update clinical.note set text = replace(text, '${planted}', '')`,
        );
      } finally {
        restore.close();
      }
    }
  });
});
