import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditSigningKey } from "../src/audit/signing-key.js";
import type { Actor } from "../src/auth/roles.js";
import { addUser } from "../src/auth/users.js";
import { validateCohort } from "../src/cohort/cohort-service.js";
import { type Home, homeKey, initHome } from "../src/home/home.js";
import { ingest } from "../src/ingest/ingest-service.js";
import {
  listOutputRequests,
  releaseOutputRequest,
  requestOutputs,
  reviewOutputRequest,
  showOutputRequest,
  verifyOutputBundle,
} from "../src/outputs/output-requests.js";
import {
  activatePermit,
  approvePermit,
  type Ctx,
  draftPermit,
  reviewPermit,
  submitPermit,
} from "../src/permits/permit-service.js";
import { createRelease } from "../src/release/release-service.js";
import { ConflictError, ForbiddenError, ValidationError } from "../src/shared/errors.js";
import { type ControlStore, openControlStore } from "../src/store/control-store.js";
import { DEFAULT_SYNTH_OPTIONS, runSynth } from "../src/synth/synth.js";
import type {
  FrequencyTable,
  LinearModel,
  SummaryTable,
} from "../src/workspace/analysis/analyses.js";
import {
  addWorkspaceFile,
  listWorkspaceOutputs,
  runAnalysis,
} from "../src/workspace/workspace-outputs.js";
import { runWorkspaceSql } from "../src/workspace/workspace-service.js";
import { kaivo } from "./support/cli.js";
import { tempDir } from "./support/stores.js";

const riku: Actor = { name: "riku", role: "researcher" };
const ville: Actor = { name: "ville", role: "researcher" };
const reija: Actor = { name: "reija", role: "reviewer" };
const stina: Actor = { name: "stina", role: "steward" };
const sami: Actor = { name: "sami", role: "steward" };
const tero: Actor = { name: "tero", role: "steward" };

const bwrapWorks =
  spawnSync("bwrap", ["--unshare-all", "--ro-bind", "/", "/", "true"]).status === 0;
const NO_BWRAP =
  "bubblewrap cannot create namespaces on this machine (install it, enable user namespaces)";
const needsBwrap = (name: string) => (bwrapWorks ? name : `${name} (skipped: ${NO_BWRAP})`);

const tmp = tempDir("kaivo-ws-outputs-");
afterAll(() => tmp.remove());
let home: Home;
let store: ControlStore;
const ctx = (actor: Actor): Ctx => ({ home, store, actor });

let cohortHash = "";
async function activePermit(id: string, team: string[]) {
  await draftPermit(ctx(riku), {
    id,
    title: "Outputs study",
    organisation: "University of Helsinki",
    legalBasis: "Secondary Use Act 552/2019, scientific research",
    purpose: "How glycaemic control develops after diagnosis.",
    validUntil: new Date(Date.now() + 365 * 86_400_000).toISOString().slice(0, 10),
    team,
    scope: {
      cohort: { name: "t2d-any", hash: cohortHash },
      tables: {
        "clinical.person": ["sex", "birth_date"],
        "clinical.lab": ["event_date", "local_code", "value", "unit"],
      },
      period: { from: "1990-01-01", to: "2025-12-31" },
      formats: ["parquet"],
      rules: { birthDate: "year", dateShiftDays: 10, postalCodeDigits: 3, outputThreshold: 5 },
    },
  });
  await submitPermit(ctx(riku), id, "ready");
  await reviewPermit(ctx(reija), id, "taking it");
  await approvePermit(ctx(reija), id, "fine");
  await activatePermit(ctx(stina), id, "go");
}

beforeAll(async () => {
  const data = join(tmp.dir, "synth");
  await runSynth({ ...DEFAULT_SYNTH_OPTIONS, patients: 300, seed: 5, out: data });
  home = initHome(join(tmp.dir, "home"), {}).home;
  store = await openControlStore(home);
  const system: Actor = { name: "system", role: "admin" };
  for (const a of [riku, ville, reija, stina, sami, tero])
    await addUser(store, system, { name: a.name, role: a.role });
  await ingest(ctx(stina), data);
  const v = await validateCohort(ctx(riku), {
    name: "t2d-any",
    codeSets: { t2d: { system: "icd10", codes: ["E11*"] } },
    entry: { events: { table: "clinical.diagnosis", codeSet: "t2d" } },
  });
  cohortHash = v.hash;
  await activePermit("P-OUT", []);
  await createRelease(ctx(stina), "P-OUT");
}, 300_000);
afterAll(async () => {
  await store?.close();
});

