import { relative } from "node:path";
import { appendAudit } from "../audit/append.js";
import { SYSTEM_ACTOR } from "../auth/roles.js";
import { bootstrapAdmin, type User } from "../auth/users.js";
import { type ControlStore, openControlStore } from "../store/control-store.js";
import { initHome } from "./home.js";
import { readOnlyHomeError, readOnlyReason } from "./read-only.js";

export interface InitDeploymentResult {
  homeDir: string;
  /** Files and folders created, relative to the home. */
  created: string[];
  store: ControlStore;
  /** The first admin, when this call created it. */
  admin: User | null;
}

/**
 * Creates (or completes) a deployment: home, keys, migrated control store and first admin.
 * Running it on an existing deployment changes nothing. The caller closes the returned store.
 */
export async function initDeployment(
  homeDir: string,
  adminName: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<InitDeploymentResult> {
  const { home, created } = initHome(homeDir, env);
  const readOnly = readOnlyReason(home);
  if (readOnly) throw readOnlyHomeError(home, readOnly);
  const store = await openControlStore(home);
  try {
    const createdInHome = created.map((path) => relative(home.dir, path) || ".");
    if (created.length > 0) {
      await appendAudit(store, SYSTEM_ACTOR, {
        action: "home.init",
        details: { created: createdInHome },
      });
    }
    const admin = await bootstrapAdmin(store, adminName);
    return { homeDir: home.dir, created: createdInHome, store, admin };
  } catch (error) {
    await store.close();
    throw error;
  }
}
