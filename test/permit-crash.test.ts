import { spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "../src/auth/roles.js";
import { addUser } from "../src/auth/users.js";
import { showCatalog } from "../src/catalog/catalog-service.js";
import { validateCohort } from "../src/cohort/cohort-service.js";
import { type Home, initHome } from "../src/home/home.js";
import { HETU_SYSTEM } from "../src/identity/hetu.js";
import { Vault } from "../src/identity/vault.js";
import { ingest } from "../src/ingest/ingest-service.js";
import {
  activatePermit,
  approvePermit,
  type Ctx,
  draftPermit,
  getPermit,
  reviewPermit,
  submitPermit,
} from "../src/permits/permit-service.js";
import { permitFolderName } from "../src/release/folder.js";
import { createRelease } from "../src/release/release-service.js";
import { type ControlStore, openControlStore } from "../src/store/control-store.js";
import { DEFAULT_SYNTH_OPTIONS, runSynth } from "../src/synth/synth.js";
import { tempDir } from "./support/stores.js";

/**
 * kill -9 at every step boundary of activate, close, release and opt-out (the test-only crash
 * points of src/shared/crash-point.ts), and at random times during a release; each time the
 * command is run again and the permit, its key, its releases and the audit log must agree.
 */
const MAIN = join(import.meta.dirname, "../dist/cli/main.js");
const riku: Actor = { name: "riku", role: "researcher" };
const ville: Actor = { name: "ville", role: "researcher" };
const reija: Actor = { name: "reija", role: "reviewer" };
const stina: Actor = { name: "stina", role: "steward" };

const tmp = tempDir("kaivo-permit-crash-");
afterAll(() => tmp.remove());
const data = join(tmp.dir, "synth");
let home: Home;
let store: ControlStore;
let cohortHash = "";
const ctx = (actor: Actor): Ctx => ({ home, store, actor });
const releasesDir = () => join(home.dir, "releases");

function cli(args: string[], crashAt?: string, as = "stina", input?: string) {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    KAIVO_HOME: home.dir,
    NODE_ENV: "test",
    ...(crashAt ? { KAIVO_TEST_CRASH_AT: crashAt } : {}),
  };
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\`.`);
  return spawnSync(process.execPath, [MAIN, ...args, "--as", as], {
    env,
    encoding: "utf8",
    timeout: 180_000,
    ...(input !== undefined ? { input } : {}),
  });
}
/** `input` is standard input: identity codes are never arguments. */
function killedAt(point: string, args: string[], input?: string) {
  const r = cli(args, point, "stina", input);
  expect(r.signal, `${point} was not reached: ${r.stderr}`).toBe("SIGKILL");
}
function rerun(args: string[], input?: string) {
  const r = cli(args, undefined, "stina", input);
  expect(r.status, r.stderr).toBe(0);
}

async function approvedPermit(id: string) {
  await draftPermit(ctx(riku), {
    id,
    title: "Diabetes follow-up study",
    organisation: "University of Helsinki",
    legalBasis: "Secondary Use Act 552/2019, scientific research",
    purpose: "How glycaemic control develops after diagnosis.",
    validUntil: new Date(Date.now() + 365 * 86_400_000).toISOString().slice(0, 10),
    scope: {
      cohort: { name: "t2d-any", hash: cohortHash },
      tables: { "clinical.person": ["sex", "birth_date"], "clinical.diagnosis": ["code"] },
      period: { from: "1990-01-01", to: "2025-12-31" },
    },
  });
  await submitPermit(ctx(riku), id, "ready");
  await reviewPermit(ctx(reija), id, "taking it");
  await approvePermit(ctx(reija), id, "fine");
}

function keyState(id: string): "present" | "never created" | "destroyed" {
  const vault = Vault.open(home);
  try {
    const k = vault.permitKey(id);
    return "key" in k ? "present" : k.missing;
  } finally {
    vault.close();
  }
}

const audit = (id: string) =>
  store.db
    .selectFrom("audit_log")
    .select(["action", "target"])
    .where((eb) =>
      eb.or([eb("target", "=", `permit:${id}`), eb("target", "like", `release:${id}-r%`)]),
    )
    .where("action", "!=", "access.denied")
    .orderBy("seq")
    .execute()
    .then((rows) => rows.map((r) => r.action));

const releasesOf = (id: string) =>
  store.db
    .selectFrom("releases")
    .selectAll()
    .where("permit_id", "=", id)
    .orderBy("number")
    .execute();

const foldersOf = (id: string) =>
  existsSync(releasesDir())
    ? readdirSync(releasesDir()).filter((d) =>
        d.replace(/^\.staging-/, "").startsWith(`${permitFolderName(id)}-r`),
      )
    : [];

/**
 * What must hold once a command has completed: the key exists iff the permit is active (or
 * approved, its key made by an activation not yet recorded: never after a completed rerun); every
 * status change has its audit entry; a release is recorded published iff its folder exists, and
 * no folder or staging folder is unrecorded.
 */
