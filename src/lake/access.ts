import { authorize, type Permission } from "../auth/permissions.js";
import type { Actor } from "../auth/roles.js";
import type { Home } from "../home/home.js";
import type { ControlStore } from "../store/control-store.js";
import { Lake, type LakeAccess } from "./lake.js";

/**
 * Authorises the actor, then runs `work` with the lake open, and closes it. The lake opens
 * read-only unless the caller asks to write: a query path cannot change the lake by mistake.
 */
export async function withLake<T>(
  ctx: { home: Home; store: ControlStore; actor: Actor },
  permission: Permission,
  work: (lake: Lake) => Promise<T>,
  access: LakeAccess = { readOnly: true },
): Promise<T> {
  await authorize(ctx.store, ctx.actor, permission);
  const lake = await Lake.open(ctx.home, access);
  try {
    return await work(lake);
  } finally {
    lake.close();
  }
}
