import { readFileSync } from "node:fs";
import { Command } from "commander";
import { registerAudit } from "./commands/audit.js";
import { registerCatalog } from "./commands/catalog.js";
import { registerCohort } from "./commands/cohort.js";
import { registerDemo } from "./commands/demo.js";
import { registerFetch } from "./commands/fetch.js";
import { registerIngest } from "./commands/ingest.js";
import { registerInit } from "./commands/init.js";
import { registerJob } from "./commands/job.js";
import { registerLogin } from "./commands/login.js";
import { registerPermits } from "./commands/permit.js";
import { registerServe } from "./commands/serve.js";
import { registerStatus } from "./commands/status.js";
import { registerSynth } from "./commands/synth.js";
import { registerToken } from "./commands/token.js";
import { registerUser } from "./commands/user.js";
import { registerView } from "./commands/view.js";
import { registerWorkspace } from "./commands/workspace.js";
import { guardMode } from "./mode.js";

const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
  version: string;
};

/** Every `kaivo` command, unparsed: main.ts runs it, tests walk it. */
export function buildProgram(): Command {
  const program = new Command()
    .name("kaivo")
    .description("Kaivo: a research data service for secondary use of hospital health data")
    .version(pkg.version)
    .option("--as <user>", "act as this user, in direct mode (default: $KAIVO_USER)")
    .showHelpAfterError()
    .exitOverride()
    // Logged in, commands run on the server: host-only ones (and any not converted) are refused
    // here, once.
    .hook("preAction", (_program, actionCommand) => guardMode(actionCommand));
  registerDemo(program);
  registerInit(program);
  registerStatus(program);
  registerUser(program);
  registerAudit(program);
  registerSynth(program);
  registerView(program);
  registerIngest(program);
  registerFetch(program);
  registerCatalog(program);
  registerCohort(program);
  registerPermits(program);
  registerServe(program);
  registerToken(program);
  registerLogin(program);
  registerJob(program);
  registerWorkspace(program);
  return program;
}