async function expectConsistent(id: string) {
  const permit = await getPermit(store, id);
  const key = keyState(id);
  if (permit.status === "active") expect(key).toBe("present");
  if (["closed", "expired"].includes(permit.status)) expect(key).toBe("destroyed");
  expect(["closing", "expiring"]).not.toContain(permit.status);
  const events = await store.db
    .selectFrom("permit_events")
    .select("to_status")
    .where("permit_id", "=", id)
    .execute();
  const transitions = (await audit(id)).filter((a) => a.startsWith("permit."));
  expect(transitions).toHaveLength(events.length);
  const releases = await releasesOf(id);
  expect(releases.filter((r) => !["published", "deleted"].includes(r.status))).toEqual([]);
  for (const r of releases) expect(existsSync(r.path), r.id).toBe(r.status === "published");
  expect(foldersOf(id).sort()).toEqual(
    releases
      .filter((r) => r.status === "published")
      .map((r) => r.path.split("/").pop())
      .sort(),
  );
  expect((await audit(id)).filter((a) => a === "release.create")).toHaveLength(releases.length);
}

beforeAll(async () => {
  await runSynth({ ...DEFAULT_SYNTH_OPTIONS, patients: 300, seed: 11, out: data });
  home = initHome(join(tmp.dir, "home"), {}).home;
  store = await openControlStore(home);
  const system: Actor = { name: "system", role: "admin" };
  for (const a of [riku, ville, reija, stina])
    await addUser(store, system, { name: a.name, role: a.role });
  await ingest(ctx(stina), data);
  cohortHash = (
    await validateCohort(ctx(riku), {
      name: "t2d-any",
      codeSets: { t2d: { system: "icd10", codes: ["E11*"] } },
      entry: { events: { table: "clinical.diagnosis", codeSet: "t2d" } },
    })
  ).hash;
}, 300_000);
afterAll(async () => {
  await store?.close();
});

