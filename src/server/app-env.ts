import type { Actor } from "../auth/roles.js";
import type { Home } from "../home/home.js";
import type { JobRunner } from "../jobs/runner.js";
import type { ControlStore } from "../store/control-store.js";

/** What every route and middleware of the server can reach: the home it serves and its control store. */
export interface ServerDeps {
  home: Home;
  store: ControlStore;
  /** The server's job runner: everything that writes the lake goes through it. */
  jobs: JobRunner;
}

/** How the request was authenticated; set by the authentication middleware. */
export type Credential =
  | { kind: "session"; sessionId: string; csrfToken: string; secondFactor: boolean }
  | { kind: "token"; tokenId: string; expiresAt: string };

/** Hono's environment for Kaivo's routes: the variables middleware sets on the context. */
export interface AppEnv {
  Variables: {
    deps: ServerDeps;
    requestId: string;
    /** Set once the request is authenticated; routes that need a user read it with `actorOf`. */
    actor?: Actor;
    credential?: Credential;
    /** Seconds until a rate-limited caller may try again, for an error page to say. */
    retryAfter?: string;
  };
}
