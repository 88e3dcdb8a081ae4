import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkpointAudit, tailAudit, verifyAudit } from "../src/audit/log.js";
import { type Actor, ROLES, type Role } from "../src/auth/roles.js";
import { addUser, listUsers } from "../src/auth/users.js";
import {
  annotateCatalog,
  exportCatalog,
  listCatalog,
  loadVocabulary,
  lookupCodes,
  qualityReport,
  searchCatalogService,
} from "../src/catalog/catalog-service.js";
import {
  cohortSql,
  explainCohort,
  listCohorts,
  runCohort,
  validateCohort,
} from "../src/cohort/cohort-service.js";
import { feasibility } from "../src/feasibility/feasibility-service.js";
import { fetchSource } from "../src/fetch/fetch-service.js";
import { ingest, lakeSnapshots, lakeTables, listQuarantine } from "../src/ingest/ingest-service.js";
import { listOutputRequests } from "../src/outputs/output-requests.js";
import { listOptouts, transparencyReport } from "../src/permits/optout-service.js";
import { draftPermit, expirePermits, listPermits } from "../src/permits/permit-service.js";
import { createRelease, listReleases } from "../src/release/release-service.js";
import { ForbiddenError, NotFoundError, ValidationError } from "../src/shared/errors.js";
import { getStatus } from "../src/status/status.js";
import { listWorkspaces } from "../src/workspace/workspace-service.js";
import { DIALECTS, type TestDeployment, testDeployment } from "./support/stores.js";

/**
 * The role matrix, written out here on purpose rather than read from PERMISSIONS: a change to
 * who may do what must change this test too.
 */
const MATRIX: Record<string, Role[]> = {
  addUser: ["admin"],
  listUsers: ["admin", "auditor"],
  tailAudit: ["auditor", "admin"],
  verifyAudit: ["auditor", "admin"],
  checkpointAudit: ["auditor", "admin"],
  getStatus: ["steward", "researcher", "reviewer", "auditor", "admin"],
  ingest: ["steward"],
  fetchSource: ["steward"],
  lakeTables: ["steward", "auditor"],
  lakeSnapshots: ["steward", "auditor"],
  listQuarantine: ["steward"],
  listCatalog: ["steward", "researcher", "reviewer", "auditor", "admin"],
  searchCatalog: ["steward", "researcher", "reviewer", "auditor", "admin"],
  lookupCodes: ["steward", "researcher", "reviewer", "auditor", "admin"],
  annotateCatalog: ["steward"],
  exportCatalog: ["steward"],
  loadVocabulary: ["steward"],
  qualityReport: ["steward", "auditor"],
  validateCohort: ["researcher", "steward"],
  explainCohort: ["researcher", "steward", "reviewer", "auditor"],
  cohortSql: ["researcher", "steward", "reviewer", "auditor"],
  listCohorts: ["researcher", "steward", "reviewer", "auditor"],
  runCohort: ["steward"],
  feasibility: ["researcher", "steward", "reviewer"],
  draftPermit: ["researcher"],
  listPermits: ["researcher", "reviewer", "steward", "auditor"],
  expirePermits: ["steward"],
  createRelease: ["steward"],
  listReleases: ["steward", "auditor"],
  listOptouts: ["steward"],
  transparencyReport: ["steward"],
  listWorkspaces: ["researcher"],
  listOutputRequests: ["researcher", "steward"],
};

