import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isAllowed, type Permission } from "../src/auth/permissions.js";
import { ROLES, type Role } from "../src/auth/roles.js";
import { PUBLIC_ROUTES } from "../src/server/app.js";
import { type TestServer, testServer } from "./support/server.js";

/**
 * Every route against every role, from the permission table (src/auth/permissions.ts): a role the
 * route's permission leaves out gets 403, any other role does not. The table below must name
 * every route of the app, so a new route cannot go untested.
 */
const t2d = JSON.parse(
  readFileSync(join(import.meta.dirname, "../examples/cohorts/t2d-hba1c.json"), "utf8"),
);
const reason = { reason: "permission table test" };
const HETU = "010203A123X";

function application(id: string) {
  return {
    id,
    title: "Permission table",
    organisation: "University of Helsinki",
    legalBasis: "Secondary Use Act 552/2019",
    purpose: "Testing the permission table.",
    validUntil: "2030-01-01",
    scope: {
      cohort: { name: "t2d-hba1c", hash: "0".repeat(64) },
      tables: { "clinical.person": ["sex"] },
      period: { from: "2000-01-01", to: "2020-12-31" },
    },
  };
}

interface Case {
  permission: Permission;
  path?: string;
  body?: unknown;
}
const ROUTES: Record<string, Case> = {
  "GET /api/status": { permission: "status.read" },
  "GET /api/jobs": { permission: "job.read" },
  "POST /api/jobs": {
    permission: "ingest.run",
    body: { kind: "ingest", params: { path: "ehr" }, ...reason },
  },
  "GET /api/jobs/:id": { permission: "job.read", path: "/api/jobs/999" },
  "POST /api/jobs/:id/cancel": { permission: "job.read", path: "/api/jobs/999/cancel" },
  "GET /api/jobs/:id/events": { permission: "job.read", path: "/api/jobs/999/events" },
  "GET /api/catalog": { permission: "catalog.read" },
  "GET /api/catalog/search": { permission: "catalog.read", path: "/api/catalog/search?q=lab" },
  "GET /api/catalog/:name": { permission: "catalog.read", path: "/api/catalog/clinical.lab" },
  "POST /api/feasibility": { permission: "feasibility.run", body: { definition: t2d } },
  "GET /api/lake/snapshots": { permission: "lake.read" },
  "GET /api/lake/tables": { permission: "lake.read" },
  "POST /api/lake/loads": { permission: "ingest.run", body: { path: "ehr", ...reason } },
  "GET /api/quarantine": { permission: "quarantine.read" },
  "GET /api/quarantine/:id": { permission: "quarantine.read", path: "/api/quarantine/999999" },
  "POST /api/quarantine/:id/retry": {
    permission: "quarantine.retry",
    path: "/api/quarantine/999999/retry",
    body: reason,
  },
  "GET /api/quality": { permission: "quality.read" },
  "POST /api/catalog/:name/annotations": {
    permission: "catalog.annotate",
    path: "/api/catalog/clinical.lab/annotations",
    body: { keywords: "labs" },
  },
  "GET /api/exports/catalog": {
    permission: "catalog.export",
    path: "/api/exports/catalog?format=markdown",
  },
  "GET /api/vocab/:system": { permission: "catalog.read", path: "/api/vocab/icd10?codes=E11*" },
  "GET /api/cohorts": { permission: "cohort.read" },
  "POST /api/cohorts/validate": { permission: "cohort.define", body: { definition: t2d } },
  "POST /api/cohorts/explain": { permission: "cohort.read", body: { definition: t2d } },
  "POST /api/cohorts/sql": { permission: "cohort.read", body: { definition: t2d } },
  "POST /api/cohorts/runs": { permission: "cohort.run", body: { definition: t2d, ...reason } },
  "GET /api/permits": { permission: "permit.read" },
  "POST /api/permits": { permission: "permit.apply", body: application("PT-1") },
  "POST /api/permits/register": {
    permission: "permit.manage",
    body: { permit: application("FINDATA/2026/1"), ...reason },
  },
  "POST /api/permits/expire": { permission: "permit.manage" },
  "GET /api/permits/:id": { permission: "permit.read", path: "/api/permits/NONE-1" },
  "POST /api/permits/:id/approve": {
    permission: "permit.decide",
    path: "/api/permits/NONE-1/approve",
    body: reason,
  },
  "POST /api/permits/:id/submit": {
    permission: "permit.apply",
    path: "/api/permits/NONE-1/submit",
    body: reason,
  },
  "POST /api/permits/:id/review": {
    permission: "permit.decide",
    path: "/api/permits/NONE-1/review",
    body: reason,
  },
  "POST /api/permits/:id/reject": {
    permission: "permit.decide",
    path: "/api/permits/NONE-1/reject",
    body: reason,
  },
  "POST /api/permits/:id/confirm": {
    permission: "permit.manage",
    path: "/api/permits/NONE-1/confirm",
    body: reason,
  },
  "POST /api/permits/:id/activate": {
    permission: "permit.manage",
    path: "/api/permits/NONE-1/activate",
    body: reason,
  },
  "POST /api/permits/:id/close": {
    permission: "permit.manage",
    path: "/api/permits/NONE-1/close",
    body: reason,
  },
  "GET /api/releases": { permission: "release.read" },
  "POST /api/releases": { permission: "release.create", body: { permit: "NONE-1", ...reason } },
  "POST /api/optouts": { permission: "optout.manage", body: { codes: [HETU] } },
  "GET /api/optouts": { permission: "optout.manage" },
  "POST /api/optouts/remove": { permission: "optout.manage", body: { codes: [HETU] } },
  "POST /api/transparency": { permission: "transparency.read", body: { code: HETU } },
  "GET /api/audit": { permission: "audit.read" },
  "GET /api/audit/count": { permission: "audit.read" },
  "GET /api/audit/verify": { permission: "audit.verify" },
  "POST /api/audit/checkpoint": { permission: "audit.checkpoint" },
  "GET /api/users": { permission: "user.list" },
  "POST /api/users": { permission: "user.add", body: { name: "newcomer", role: "researcher" } },
  // Another user's sessions (one's own: any role; test/cli-remote-commands.test.ts).
  "POST /api/users/:name/logout": {
    permission: "session.end-any",
    path: "/api/users/newcomer/logout",
  },
  "GET /api/tokens": { permission: "token.list" },
  "DELETE /api/tokens/:id": { permission: "token.revoke", path: "/api/tokens/tok_none" },
  // The portal's pages, through the same services (src/portal).
  "GET /portal/catalog": { permission: "catalog.read" },
  "GET /portal/catalog/search": {
    permission: "catalog.read",
    path: "/portal/catalog/search?q=lab",
  },
  "GET /portal/catalog/:name": { permission: "catalog.read", path: "/portal/catalog/clinical.lab" },
  "GET /portal/feasibility": { permission: "feasibility.run" },
  "POST /portal/feasibility": { permission: "feasibility.run", body: {} },
  "POST /portal/feasibility/count": { permission: "feasibility.run", body: {} },
  "GET /portal/cohorts": { permission: "cohort.read" },
  "GET /portal/cohorts/builder": { permission: "cohort.define" },
  "POST /portal/cohorts/builder": { permission: "cohort.define", body: {} },
  "POST /portal/cohorts/builder/count": { permission: "feasibility.run", body: {} },
  "GET /portal/cohorts/codes": { permission: "catalog.read", path: "/portal/cohorts/codes?q=E11" },
  "GET /portal/cohorts/versions/:hash/definition.json": {
    permission: "cohort.read",
    path: `/portal/cohorts/versions/${"0".repeat(64)}/definition.json`,
  },
  "GET /portal/applications": { permission: "permit.read" },
  "GET /portal/applications/new": { permission: "permit.apply" },
  "POST /portal/applications/new": { permission: "permit.apply", body: {} },
  "GET /portal/applications/:id": {
    permission: "permit.read",
    path: "/portal/applications/NONE-1",
  },
  "POST /portal/applications/:id": {
    permission: "permit.read",
    path: "/portal/applications/NONE-1",
    body: {},
  },
  "GET /portal/review": { permission: "permit.decide" },
};
/** The portal's sign-in, language switch, static files and redirects: src/portal tests them. */
const PORTAL_OPEN = new Set([
  "GET /portal",
  "GET /portal/static/htmx.min.js",
  "GET /portal/static/portal.css",
  "GET /portal/lang/:lang",
  "GET /portal/login",
  "POST /portal/login",
  "GET /portal/login/totp",
  "POST /portal/login/totp",
  "POST /portal/login/totp/enrol",
  "POST /portal/logout",
]);
/** Sign-in steps and token creation (a session's, never a token's): src/server/auth tests them. */
const SIGN_IN = new Set([
  "POST /api/tokens",
  "POST /api/auth/totp",
  "POST /api/auth/totp/enrol",
  "POST /api/auth/logout",
  "POST /api/auth/logout-everywhere",
  "GET /api/auth/me",
]);

