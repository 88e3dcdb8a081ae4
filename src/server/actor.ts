import type { Context } from "hono";
import type { Actor } from "../auth/roles.js";
import type { AppEnv, ServerDeps } from "./app-env.js";
import { HttpError } from "./errors.js";

/** The authenticated user of the request, or a 401 that says how to log in. */
export function actorOf(c: Context<AppEnv>): Actor {
  const actor = c.get("actor");
  if (!actor)
    throw new HttpError(
      401,
      "Log in first.",
      "Use a session (POST /api/auth/login) or an API token (Authorization: Bearer ...).",
    );
  return actor;
}

/** What a service call needs: the home, the control store and the authenticated actor. */
export function serviceCtx(c: Context<AppEnv>): ServerDeps & { actor: Actor } {
  return { ...c.get("deps"), actor: actorOf(c) };
}
