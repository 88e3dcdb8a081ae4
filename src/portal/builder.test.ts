import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TestServer, testServer } from "../../test/support/server.js";
import { setPassword } from "../auth/passwords.js";
import { SYSTEM_ACTOR } from "../auth/roles.js";
import { definitionHash, parseDefinition } from "../cohort/definition.js";
import { type BuilderForm, formFields, formFromDefinition } from "./cohort-form.js";
import { fi } from "./messages/fi.js";

/**
 * The cohort builder over a small ingested lake, in the server's own app: the fields, the live
 * count (the same as the API's feasibility answer), the code picker, saving, history, export
 * that the CLI's validator reads back to the same version, import, the near-limit notice, and
 * escaping of user text.
 */
const PASSWORDS = {
  riku: "researcher pass 4417",
  rasmus: "other researcher 9921",
  reija: "reviewer pass 7712",
};
let s: TestServer;
const example = JSON.parse(
  readFileSync(join(import.meta.dirname, "../../examples/cohorts/t2d-hba1c.json"), "utf8"),
);
const exampleForm = () => formFromDefinition(parseDefinition(example, "example"));

beforeAll(async () => {
  s = await testServer({
    users: { riku: "researcher", rasmus: "researcher", reija: "reviewer", stina: "steward" },
    patients: 400,
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

const get = (path: string, who: Session, headers: Record<string, string> = {}) =>
  s.app.request(path, { headers: { cookie: who.cookie, ...headers } });

function post(
  path: string,
  who: Session,
  fields: Array<[string, string]>,
  headers: Record<string, string> = {},
) {
  const body = new URLSearchParams([["_csrf", who.csrf], ...fields]);
  return s.app.request(path, {
    method: "POST",
    headers: { "content-type": urlencoded, cookie: who.cookie, ...headers },
    body: body.toString(),
  });
}
const live = (who: Session, form: BuilderForm) =>
  post("/portal/cohorts/builder/count", who, [...formFields(form), ["live", "1"]], {
    "hx-request": "true",
  });
const personsIn = (html: string) =>
  /<output id="persons"[^>]*>([^<]+)<\/output>/.exec(html)?.[1]?.replace(/&lt;/g, "<");
const decode = (html: string) =>
  html
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");

describe("the cohort builder", () => {
  it("shows the definition as fields, with no inline script or style", async () => {
    const riku = await login("riku");
    const res = await get("/portal/cohorts/builder", riku);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain(`<h1>${fi["builder.title"]}</h1>`);
    expect(html).toContain('name="name" type="text" value="t2d-hba1c"');
    expect(html).toContain('name="rule.1.kind"');
    expect(html).toContain('hx-post="/portal/cohorts/builder/count"');
    expect(html).toMatch(/<option value="clinical\.diagnosis" selected/);
    expect(html).not.toMatch(/\sstyle=|<style|\son[a-z]+=/i);
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)];
    expect(scripts.map((m) => m[2])).toEqual([""]);
    // A role that does not define cohorts is refused with a page, not a stack trace.
    const reija = await login("reija");
    const refused = await get("/portal/cohorts/builder", reija);
    expect(refused.status).toBe(403);
    expect(await refused.text()).not.toMatch(/at .*\.(ts|js):\d+/);
  });

  it("counts after each edit as the API does, with the attrition chart and the explanation", async () => {
    const riku = await login("riku");
    const res = await live(riku, exampleForm());
    expect(res.status).toBe(200);
    const html = await res.text();
    const api = await s.call("riku", "POST", "/api/feasibility", { definition: example });
    expect(api.status).toBe(200);
    expect(personsIn(html)).toBe(String(api.body.persons));
    expect(html).toContain("<svg");
    expect(html).toContain(fi["feas.attrition"]);
    expect(html).toContain('id="explain" aria-labelledby="explain-title" hx-swap-oob="true"');
    expect(decode(html)).toContain("two HbA1c over 53 mmol/mol");
    // The queries-left line is redrawn with the count.
    expect(html).toMatch(/<div id="allowance" hx-swap-oob="true"><p class="hint">/);
    // An edit: without its inclusion rules the cohort is larger.
    const wider = exampleForm();
    wider.rules = [];
    const after = await (await live(riku, wider)).text();
    const before = Number(String(api.body.persons).replace("<", ""));
    expect(Number(personsIn(after))).toBeGreaterThan(before);
    // A field whose JSON does not parse is named beside the count, and nothing is counted.
    const broken = exampleForm();
    (broken.rules[0] as { members: string }).members = "{";
    const bad = await live(riku, broken);
    expect(bad.headers.get("hx-retarget")).toBe("#count-notice");
    expect(await bad.text()).toContain("rule.0.members");
  });

  it("picks codes with titles and published counts, into a code set", async () => {
    const riku = await login("riku");
    // A code the catalog publishes for this (random) lake: an E11 code is not always in its top.
    const profile = (await s.call("riku", "GET", "/api/catalog/clinical.diagnosis")).body as {
      profile: { variables: { code: { top: Array<{ value: string }> } } };
    };
    const listed = profile.profile.variables.code.top[0]?.value ?? "";
    expect(listed).toMatch(/^[A-Z]\d/);
    const res = await get(`/portal/cohorts/codes?pick.q=${listed}`, riku, { "hx-request": "true" });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain(`<code>${listed}</code>`);
    expect(await (await get("/portal/cohorts/codes?pick.q=E11", riku)).text()).toMatch(
      /<code>E11[^<]*<\/code>/,
    );
    expect(html).toContain(fi["picker.persons"]);
    // Counts are the catalog's published ones: a number, <k, or "not published", never raw.
    const cells = [...html.matchAll(/<td>(clinical\.diagnosis: [^<]+)<\/td>/g)].map((m) => m[1]);
    expect(cells.length).toBeGreaterThan(0);
    for (const c of cells)
      for (const part of String(c).split("; "))
        expect(part).toMatch(/^[a-z]+\.[a-z_]+: (\d[\d\s ]*|&lt;\d+)$/);
    const byTitle = await (await get("/portal/cohorts/codes?pick.q=diabetes", riku)).text();
    expect(byTitle).toMatch(/<code>E1[01]/);
    // Adding a picked code to the t2d set, as the picker's button posts it.
    const page = await post("/portal/cohorts/builder", riku, [
      ...formFields(exampleForm()),
      ["pick.set", "t2d"],
      ["op", "addCode icd10 E13.9"],
    ]);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/name="cs\.0\.codes"[^>]*>E11\*\nE13\.9<\/textarea>/);
  });

  it("saves a version, lists it, and exports JSON the CLI's validator reads to the same version", async () => {
    const riku = await login("riku");
    const form = exampleForm();
    form.name = "builder-saved";
    form.age.min = "40";
    const saved = await (
      await post("/portal/cohorts/builder", riku, [...formFields(form), ["op", "save"]])
    ).text();
    const version = /builder-saved, versio ([0-9a-f]{12})/.exec(saved)?.[1] ?? "";
    expect(version).toMatch(/^[0-9a-f]{12}$/);
    const hash =
      new RegExp(`/portal/cohorts/versions/(${version}[0-9a-f]{52})/definition.json`).exec(
        saved,
      )?.[1] ?? "";
    expect(hash).toHaveLength(64);
    const exported = await get(`/portal/cohorts/versions/${hash}/definition.json`, riku);
    expect(exported.status).toBe(200);
    expect(exported.headers.get("content-disposition")).toContain(`builder-saved-${version}.json`);
    const file = JSON.parse(await exported.text());
    expect(definitionHash(parseDefinition(file, "export"))).toBe(hash);
    const api = await s.call("riku", "POST", "/api/cohorts/validate", { definition: file });
    expect(api.body.hash).toBe(hash);
    // Opening the version fills the fields; the history lists it.
    const opened = await (await get(`/portal/cohorts/builder?version=${hash}`, riku)).text();
    expect(opened).toContain('name="age.min" type="number" value="40"');
    expect(opened).toContain(`<code>${version}</code>`);
    expect(await (await get("/portal/cohorts", riku)).text()).toContain("builder-saved");
    // Importing the exported file fills the same fields.
    const imported = await post("/portal/cohorts/builder", riku, [
      ["op", "import"],
      ["importText", JSON.stringify(file)],
    ]);
    const html = await imported.text();
    expect(html).toContain(fi["builder.imported"]);
    expect(html).toContain('name="name" type="text" value="builder-saved"');
    const wrong = await post("/portal/cohorts/builder", riku, [
      ["op", "import"],
      ["importText", "{ nope"],
    ]);
    expect(await wrong.text()).toContain(fi["builder.importFailed"]);
  });

  it("keeps the last count and says so when the query limit is near", async () => {
    const rasmus = await login("rasmus");
    const perMinute = s.home.config.feasibility.perMinute;
    let last = "";
    for (let i = 0; i < perMinute - 2; i++) {
      const html = await (await live(rasmus, exampleForm())).text();
      expect(personsIn(html), `count ${i}`).toBeDefined();
      last = html;
    }
    expect(last).toContain("persons");
    const near = await live(rasmus, exampleForm());
    expect(near.headers.get("hx-retarget")).toBe("#count-notice");
    const html = await near.text();
    expect(html).toContain(fi["builder.limitNear"]);
    expect(html).not.toContain('id="persons"');
    // The Count button still asks, until the limit itself refuses.
    const asked = await post("/portal/cohorts/builder/count", rasmus, formFields(exampleForm()), {
      "hx-request": "true",
    });
    expect(personsIn(await asked.text())).toBeDefined();
  });

  it("renders markup in every free-text field inert", async () => {
    const riku = await login("riku");
    const payload = '<script>alert(1)</script>"><img src=x onerror=alert(1)>';
    const form = exampleForm();
    form.title = payload;
    form.description = payload;
    (form.rules[0] as { name: string }).name = payload;
    (form.codeSets[0] as { codes: string }).codes = payload;
    for (const [path, fields] of [
      ["/portal/cohorts/builder", [...formFields(form), ["op", "update"]]],
      ["/portal/cohorts/builder", [...formFields(form), ["op", "save"]]],
      [
        "/portal/cohorts/builder",
        [
          ["op", "import"],
          ["importText", payload],
        ],
      ],
    ] as Array<[string, Array<[string, string]>]>) {
      const html = await (await post(path, riku, fields)).text();
      expect(html).not.toContain(payload);
      expect(html).not.toMatch(/<img|<script>alert/i);
    }
    const picks = await (
      await get(`/portal/cohorts/codes?pick.q=${encodeURIComponent(payload)}`, riku)
    ).text();
    expect(picks).not.toMatch(/<img|<script>alert/i);
  });
});
