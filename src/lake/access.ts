import { authorize, type Permission } from "../auth/permissions.js";
import type { Actor } from "../auth/roles.js";
import type { Home } from "../home/home.js";
import type { ControlStore } from "../store/control-store.js";
import { Lake } from "./lake.js";

/** Authorises the actor, then runs `work` with the lake open, and closes it. */
export async function withLake<T>(
  ctx: { home: Home; store: ControlStore; actor: Actor },
  permission: Permission,
  work: (lake: Lake) => Promise<T>,
): Promise<T> {
  await authorize(ctx.store, ctx.actor, permission);
  const lake = await Lake.open(ctx.home);
  try {
    return await work(lake);
  } finally {
    lake.close();
  }
}
