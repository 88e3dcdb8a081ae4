// Writes docs/api.md from the API's OpenAPI document: `npm run docs:api`.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { initHome } from "../home/home.js";
import { JobRunner } from "../jobs/runner.js";
import { openControlStore } from "../store/control-store.js";
import { openApiDocument, renderApiReference } from "./api-reference.js";
import { buildApp } from "./app.js";
import { createLogger } from "./observability/logger.js";
import { serverAppOptions } from "./server-options.js";

const dir = mkdtempSync(join(tmpdir(), "kaivo-api-doc-"));
try {
  const { home } = initHome(join(dir, "home"), {});
  const store = await openControlStore(home);
  const app = buildApp(
    { home, store, jobs: new JobRunner(home, store, undefined, []) },
    serverAppOptions(home, { logger: createLogger({ level: "silent" }) }).app,
  );
  const out = join(import.meta.dirname, "../../docs/api.md");
  writeFileSync(out, renderApiReference(await openApiDocument(app)));
  await store.close();
  process.stdout.write(`wrote ${out}\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
