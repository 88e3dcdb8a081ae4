import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ServerType, serve } from "@hono/node-server";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TestServer, testServer } from "../../test/support/server.js";
import { setPassword } from "../auth/passwords.js";
import { SYSTEM_ACTOR } from "../auth/roles.js";

/**
 * The portal in a real browser: Debian's Chromium driven by playwright-core against the server's
 * app on loopback. One journey: the demo researcher signs in, opens the catalog, builds a cohort
 * and sees the live count change, saves it, creates and submits an application; a reviewer
 * approves it. Skipped, saying why, only where /usr/bin/chromium is absent (CI installs it).
 * Set KAIVO_PORTAL_SCREENSHOTS=docs/portal to write the documentation's screenshots.
 */
const CHROMIUM = "/usr/bin/chromium";
const present = existsSync(CHROMIUM);
if (!present)
  console.warn(
    `browser test skipped: ${CHROMIUM} is absent (apt-get install -y chromium; .ci/run installs it)`,
  );

const PASSWORDS = { riku: "researcher pass 4417", reija: "reviewer pass 7712" };
/** Generous: the machine is shared, and the journey must hold at a third of its speed. */
const WAIT = Number(process.env.KAIVO_BROWSER_WAIT ?? 90_000);
/** expect.poll waits a second by default: far too little here. */
const POLL = { timeout: WAIT, interval: 250 };
const shots = process.env.KAIVO_PORTAL_SCREENSHOTS;

let s: TestServer;
let http: ServerType;
let base = "";
let context: BrowserContext;
let profile = "";

beforeAll(async () => {
  if (!present) return;
  s = await testServer({
    users: { riku: "researcher", reija: "reviewer", stina: "steward" },
    patients: 400,
  });
  for (const [name, password] of Object.entries(PASSWORDS))
    await setPassword(s.store, SYSTEM_ACTOR, name, password);
  http = serve({ fetch: s.app.fetch, hostname: "127.0.0.1", port: 0 });
  await new Promise<void>((resolve) => http.once("listening", () => resolve()));
  base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  profile = mkdtempSync(join(tmpdir(), "kaivo-chromium-"));
  // A fresh profile each run: the --user-data-dir, which playwright sets from this argument.
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    timeout: WAIT,
    locale: "en-GB",
    viewport: { width: 1280, height: 900 },
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}, 300_000);

afterAll(async () => {
  await context?.close();
  await new Promise((resolve) => (http ? http.close(resolve) : resolve(undefined)));
  await s?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

async function shot(page: Page, name: string) {
  if (!shots) return;
  mkdirSync(shots, { recursive: true });
  // The viewport only: a full-page capture resizes it, and a form posted next was lost so.
  await page.screenshot({ path: join(shots, `${name}.png`) });
}

async function signIn(page: Page, user: keyof typeof PASSWORDS) {
  await page.goto(`${base}/portal/login`);
  await page.fill("#user", user);
  await page.fill("#password", PASSWORDS[user]);
  await Promise.all([page.waitForLoadState("load"), page.click("main form button[type=submit]")]);
  await page.waitForURL(/\/portal\/catalog/).catch(async (e) => {
    console.log(page.url(), (await page.content()).slice(0, 1500));
    throw e;
  });
}

/** An element's text now, or null: each poll asks afresh, across the page's navigations. */
const text = (page: Page, selector: string) =>
  page
    .locator(selector)
    .first()
    .textContent({ timeout: 2_000 })
    .catch(() => null);
const persons = (page: Page) => text(page, "#persons");

describe.skipIf(!present)("the portal in Chromium", () => {
  it("takes a researcher from the catalog to a submitted application, and a reviewer to approving it", async () => {
    context.setDefaultTimeout(WAIT);
    context.setDefaultNavigationTimeout(WAIT);
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text());
    });
    const step = (what: string) => {
      if (process.env.KAIVO_BROWSER_STEPS) console.log(new Date().toISOString(), what);
    };

    step("sign in");
    await signIn(page, "riku");
    await expect.poll(() => text(page, "h1"), POLL).toBe("Catalog");
    await page.fill("#q", "HbA1c");
    await page.locator("#results a").first().waitFor();
    await shot(page, "catalog");

    // The builder: an edit brings a live count; a second edit changes it.
    step("builder");
    await page.goto(`${base}/portal/cohorts/builder`);
    await page.fill("#name", "journey-t2d");
    await page.locator("#persons").waitFor();
    const first = await page.locator("#persons").textContent();
    expect(first).toMatch(/^(<)?\d/);
    // The first rule made one everyone with the entry event meets (no death before the index).
    await page.selectOption("[name='rule.0.kind']", "none");
    await page.fill("[name='rule.0.members']", '[{"death": true, "window": {"end": -1}}]');
    await page.fill("[name='rule.0.name']", "alive at diagnosis");
    await expect.poll(() => persons(page), POLL).not.toBe(first);
    await expect.poll(() => text(page, "#explain pre"), POLL).toContain("alive at diagnosis");
    step("picker");
    await page.fill("#pick-q", "E11");
    await page.locator("#picks table").waitFor();
    await shot(page, "cohort-builder");
    await page.click("button[value=save]");
    await expect.poll(() => text(page, ".notice.info"), POLL).toContain("journey-t2d");

    // The application: drafted, saved, then submitted.
    step("application");
    await page.goto(`${base}/portal/applications/new`);
    await page.fill("#app-title", "Glycaemic control in type 2 diabetes");
    await page.fill("#app-organisation", "University of Helsinki");
    await page.fill("#app-legalBasis", "Secondary Use Act 552/2019, section 37");
    await page.fill("#app-purpose", "To study how glycaemic control relates to later outcomes.");
    await page.fill("#app-validUntil", `${new Date().getUTCFullYear() + 2}-12-31`);
    const version = await page.locator("#app-cohort option").nth(1).getAttribute("value");
    await page.selectOption("#app-cohort", version ?? "");
    await page.fill("#app-from", "2010-01-01");
    await page.fill("#app-to", "2024-12-31");
    await page.check("input[value='clinical.lab.value']");
    await page.check("input[value='clinical.diagnosis.code']");
    await Promise.all([
      page.waitForURL(/\/portal\/applications\/KAIVO-/),
      page.click("button[value=save]"),
    ]);
    const url = page.url();
    await shot(page, "application-draft");
    step("submit");
    await page.click("button[value=submit]");
    await expect.poll(() => text(page, "dl.facts .status"), POLL).toBe("submitted");
    await page.click("header form button[type=submit]");

    // The reviewer: the queue, into review, approved with a comment.
    step("reviewer");
    await signIn(page, "reija");
    await page.goto(`${base}/portal/review`);
    const id = url.split("/").pop() ?? "";
    await page.locator(`a:text("${id}")`).waitFor();
    await shot(page, "review-queue");
    await page.click(`a:text("${id}")`);
    await page.click("button[value=review]");
    await expect.poll(() => text(page, "dl.facts .status"), POLL).toBe("in review");
    await page.fill("#comment", "Approved as applied for.");
    await page.click("button[value=approve]");
    await expect.poll(() => text(page, "dl.facts .status"), POLL).toBe("approved");
    await shot(page, "application-approved");
    // The CSP let htmx run and refused nothing the pages asked for.
    expect(errors.filter((e) => /Content Security Policy|Refused/.test(e))).toEqual([]);
  }, 900_000);
});