/** mtcars (R) as a SQL VALUES list: the same numbers reach the analyses through the sandbox. */
const MTCARS_SQL = `select * from (values
 (21.0,110,2.620,1),(21.0,110,2.875,1),(22.8,93,2.320,1),(21.4,110,3.215,0),(18.7,175,3.440,0),
 (18.1,105,3.460,0),(14.3,245,3.570,0),(24.4,62,3.190,0),(22.8,95,3.150,0),(19.2,123,3.440,0),
 (17.8,123,3.440,0),(16.4,180,4.070,0),(17.3,180,3.730,0),(15.2,180,3.780,0),(10.4,205,5.250,0),
 (10.4,215,5.424,0),(14.7,230,5.345,0),(32.4,66,2.200,1),(30.4,52,1.615,1),(33.9,65,1.835,1),
 (21.5,97,2.465,0),(15.5,150,3.520,0),(15.2,150,3.435,0),(13.3,245,3.840,0),(19.2,175,3.845,0),
 (27.3,66,1.935,1),(26.0,91,2.140,1),(30.4,113,1.513,1),(15.8,264,3.170,1),(19.7,175,2.770,1),
 (15.0,335,3.570,1),(21.4,109,2.780,1)) t(mpg, hp, wt, am)`;

describe("analyses in the workspace", () => {
  it.skipIf(!bwrapWorks)(
    needsBwrap("tabulates the release's people by sex, the same counts as SQL, kept as an output"),
    async () => {
      const direct = await runWorkspaceSql(
        ctx(riku),
        "P-OUT",
        "select sex, count(*) n from clinical.person group by 1 order by 1",
      );
      const { output, result } = await runAnalysis(ctx(riku), "P-OUT", {
        name: "People by sex",
        sql: "select sex from clinical.person",
        analysis: { kind: "frequency", variables: ["sex"] },
      });
      const table = result as FrequencyTable;
      expect(table.cells.map((c) => [c.values[0], String(c.count)])).toEqual(direct.rows);
      expect(output).toMatchObject({ id: "P-OUT-o1", kind: "frequency", createdBy: "riku" });
      const entries = await store.db
        .selectFrom("audit_log")
        .select(["action", "details"])
        .where("action", "in", ["workspace.analysis", "workspace.output"])
        .execute();
      expect(entries.map((e) => e.action)).toEqual(["workspace.analysis", "workspace.output"]);
      expect(JSON.parse(entries[0]?.details ?? "{}")).toMatchObject({
        kind: "frequency",
        outcome: "ok",
      });
    },
    60_000,
  );

  it.skipIf(!bwrapWorks)(
    needsBwrap("fits R's lm(mpg ~ wt + hp) over rows from the sandbox's SQL"),
    async () => {
      const { result } = await runAnalysis(ctx(riku), "P-OUT", {
        name: "mtcars",
        sql: MTCARS_SQL,
        analysis: { kind: "linear", outcome: "mpg", predictors: ["wt", "hp"] },
      });
      const m = result as LinearModel;
      expect(m.residualDf).toBe(29);
      expect(m.terms[1]?.estimate).toBeCloseTo(-3.87783, 4);
      expect(m.terms[2]?.se).toBeCloseTo(0.00903, 5);
    },
    60_000,
  );

  it.skipIf(!bwrapWorks)(
    needsBwrap("summarises lab values by code with n, min/max counts behind them"),
    async () => {
      const { result } = await runAnalysis(ctx(riku), "P-OUT", {
        name: "Lab values",
        sql: "select local_code, value from clinical.lab where value is not null",
        analysis: { kind: "summary", variable: "value", by: "local_code" },
      });
      const s = result as SummaryTable;
      const direct = await runWorkspaceSql(
        ctx(riku),
        "P-OUT",
        "select local_code, count(*) from clinical.lab where value is not null group by 1 order by 1",
      );
      expect(s.groups.map((g) => [g.group, String(g.n)])).toEqual(direct.rows);
      for (const g of s.groups) expect(g.evidence.minCount).toBeGreaterThanOrEqual(1);
    },
    60_000,
  );

  it("refuses a researcher off the team, a steward, and an analysis naming a missing column", async () => {
    const request = {
      name: "x",
      sql: "select 1 as a",
      analysis: { kind: "frequency", variables: ["a"] },
    };
    await expect(runAnalysis(ctx(ville), "P-OUT", request)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(runAnalysis(ctx(stina), "P-OUT", request)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(
      runAnalysis(ctx(riku), "P-OUT", { ...request, analysis: { kind: "anova" } }),
    ).rejects.toBeInstanceOf(ValidationError);
  });

  it("keeps free files of allowed types and sizes only", async () => {
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><rect width="1"/></svg>');
    const kept = await addWorkspaceFile(ctx(riku), "P-OUT", { name: "figure.svg", bytes: svg });
    expect(kept.mediaType).toBe("image/svg+xml");
    await expect(
      addWorkspaceFile(ctx(riku), "P-OUT", { name: "data.parquet", bytes: Buffer.from("x") }),
    ).rejects.toThrow(/must be one of/);
    await expect(
      addWorkspaceFile(ctx(riku), "P-OUT", {
        name: "evil.svg",
        bytes: Buffer.from("<svg><script>alert(1)</script></svg>"),
      }),
    ).rejects.toThrow(/script/);
    await expect(
      addWorkspaceFile(ctx(riku), "P-OUT", { name: "fake.png", bytes: Buffer.from("not png") }),
    ).rejects.toThrow(/not a PNG/);
    await expect(
      addWorkspaceFile(ctx(riku), "P-OUT", {
        name: "big.csv",
        bytes: Buffer.alloc(home.config.outputChecks.maxFileBytes + 1, 97),
      }),
    ).rejects.toThrow(/over the/);
    const list = await listWorkspaceOutputs(ctx(riku), "P-OUT");
    expect(list.at(-1)?.name).toBe("figure.svg");
  });
});

/** 40 F and 30 M: every cell passes. */
const SEX_SQL = (f: number) =>
  `select case when i < ${f} then 'F' else 'M' end as sex from range(${f + 30}) t(i)`;

describe("output requests, two checkers and the signed bundle", () => {
  let sexOutput = "";
  let svgOutput = "";
  let modelOutput = "";
  let releasedBundle = "";

  it.skipIf(!bwrapWorks)(
    needsBwrap("checks each output of a request; a failing one without an exception goes nowhere"),
    async () => {
      sexOutput = (
        await runAnalysis(ctx(riku), "P-OUT", {
          name: "Sex",
          sql: SEX_SQL(40),
          analysis: { kind: "frequency", variables: ["sex"] },
        })
      ).output.id;
      const list = await listWorkspaceOutputs(ctx(riku), "P-OUT");
      svgOutput = list.find((o) => o.name === "figure.svg")?.id ?? "";
      modelOutput = list.find((o) => o.kind === "linear")?.id ?? "";
      const oneCell = await runAnalysis(ctx(riku), "P-OUT", {
        name: "Ages",
        sql: "select * from (values ('50'), ('50'), ('97')) t(age)",
        analysis: { kind: "frequency", variables: ["age"] },
      });
      const failed = await requestOutputs(ctx(riku), "P-OUT", {
        context: "Ages of the cohort",
        items: [{ output: oneCell.output.id, context: "ages, whole cohort" }],
      });
      expect(failed.status).toBe("checks-failed");
      expect(failed.items[0]?.check.findings.map((f) => f.where)).toEqual([
        "age=50",
        "age=97",
        "total",
      ]);
      expect(failed.items[0]?.check.findings[0]?.reason).toContain("under the threshold of 10");
      expect((await listOutputRequests(ctx(stina))).map((r) => r.id)).not.toContain(failed.id);
      // with an exception asked for, the failing output goes to the checkers, who reject it
      const excused = await requestOutputs(ctx(riku), "P-OUT", {
        context: "Ages of the cohort",
        items: [{ output: oneCell.output.id, context: "ages", exception: "needed for table 3" }],
      });
      expect(excused).toMatchObject({ status: "submitted", outcome: "fail" });
      expect(excused.items[0]?.exception).toBe("needed for table 3");
      await expect(
        requestOutputs(ctx(riku), "P-OUT", {
          context: "patient 131052-308T",
          items: [{ output: oneCell.output.id, context: "x" }],
        }),
      ).rejects.toThrow(/identity code/);
      await reviewOutputRequest(ctx(stina), excused.id, {
        decision: "reject",
        comment: "one person",
      });
      const rejected = await reviewOutputRequest(ctx(sami), excused.id, {
        decision: "approve",
        comment: "ok",
      });
      expect(rejected).toMatchObject({ status: "rejected", bundle: null });
    },
    60_000,
  );

  it.skipIf(!bwrapWorks)(
    needsBwrap("two checkers review blinded, and the approved request is released signed"),
    async () => {
      const q = await requestOutputs(ctx(riku), "P-OUT", {
        context: "Paper 1: tables 1 and 2, figure 1",
        items: [
          { output: sexOutput, context: "sex of the cohort (n = 70)" },
          { output: modelOutput, context: "mpg on weight and power, 29 residual df" },
          { output: svgOutput, context: "figure 1, drawn from table 1" },
        ],
      });
      expect(q).toMatchObject({ status: "submitted", outcome: "review", reviewsDone: 0 });
      // items in the order the outputs were made
      expect(q.items.map((i) => [i.output.id, i.check.outcome])).toEqual([
        [modelOutput, "pass"],
        [svgOutput, "review"],
        [sexOutput, "pass"],
      ]);
      expect(q.policy).toBe("kaivo-outputs/1 t=10 zeros=review nk=2,90 p=10 df=10");

      await expect(
        reviewOutputRequest(ctx(riku), q.id, { decision: "approve", comment: "mine" }),
      ).rejects.toBeInstanceOf(ForbiddenError);
      const first = await reviewOutputRequest(ctx(stina), q.id, {
        decision: "approve",
        comment: "private note: fine",
        visibleToResearcher: false,
      });
      expect(first.reviews.map((r) => r.reviewer)).toEqual(["stina"]);
      // blinded: the other checker and the team see that one decided, not what
      const samiSees = await showOutputRequest(ctx(sami), q.id);
      expect(samiSees).toMatchObject({ reviewsDone: 1, reviews: [], status: "submitted" });
      expect((await showOutputRequest(ctx(riku), q.id)).reviews).toEqual([]);
      await expect(
        reviewOutputRequest(ctx(stina), q.id, { decision: "approve", comment: "again" }),
      ).rejects.toBeInstanceOf(ConflictError);

      const done = await reviewOutputRequest(ctx(sami), q.id, {
        decision: "approve",
        comment: "Table 1 and the model are safe.",
      });
      expect(done.status).toBe("released");
      expect(done.reviews.map((r) => r.reviewer)).toEqual(["stina", "sami"]);
      const researcher = await showOutputRequest(ctx(riku), q.id);
      expect(researcher.reviews.map((r) => [r.reviewer, r.comment])).toEqual([
        ["stina", undefined],
        ["sami", "Table 1 and the model are safe."],
      ]);
      await expect(showOutputRequest(ctx(ville), q.id)).rejects.toBeInstanceOf(ForbiddenError);

      const bundle = done.bundle as string;
      releasedBundle = bundle;
      expect(readdirSync(join(bundle, "outputs")).sort()).toEqual(
        [
          `${modelOutput.replace("P-OUT-", "")}-mtcars.json`,
          `${sexOutput.replace("P-OUT-", "")}-sex.json`,
          `${svgOutput.replace("P-OUT-", "")}-figure.svg`,
        ].sort(),
      );
      const key = auditSigningKey(homeKey(home, "audit-signing"));
      expect(verifyOutputBundle(bundle, key)).toEqual({ ok: true, problems: [] });
      const actions = await store.db
        .selectFrom("audit_log")
        .select("action")
        .where("target", "=", `output-request:${q.id}`)
        .orderBy("seq")
        .execute();
      expect(actions.map((a) => a.action)).toEqual([
        "output.review",
        "output.review",
        "output.release",
        "access.denied", // ville, off the team, asking to see it
      ]);

      // a file changed after signing, or one slipped in, is caught
      writeFileSync(join(bundle, "outputs", "extra.csv"), "a\n1\n");
      writeFileSync(join(bundle, "outputs", `${sexOutput.replace("P-OUT-", "")}-sex.json`), "{}");
      const bad = verifyOutputBundle(bundle, key);
      expect(bad.ok).toBe(false);
      expect(bad.problems).toEqual([
        expect.stringMatching(/-sex\.json does not match its SHA-256/),
        "outputs/extra.csv is not in the record.",
      ]);
      expect(existsSync(join(bundle, "disclosure-record.sig"))).toBe(true);
    },
    60_000,
  );

  it.skipIf(!bwrapWorks)(
    needsBwrap("flags a table one person away from a released one (differencing)"),
    async () => {
      const nested = await runAnalysis(ctx(riku), "P-OUT", {
        name: "Sex, one criterion more",
        sql: SEX_SQL(39),
        analysis: { kind: "frequency", variables: ["sex"] },
      });
      const q = await requestOutputs(ctx(riku), "P-OUT", {
        context: "Sensitivity analysis",
        items: [{ output: nested.output.id, context: "sex, excluding one" }],
      });
      expect(q.status).toBe("submitted");
      expect(q.items[0]?.check.findings).toMatchObject([
        {
          rule: "differencing",
          outcome: "review",
          where: `2 count(s) against released output ${sexOutput}`,
        },
      ]);
      // a decision of changes by one checker and approval by the other sends it back
      await reviewOutputRequest(ctx(stina), q.id, {
        decision: "request-changes",
        comment: "nested",
      });
      const back = await reviewOutputRequest(ctx(sami), q.id, {
        decision: "approve",
        comment: "ok",
      });
      expect(back.status).toBe("changes-requested");
      expect(back.bundle).toBeNull();
    },
    60_000,
  );

  it.skipIf(!bwrapWorks)(
    needsBwrap(
      "kaivo workspace analyse and output request|requests|verify, thin over the services",
    ),
    () => {
      const env = { KAIVO_HOME: home.dir, PATH: process.env.PATH ?? "" };
      const analysis = join(tmp.dir, "analysis.json");
      writeFileSync(
        analysis,
        JSON.stringify({
          name: "Sex by CLI",
          sql: SEX_SQL(41),
          analysis: { kind: "frequency", variables: ["sex"] },
        }),
      );
      const made = kaivo(
        ["workspace", "analyse", "P-OUT", analysis, "--json", "--as", "riku"],
        env,
      );
      expect(made.stderr).toBe("");
      const id = (JSON.parse(made.stdout) as { output: { id: string } }).output.id;
      const request = join(tmp.dir, "request.json");
      writeFileSync(
        request,
        JSON.stringify({ context: "CLI", items: [{ output: id, context: "sex, 71 people" }] }),
      );
      const asked = kaivo(
        ["workspace", "output", "request", "P-OUT", request, "--as", "riku"],
        env,
      );
      expect(asked.stderr).toBe("");
      expect(asked.stdout).toMatch(/-q\d+ {2}submitted {2}checks: review/);
      expect(asked.stdout).toContain("review differencing");
      const listed = kaivo(["workspace", "output", "requests", "--as", "stina"], env);
      expect(listed.stdout).toContain("reviews 0/2");
      const refused = kaivo(
        [
          "workspace",
          "output",
          "review",
          "P-OUT-q1",
          "--decision",
          "approve",
          "--comment",
          "x",
          "--as",
          "riku",
        ],
        env,
      );
      expect(refused.status).toBe(3);
      const verified = kaivo(["workspace", "output", "verify", releasedBundle], env);
      // the previous test tampered with this bundle on purpose
      expect(verified.status).toBe(1);
      expect(verified.stdout).toContain("is not in the record");
    },
    120_000,
  );

  it.skipIf(!bwrapWorks)(
    needsBwrap("never lets a steward on the permit's team check its outputs, nor see them"),
    async () => {
      await activePermit("P-TEAM", ["tero"]);
      await createRelease(ctx(stina), "P-TEAM");
      const made = await runAnalysis(ctx(riku), "P-TEAM", {
        name: "Sex",
        sql: SEX_SQL(40),
        analysis: { kind: "frequency", variables: ["sex"] },
      });
      const q = await requestOutputs(ctx(riku), "P-TEAM", {
        context: "Team test",
        items: [{ output: made.output.id, context: "sex" }],
      });
      await expect(
        reviewOutputRequest(ctx(tero), q.id, { decision: "approve", comment: "mine" }),
      ).rejects.toThrow(/on the team of permit P-TEAM/);
      await expect(showOutputRequest(ctx(tero), q.id)).rejects.toBeInstanceOf(ForbiddenError);
      expect((await listOutputRequests(ctx(tero))).map((r) => r.id)).not.toContain(q.id);
      expect((await listOutputRequests(ctx(stina))).map((r) => r.id)).toContain(q.id);

      // a release that fails after approval (a file where its folder goes) is rerun
      const inTheWay = join(home.dir, "outputs", "P-TEAM-q1");
      mkdirSync(join(home.dir, "outputs"), { recursive: true });
      writeFileSync(inTheWay, "");
      await reviewOutputRequest(ctx(stina), q.id, { decision: "approve", comment: "fine" });
      await expect(
        reviewOutputRequest(ctx(sami), q.id, { decision: "approve", comment: "fine" }),
      ).rejects.toThrow(/is approved, but its bundle could not be written/);
      expect((await showOutputRequest(ctx(stina), q.id)).status).toBe("approved");
      rmSync(inTheWay);
      await expect(releaseOutputRequest(ctx(tero), q.id)).rejects.toBeInstanceOf(ForbiddenError);
      const released = await releaseOutputRequest(ctx(sami), q.id);
      expect(released.status).toBe("released");
      const key = auditSigningKey(homeKey(home, "audit-signing"));
      expect(verifyOutputBundle(released.bundle as string, key).ok).toBe(true);
      await expect(releaseOutputRequest(ctx(sami), q.id)).rejects.toBeInstanceOf(ConflictError);
    },
    120_000,
  );
});
