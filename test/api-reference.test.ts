import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { JobRunner } from "../src/jobs/runner.js";
import { openApiDocument, renderApiReference } from "../src/server/api-reference.js";
import { buildApp } from "../src/server/app.js";
import { createLogger } from "../src/server/observability/logger.js";
import { serverAppOptions } from "../src/server/server-options.js";
import { type TestDeployment, testDeployment } from "./support/stores.js";

/** docs/api.md is the OpenAPI document rendered: regenerate it with `npm run docs:api`. */
let t: TestDeployment;
beforeAll(async () => {
  t = await testDeployment("sqlite");
});
afterAll(async () => t?.cleanup());

it("keeps docs/api.md the rendering of the API's OpenAPI document", async () => {
  const app = buildApp(
    { home: t.home, store: t.store, jobs: new JobRunner(t.home, t.store, undefined, []) },
    serverAppOptions(t.home, { logger: createLogger({ level: "silent" }) }).app,
  );
  const doc = await openApiDocument(app);
  const written = readFileSync(join(import.meta.dirname, "../docs/api.md"), "utf8");
  expect(written, "docs/api.md is stale: run `npm run docs:api`").toBe(renderApiReference(doc));
  for (const path of Object.keys(doc.paths)) expect(written).toContain(`\`${path}\``);
});
