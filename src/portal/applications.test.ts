import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TestServer, testServer } from "../../test/support/server.js";
import { setPassword } from "../auth/passwords.js";
import { SYSTEM_ACTOR } from "../auth/roles.js";
import { parseDefinition } from "../cohort/definition.js";
import { formFields, formFromDefinition } from "./cohort-form.js";
import { fi } from "./messages/fi.js";

/**
 * Data requests in the portal over the permit service: a researcher drafts, saves, submits; a
 * reviewer takes it into review, returns it, and approves it when resubmitted; separation of
 * duties, visibility, refusals as pages, and markup in the answers rendered inert.
 */
const PASSWORDS = {
  riku: "researcher pass 4417",
  rasmus: "other researcher 9921",
  reija: "reviewer pass 7712",
  rhea: "second reviewer 5519",
};
let s: TestServer;
const example = JSON.parse(
  readFileSync(join(import.meta.dirname, "../../examples/cohorts/t2d-hba1c.json"), "utf8"),
);

beforeAll(async () => {
  s = await testServer({
    users: {
      riku: "researcher",
      rasmus: "researcher",
      reija: "reviewer",
      rhea: "reviewer",
      stina: "steward",
    },
    patients: 300,
  });
  for (const [name, password] of Object.entries(PASSWORDS))
    await setPassword(s.store, SYSTEM_ACTOR, name, password);
}, 240_000);
afterAll(async () => s?.close());

const urlencoded = "application/x-www-form-urlencoded";
async function login(user: keyof typeof PASSWORDS) {
  const res = await s.app.request("/portal/login", {
    method: "POST",
    headers: { "content-type": urlencoded },
    body: new URLSearchParams({ user, password: PASSWORDS[user] }).toString(),
  });
  const cookie = (
    res.headers.getSetCookie().find((c) => c.startsWith("kaivo_session=")) ?? ""
  ).split(";")[0] as string;
  const page = await (await s.app.request("/portal/catalog", { headers: { cookie } })).text();
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page)?.[1] ?? "";
  return { cookie, csrf };
}
type Session = Awaited<ReturnType<typeof login>>;
const get = (path: string, who: Session) =>
  s.app.request(path, { headers: { cookie: who.cookie } });
const post = (path: string, who: Session, fields: Array<[string, string]>) =>
  s.app.request(path, {
    method: "POST",
    headers: { "content-type": urlencoded, cookie: who.cookie },
    body: new URLSearchParams([["_csrf", who.csrf], ...fields]).toString(),
  });

let version = "";
const answers = (over: Record<string, string> = {}): Array<[string, string]> => {
  const base: Record<string, string> = {
    title: "HbA1c and kidney function in type 2 diabetes",
    organisation: "University of Helsinki",
    legalBasis: "Secondary Use Act 552/2019, section 37",
    purpose: "To study how glycaemic control relates to later kidney function.",
    team: "",
    validUntil: `${new Date().getUTCFullYear() + 2}-12-31`,
    cohort: version,
    from: "2010-01-01",
    to: "2024-12-31",
    ...over,
  };
  return [
    ...Object.entries(base),
    ["variables", "clinical.diagnosis.code"],
    ["variables", "clinical.lab.value"],
  ];
};
const idFrom = (location: string | null) => decodeURIComponent(location?.split("/").pop() ?? "");

