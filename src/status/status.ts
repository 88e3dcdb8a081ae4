import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { countAudit, verifyChain } from "../audit/log.js";
import { authorize } from "../auth/permissions.js";
import type { Actor, Role } from "../auth/roles.js";
import { countUsersByRole } from "../auth/users.js";
import { type Home, homeKeySources } from "../home/home.js";
import { LAKE_MARKER } from "../lake/lake-file.js";
import { type ControlStore, type MigrationState, migrationState } from "../store/control-store.js";

export interface KeyStatus {
  name: string;
  source: "env" | "file";
  file?: string;
  /** Octal permission bits of the key file, e.g. "0600". */
  mode?: string;
  /** The audit signing key's public key id (a fingerprint; the key itself is never shown). */
  publicKeyId?: string;
}

export interface StatusReport {
  home: string;
  configFile: string;
  controlStore: { dialect: string; location: string; migrations: MigrationState };
  keys: KeyStatus[];
  /** The lake and the vault: where they are, whether they exist yet, their size (and the vault's mode). */
  files: Array<{
    name: "lake" | "vault";
    file: string;
    present: boolean;
    /** The lake is missing though the home had one: Kaivo refuses to recreate it. */
    lost?: boolean;
    bytes?: number;
    mode?: string;
  }>;
  users: { total: number; byRole: Record<Role, number> };
  audit: {
    entries: number;
    chainOk: boolean;
    problem?: string;
    /** The latest signed checkpoint, unverified against the chain (that is `audit verify`). */
    checkpoint: { file: string; seq: number; time: string } | null;
  };
}

/** Health of a deployment. Names where keys live, never their contents. */
export async function getStatus(
  home: Home,
  store: ControlStore,
  actor: Actor,
): Promise<StatusReport> {
  await authorize(store, actor, "status.read");
  const byRole = await countUsersByRole(store);
  const chain = await verifyChain(store);
  const latest = await store.checkpoints?.latest();
  return {
    home: home.dir,
    configFile: home.configFile,
    controlStore: {
      dialect: store.dialect,
      location: store.location,
      migrations: await migrationState(store),
    },
    keys: homeKeySources(home).map((k) => ({
      name: k.name,
      source: k.source,
      ...(k.file
        ? { file: k.file, mode: (statSync(k.file).mode & 0o777).toString(8).padStart(4, "0") }
        : {}),
      ...(k.name === "audit-signing" && store.checkpoints
        ? { publicKeyId: store.checkpoints.key.keyId }
        : {}),
    })),
    files: (["lake", "vault"] as const).map((name) => {
      const file = join(home.dir, name === "lake" ? "lake.duckdb" : "vault.sqlite");
      if (!existsSync(file))
        return name === "lake" && existsSync(join(home.dir, LAKE_MARKER))
          ? { name, file, present: false, lost: true }
          : { name, file, present: false };
      const stat = statSync(file);
      return {
        name,
        file,
        present: true,
        bytes: stat.size,
        mode: (stat.mode & 0o777).toString(8).padStart(4, "0"),
      };
    }),
    users: { total: Object.values(byRole).reduce((a, b) => a + b, 0), byRole },
    audit: {
      entries: chain.ok ? chain.entries : await countAudit(store),
      chainOk: chain.ok,
      ...(chain.ok ? {} : { problem: chain.message }),
      checkpoint:
        store.checkpoints && latest
          ? { file: store.checkpoints.settings.file, seq: latest.seq, time: latest.time }
          : null,
    },
  };
}