let counter = 0;
const SERVICES: Record<keyof typeof MATRIX, (t: TestDeployment, actor: Actor) => Promise<unknown>> =
  {
    addUser: (t, actor) =>
      addUser(t.store, actor, { name: `new-user-${++counter}`, role: "researcher" }),
    listUsers: (t, actor) => listUsers(t.store, actor),
    tailAudit: (t, actor) => tailAudit(t.store, actor, 5),
    verifyAudit: (t, actor) => verifyAudit(t.store, actor),
    checkpointAudit: (t, actor) => checkpointAudit(t.store, actor),
    getStatus: (t, actor) => getStatus(t.home, t.store, actor),
    ingest: (t, actor) => ingest({ home: t.home, store: t.store, actor }, emptyExport(t.home.dir)),
    // No source is configured: past the role check, "no such source" is the answer.
    fetchSource: (t, actor) =>
      fetchSource({ home: t.home, store: t.store, actor }, "ehr").catch((error: unknown) => {
        if (error instanceof NotFoundError) return "authorised";
        throw error;
      }),
    lakeTables: (t, actor) => lakeTables({ home: t.home, store: t.store, actor }),
    lakeSnapshots: (t, actor) => lakeSnapshots({ home: t.home, store: t.store, actor }),
    listQuarantine: (t, actor) => listQuarantine({ home: t.home, store: t.store, actor }),
    listCatalog: (t, actor) => listCatalog({ home: t.home, store: t.store, actor }),
    searchCatalog: (t, actor) => searchCatalogService({ home: t.home, store: t.store, actor }, "x"),
    lookupCodes: (t, actor) =>
      lookupCodes({ home: t.home, store: t.store, actor }, "icd10", ["M05*"]),
    // The empty lake has nothing to annotate: past the role check, "not found" is the answer.
    annotateCatalog: (t, actor) =>
      annotateCatalog({ home: t.home, store: t.store, actor }, "clinical", { title: "x" }).catch(
        (error: unknown) => {
          if (error instanceof NotFoundError) return "authorised";
          throw error;
        },
      ),
    exportCatalog: (t, actor) =>
      exportCatalog({ home: t.home, store: t.store, actor }, "healthdcat"),
    loadVocabulary: (t, actor) =>
      loadVocabulary({ home: t.home, store: t.store, actor }, vocabFile(t.home.dir), "icd10"),
    qualityReport: (t, actor) => qualityReport({ home: t.home, store: t.store, actor }),
    // The lake is empty: past the role check, "ingest data first" is the answer.
    validateCohort: (t, actor) =>
      lakeIsEmpty(validateCohort({ home: t.home, store: t.store, actor }, COHORT)),
    explainCohort: (t, actor) => explainCohort({ home: t.home, store: t.store, actor }, COHORT),
    cohortSql: (t, actor) =>
      lakeIsEmpty(cohortSql({ home: t.home, store: t.store, actor }, COHORT)),
    listCohorts: (t, actor) => listCohorts({ home: t.home, store: t.store, actor }),
    runCohort: (t, actor) =>
      lakeIsEmpty(runCohort({ home: t.home, store: t.store, actor }, COHORT)),
    feasibility: (t, actor) =>
      lakeIsEmpty(feasibility({ home: t.home, store: t.store, actor }, COHORT)),
    // Past the role check, the draft names a cohort version that does not exist.
    draftPermit: (t, actor) =>
      draftPermit({ home: t.home, store: t.store, actor }, PERMIT).catch((error: unknown) => {
        if (error instanceof ValidationError && /No user|scope\.cohort/.test(error.message))
          return "authorised";
        throw error;
      }),
    listPermits: (t, actor) => listPermits({ home: t.home, store: t.store, actor }),
    expirePermits: (t, actor) => expirePermits({ home: t.home, store: t.store, actor }),
    createRelease: (t, actor) =>
      createRelease({ home: t.home, store: t.store, actor }, "NO-SUCH").catch((error: unknown) => {
        if (error instanceof NotFoundError) return "authorised";
        throw error;
      }),
    listReleases: (t, actor) => listReleases({ home: t.home, store: t.store, actor }),
    listOptouts: (t, actor) => listOptouts({ home: t.home, store: t.store, actor }),
    transparencyReport: (t, actor) =>
      transparencyReport({ home: t.home, store: t.store, actor }, "131052-308T"),
    listWorkspaces: (t, actor) => listWorkspaces({ home: t.home, store: t.store, actor }),
    listOutputRequests: (t, actor) => listOutputRequests({ home: t.home, store: t.store, actor }),
  };

const PERMIT = {
  title: "A study",
  organisation: "University",
  legalBasis: "Secondary Use Act",
  purpose: "To find out something useful.",
  validUntil: "2099-12-31",
  scope: {
    cohort: { name: "none", hash: "0".repeat(64) },
    tables: { "clinical.person": ["sex"] },
    period: { from: "2000-01-01", to: "2020-12-31" },
  },
};

const COHORT = {
  name: "any-diagnosis",
  entry: { events: { table: "clinical.diagnosis" } },
};

function lakeIsEmpty<T>(call: Promise<T>): Promise<T | string> {
  return call.catch((error: unknown) => {
    if (error instanceof NotFoundError && /lake is empty/.test(error.message)) return "authorised";
    throw error;
  });
}

function vocabFile(homeDir: string): string {
  const file = join(homeDir, "codes.csv");
  writeFileSync(
    file,
    "code;title_fi;title_en\nM05.8;Muu seropositiivinen nivelreuma;Other seropositive rheumatoid arthritis\n",
  );
  return file;
}

/** A bulk export with nothing in it: enough for the steward's ingest to succeed. */
function emptyExport(homeDir: string): string {
  const dir = join(homeDir, "empty-export");
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, "manifest.json"),
    JSON.stringify({ transactionTime: "2025-01-01T00:00:00Z", output: [] }),
  );
  return dir;
}

describe.each(DIALECTS)("authorization on %s", (dialect) => {
  let t: TestDeployment;
  beforeAll(async () => {
    t = await testDeployment(dialect);
  });
  afterAll(async () => {
    await t.cleanup();
  });

  const cases = Object.keys(MATRIX).flatMap((service) =>
    ROLES.map((role) => [service, role] as const),
  );

  it.each(cases)("%s as %s", async (service, role) => {
    const actor: Actor = { name: `${role}-1`, role };
    const call = SERVICES[service];
    if (!call) throw new Error(`no service ${service}`);
    const allowed = MATRIX[service]?.includes(role) ?? false;
    const before = await t.store.db
      .selectFrom("audit_log")
      .select("seq")
      .orderBy("seq", "desc")
      .executeTakeFirst();
    if (allowed) {
      await expect(call(t, actor)).resolves.toBeDefined();
    } else {
      await expect(call(t, actor)).rejects.toBeInstanceOf(ForbiddenError);
      const denial = await t.store.db
        .selectFrom("audit_log")
        .selectAll()
        .where("seq", ">", before?.seq ?? 0)
        .where("action", "=", "access.denied")
        .executeTakeFirst();
      expect(denial?.actor).toBe(actor.name);
    }
  });

  it("gives every role something it may do", () => {
    for (const role of ROLES) {
      const allowed = Object.values(MATRIX).filter((roles) => roles.includes(role)).length;
      expect(allowed, role).toBeGreaterThan(0);
    }
  });
});