describe("data requests", () => {
  beforeAll(async () => {
    const riku = await login("riku");
    const form = formFromDefinition(parseDefinition(example, "example"));
    const saved = await (
      await post("/portal/cohorts/builder", riku, [...formFields(form), ["op", "save"]])
    ).text();
    version =
      /\/portal\/cohorts\/versions\/([0-9a-f]{64})\/definition\.json/.exec(saved)?.[1] ?? "";
    expect(version).toHaveLength(64);
  });

  it("drafts, saves and submits; a reviewer returns it, then approves it resubmitted", async () => {
    const riku = await login("riku");
    const blank = await (await get("/portal/applications/new", riku)).text();
    expect(blank).toContain(`<option value="${version}">`);
    expect(blank).toContain('value="clinical.lab.value"');
    expect(blank).not.toContain('value="clinical.lab.record_key"');
    expect(blank).not.toMatch(/\sstyle=|<style|\son[a-z]+=/i);

    // Saving with a missing answer is refused with the service's message, keeping the answers.
    const short = await post("/portal/applications/new", riku, answers({ purpose: "short" }));
    expect(short.status).toBe(400);
    const shortHtml = await short.text();
    expect(shortHtml).toContain(fi["app.refused"]);
    expect(shortHtml).toContain("purpose");
    expect(shortHtml).toContain('value="University of Helsinki"');

    const created = await post("/portal/applications/new", riku, answers());
    expect(created.status).toBe(303);
    const id = idFrom(created.headers.get("location"));
    expect(id).toMatch(/^KAIVO-\d{4}-\d{4}$/);
    const draft = await (await get(`/portal/applications/${id}`, riku)).text();
    expect(draft).toContain(fi["status.draft"]);
    expect(draft).toContain("clinical.lab");
    expect(draft).toContain(fi["app.cohortExplained"]);

    const saved = await post(`/portal/applications/${id}`, riku, [
      ...answers({ title: "HbA1c and eGFR in type 2 diabetes" }),
      ["op", "save"],
    ]);
    expect(await saved.text()).toContain(fi["app.done.save"]);
    const submitted = await (
      await post(`/portal/applications/${id}`, riku, [...answers(), ["op", "submit"]])
    ).text();
    expect(submitted).toContain(fi["app.done.submit"]);
    expect(submitted).toContain(fi["status.submitted"]);

    // The applicant may not decide: the role refuses, as a page.
    const self = await post(`/portal/applications/${id}`, riku, [
      ["op", "approve"],
      ["comment", "fine"],
    ]);
    expect(self.status).toBe(403);

    const reija = await login("reija");
    const queue = await (await get("/portal/review", reija)).text();
    expect(queue).toContain(`>${id}</a>`);
    expect(
      await (await post(`/portal/applications/${id}`, reija, [["op", "review"]])).text(),
    ).toContain(fi["app.done.review"]);
    // A decision needs a reason.
    const bare = await post(`/portal/applications/${id}`, reija, [["op", "approve"]]);
    expect(bare.status).toBe(400);
    const returned = await (
      await post(`/portal/applications/${id}`, reija, [
        ["op", "return"],
        ["comment", "Narrow the period to 2015-2024."],
      ])
    ).text();
    expect(returned).toContain(fi["app.done.return"]);
    const back = await (await get(`/portal/applications/${id}`, riku)).text();
    expect(back).toContain(fi["app.returnedBy"].replace("{user}", "reija"));
    expect(back).toContain("Narrow the period to 2015-2024.");
    await post(`/portal/applications/${id}`, riku, [
      ...answers({ from: "2015-01-01" }),
      ["op", "submit"],
    ]);
    await post(`/portal/applications/${id}`, reija, [["op", "review"]]);
    const approved = await (
      await post(`/portal/applications/${id}`, reija, [
        ["op", "approve"],
        ["comment", "Approved as applied for."],
      ])
    ).text();
    expect(approved).toContain(fi["app.done.approve"]);
    expect(approved).toContain(fi["status.approved"]);
    const actions = (
      await s.store.db
        .selectFrom("audit_log")
        .select(["action", "actor"])
        .where("target", "=", `permit:${id}`)
        .orderBy("seq")
        .execute()
    ).map((r) => `${r.actor} ${r.action}`);
    expect(actions).toEqual([
      "riku permit.draft",
      "riku permit.edit",
      "riku permit.edit",
      "riku permit.submit",
      "riku access.denied",
      "reija permit.review",
      "reija permit.return",
      "riku permit.edit",
      "riku permit.submit",
      "reija permit.review",
      "reija permit.approve",
    ]);
  });

  it("keeps duties apart and applications to the people named on them", async () => {
    const riku = await login("riku");
    const created = await post("/portal/applications/new", riku, answers({ team: "rhea" }));
    expect(created.status).toBe(303);
    const id = idFrom(created.headers.get("location"));
    await post(`/portal/applications/${id}`, riku, [
      ...answers({ team: "rhea" }),
      ["op", "submit"],
    ]);
    // A reviewer named on the application does not see it in the queue and may not decide it.
    const rhea = await login("rhea");
    expect(await (await get("/portal/review", rhea)).text()).not.toContain(`>${id}</a>`);
    const refused = await post(`/portal/applications/${id}`, rhea, [
      ["op", "review"],
      ["comment", "mine"],
    ]);
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain("separation of duties");
    // Another researcher is told it does not exist; no stack trace either way.
    const rasmus = await login("rasmus");
    const hidden = await get(`/portal/applications/${id}`, rasmus);
    expect(hidden.status).toBe(404);
    expect(await hidden.text()).not.toMatch(/at .*\.(ts|js):\d+/);
    expect(await (await get("/portal/applications", rasmus)).text()).not.toContain(id);
    // Only the applicant changes a draft: a reviewer has no form and is refused.
    const reija = await login("reija");
    const page = await (await get(`/portal/applications/${id}`, reija)).text();
    expect(page).toContain(fi["app.takeIntoReview"]);
    expect(page).not.toContain(fi["app.saveDraft"]);
    expect((await get("/portal/applications/new", reija)).status).toBe(403);
  });

  it("renders markup in the answers inert", async () => {
    const riku = await login("riku");
    const payload = '<script>alert(1)</script>"><img src=x onerror=alert(1)>';
    const created = await post(
      "/portal/applications/new",
      riku,
      answers({ title: `Study ${payload}`, purpose: `A purpose long enough ${payload}` }),
    );
    const html =
      created.status === 303
        ? await (await get(created.headers.get("location") ?? "", riku)).text()
        : await created.text();
    expect(html).not.toContain(payload);
    expect(html).not.toMatch(/<img|<script>alert/i);
  });
});