const USERS: Record<string, Role> = Object.fromEntries(ROLES.map((r) => [`u-${r}`, r]));
let s: TestServer;
beforeAll(async () => {
  s = await testServer({ users: USERS, patients: 400 });
}, 180_000);
afterAll(async () => s?.close());

describe("every route against every role", () => {
  it("names every route of the app in the table", () => {
    const routes = new Set(
      s.app.routes
        .filter((r) => r.method !== "ALL" && r.path !== "/api/openapi.json")
        .map((r) => `${r.method} ${r.path}`),
    );
    for (const r of routes)
      if (!PUBLIC_ROUTES.has(r) && !SIGN_IN.has(r) && !PORTAL_OPEN.has(r))
        expect(Object.keys(ROUTES), r).toContain(r);
    for (const r of Object.keys(ROUTES)) expect([...routes], r).toContain(r);
  });

  for (const [route, c] of Object.entries(ROUTES)) {
    it(`${route}: 403 exactly for the roles ${c.permission} leaves out`, async () => {
      const [method, pattern] = route.split(" ") as [string, string];
      const wrong: string[] = [];
      for (const role of ROLES) {
        const res = await s.call(`u-${role}`, method, c.path ?? pattern, c.body);
        const refused = res.status === 403;
        if (refused === isAllowed(role, c.permission))
          wrong.push(`${role}: ${res.status} ${res.text.slice(0, 160)}`);
        // An identity code sent is never answered back, whoever asks.
        expect(res.text).not.toContain(HETU);
      }
      expect(wrong, route).toEqual([]);
    }, 60_000);
  }
});