describe("a permit command killed with SIGKILL, then run again", () => {
  it("activate: a key is made only after the checks, and the rerun records the activation", async () => {
    for (const [point, keyAfterCrash] of [
      ["activate:checked", "never created"],
      ["activate:after-key", "present"],
    ] as const) {
      const id = `P-ACT-${point.split(":")[1]}`;
      await approvedPermit(id);
      const args = ["permit", "activate", id, "--reason", "go"];
      killedAt(point, args);
      expect((await getPermit(store, id)).status, point).toBe("approved");
      expect(keyState(id), point).toBe(keyAfterCrash);
      expect(await audit(id), point).not.toContain("permit.activate");
      rerun(args);
      expect((await getPermit(store, id)).status).toBe("active");
      expect((await audit(id)).filter((a) => a === "permit.activate")).toHaveLength(1);
      await expectConsistent(id);
    }
  }, 300_000);

  it("close: decided and audited first, then key and files go, and the rerun finishes", async () => {
    const points = [
      "close:checked",
      "close:after-intent",
      "close:after-key-destroyed",
      "close:after-files-deleted",
      "close:after-releases-deleted",
    ];
    for (const [i, point] of points.entries()) {
      const id = `P-CLOSE-${i}`;
      await approvedPermit(id);
      await activatePermit(ctx(stina), id, "go");
      const release = await createRelease(ctx(stina), id);
      const args = ["permit", "close", id, "--reason", "study ended"];
      killedAt(point, args);
      const status = (await getPermit(store, id)).status;
      const actions = await audit(id);
      if (point === "close:checked") {
        // Nothing happened: still active, with its key and its release.
        expect(status).toBe("active");
        expect(keyState(id)).toBe("present");
        expect(existsSync(release.path)).toBe(true);
        expect(actions).not.toContain("permit.close");
      } else {
        // Decided: on the log, never active again, nothing can be released meanwhile.
        expect(status, point).toBe("closing");
        expect(actions, point).toContain("permit.close");
        await expect(createRelease(ctx(stina), id)).rejects.toThrow(/is closing/);
      }
      if (i >= 2) expect(keyState(id), point).toBe("destroyed");
      if (i >= 3) expect(existsSync(release.path), point).toBe(false);
      expect(actions.includes("release.deleted"), point).toBe(i >= 4);
      rerun(args);
      expect((await getPermit(store, id)).status).toBe("closed");
      expect(keyState(id)).toBe("destroyed");
      expect(existsSync(release.path)).toBe(false);
      const after = await audit(id);
      for (const a of ["permit.close", "release.deleted", "permit.closed"])
        expect(
          after.filter((x) => x === a),
          `${point}: ${a}`,
        ).toHaveLength(1);
      await expectConsistent(id);
    }
  }, 300_000);

  it("(h) release: a release killed between its record and its publication is completed by the next run", async () => {
    const id = "P-REL";
    await approvedPermit(id);
    await activatePermit(ctx(stina), id, "go");
    const args = ["release", "create", id];
    for (const point of ["release:before-record", "release:after-record", "release:after-rename"]) {
      const before = (await releasesOf(id)).length;
      killedAt(point, args);
      const rows = await releasesOf(id);
      if (point === "release:before-record") {
        expect(rows).toHaveLength(before);
        expect(foldersOf(id).some((d) => d.startsWith(".staging-"))).toBe(true);
      } else {
        expect(rows).toHaveLength(before + 1);
        const last = rows.at(-1);
        expect(last?.status, point).toBe("publishing");
        expect(existsSync(last?.path ?? ""), point).toBe(point === "release:after-rename");
      }
      rerun(args);
      const after = await releasesOf(id);
      expect(after.length, point).toBe(point === "release:before-record" ? before + 1 : before + 2);
      await expectConsistent(id);
    }
    // What a completed release holds is checked, not only that it exists.
    for (const r of await releasesOf(id)) {
      const info = JSON.parse(readFileSync(join(r.path, "release.json"), "utf8"));
      expect(info.release).toBe(r.id);
    }
  }, 300_000);

  it("release: killed at random times, the next run ends consistent", async () => {
    const id = "P-REL-RANDOM";
    await approvedPermit(id);
    await activatePermit(ctx(stina), id, "go");
    for (const ms of [400, 800, 1200, 1600, 2000, 2600, 3400]) {
      await new Promise<void>((resolve) => {
        const child = spawn(process.execPath, [MAIN, "release", "create", id, "--as", "stina"], {
          env: { PATH: process.env.PATH, KAIVO_HOME: home.dir },
          stdio: "ignore",
        });
        const timer = setTimeout(() => child.kill("SIGKILL"), ms);
        child.on("exit", () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    rerun(["release", "create", id]);
    await expectConsistent(id);
  }, 300_000);

  it("expire: decided and audited first, and the next `permits expire` finishes", async () => {
    const id = "P-EXPIRE";
    await approvedPermit(id);
    await activatePermit(ctx(stina), id, "go");
    const release = await createRelease(ctx(stina), id);
    await store.db
      .updateTable("permits")
      .set({ valid_until: "2020-01-01" })
      .where("id", "=", id)
      .execute();
    killedAt("expire:after-key-destroyed", ["permits", "expire"]);
    expect((await getPermit(store, id)).status).toBe("expiring");
    expect(keyState(id)).toBe("destroyed");
    expect(existsSync(release.path)).toBe(true);
    await expect(createRelease(ctx(stina), id)).rejects.toThrow(/is expiring/);
    rerun(["permits", "expire"]);
    expect((await getPermit(store, id)).status).toBe("expired");
    expect(existsSync(release.path)).toBe(false);
    await expectConsistent(id);
  }, 300_000);

  it("(e) on the command line: a permit one may not see and a missing one give the same error and exit code", async () => {
    await approvedPermit("P-NOT-VILLES");
    for (const verb of ["submit", "show"]) {
      const args = (id: string) =>
        verb === "show" ? ["permit", "show", id] : ["permit", verb, id, "--reason", "x"];
      const hidden = cli(args("P-NOT-VILLES"), undefined, "ville");
      const missing = cli(args("P-NOT-THERE"), undefined, "ville");
      expect(hidden.status, verb).toBe(missing.status);
      expect(hidden.stderr.replace("P-NOT-VILLES", "ID"), verb).toBe(
        missing.stderr.replace("P-NOT-THERE", "ID"),
      );
      expect(hidden.stderr).not.toMatch(/riku/);
    }
  }, 120_000);

  it("opt-out: killed after the register changed, the rerun profiles the catalog without the person", async () => {
    const personsShown = async () => {
      const entry = await showCatalog(ctx(stina), "clinical.person");
      return entry.level === "table" ? Number(entry.profile?.persons) : Number.NaN;
    };
    const before = await personsShown();
    const hetu = firstIdentityCode();
    killedAt("optout:after-record", ["optout", "add"], hetu);
    expect(await store.db.selectFrom("optouts").selectAll().execute()).toHaveLength(1);
    expect(await personsShown()).toBe(before);
    rerun(["optout", "add"], hetu);
    expect(await personsShown()).toBe(before - 1);
  }, 300_000);
});

function firstIdentityCode(): string {
  const dir = join(data, "fhir");
  for (const f of readdirSync(dir).filter((f) => f.startsWith("Patient")))
    for (const line of readFileSync(join(dir, f), "utf8").split("\n").filter(Boolean)) {
      const p = JSON.parse(line) as { identifier?: Array<{ system: string; value: string }> };
      const hetu = p.identifier?.find((i) => i.system === HETU_SYSTEM)?.value;
      if (hetu) return hetu;
    }
  throw new Error("no identity code among the synthetic patients");
}
