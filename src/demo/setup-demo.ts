import { existsSync } from "node:fs";
import { join } from "node:path";
import { verifyChain } from "../audit/log.js";
import type { Actor } from "../auth/roles.js";
import { addUser, resolveActor } from "../auth/users.js";
import { initDeployment } from "../home/deployment.js";
import { openHome } from "../home/home.js";
import { ingest, lakeTables } from "../ingest/ingest-service.js";
import type { LoadReport } from "../ingest/report.js";
import type { TableInfo } from "../lake/lake.js";
import { NotFoundError } from "../shared/errors.js";
import { DEFAULT_SYNTH_OPTIONS, runSynth } from "../synth/synth.js";
import { type DemoLogin, demoLoginsFile, ensureDemoLogins } from "./demo-logins.js";
import { type DemoRelease, demoRelease } from "./demo-permit.js";

export const DEMO_PEOPLE = 2000;

export interface DemoResult {
  homeDir: string;
  created: string[];
  storeLocation: string;
  adminCreated: boolean;
  usersCreated: string[];
  dataDir: string;
  generated: boolean;
  loads: LoadReport[];
  tables: TableInfo[];
  release: DemoRelease;
  audit: { entries: number; ok: boolean };
  /** Passwords made by this run (shown once) and the file that keeps them. */
  logins: { file: string; created: DemoLogin[] };
}

/**
 * A demo deployment: the home, a steward, an auditor, a researcher and a reviewer, synthetic data
 * for 2 000 people with two daily increments ingested into the lake, and an example permit taken
 * from application to a finished release. Running it again reuses what exists.
 */
export async function setUpDemo(homeDir: string): Promise<DemoResult> {
  const init = await initDeployment(homeDir, "admin");
  const { store } = init;
  try {
    const home = openHome(homeDir);
    const admin = await resolveActor(store, "admin");
    const usersCreated: string[] = [];
    const ensure = async (name: string, role: string): Promise<Actor> => {
      try {
        return await resolveActor(store, name);
      } catch (error) {
        if (!(error instanceof NotFoundError)) throw error;
        await addUser(store, admin, { name, role });
        usersCreated.push(`${name} (${role})`);
        return resolveActor(store, name);
      }
    };
    const steward = await ensure("stina", "steward");
    const auditor = await ensure("aino", "auditor");
    const researcher = await ensure("riku", "researcher");
    const reviewer = await ensure("reija", "reviewer");
    const logins = await ensureDemoLogins(home, store, admin, [
      researcher,
      reviewer,
      steward,
      auditor,
      admin,
    ]);
    const dataDir = join(homeDir, "demo-data");
    const generated = !existsSync(join(dataDir, "fhir", "manifest.json"));
    if (generated) {
      await runSynth({
        ...DEFAULT_SYNTH_OPTIONS,
        patients: DEMO_PEOPLE,
        seed: 1,
        days: 2,
        dirty: 0.01,
        out: dataDir,
      });
    }
    const loads = await ingest({ home, store, actor: steward }, dataDir, { source: "ehr" });
    const tables = await lakeTables({ home, store, actor: steward });
    const release = await demoRelease(home, store, { researcher, reviewer, steward });
    const chain = await verifyChain(store);
    return {
      homeDir: init.homeDir,
      created: init.created,
      storeLocation: store.location,
      adminCreated: init.admin !== null,
      usersCreated,
      dataDir,
      generated,
      loads,
      tables,
      release,
      audit: { entries: chain.entries, ok: chain.ok },
      logins: { file: demoLoginsFile(home), created: logins },
    };
  } finally {
    await store.close();
  }
}
