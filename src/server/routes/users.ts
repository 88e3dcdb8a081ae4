import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { ROLES } from "../../auth/roles.js";
import { endAllSessions } from "../../auth/sessions.js";
import { addUser, listUsers } from "../../auth/users.js";
import { actorOf } from "../actor.js";
import type { AppEnv } from "../app-env.js";
import { body, ERRORS, json } from "../schemas.js";

const User = z
  .object({
    name: z.string(),
    role: z.enum(ROLES),
    createdAt: z.string(),
    createdBy: z.string(),
  })
  .openapi("User");

/** `kaivo user list|add|logout` (admins; auditors may list; anyone may end their own sessions). Passwords and tokens are src/server/auth's. */
export function userRoutes(): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>();
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/users",
      summary: "User accounts and their roles",
      responses: { 200: json(z.object({ users: z.array(User) }), "Accounts"), ...ERRORS },
    }),
    async (c) => c.json({ users: await listUsers(c.get("deps").store, actorOf(c)) }, 200),
  );
  app.openapi(
    createRoute({
      method: "post",
      path: "/api/users",
      summary: "Add a user account with one role",
      request: body(
        z
          .object({
            name: z.string().min(1).max(64).openapi({ example: "stina" }),
            role: z.enum(ROLES),
          })
          .openapi("NewUser"),
      ),
      responses: { 201: json(User, "The account"), ...ERRORS },
    }),
    async (c) => c.json(await addUser(c.get("deps").store, actorOf(c), c.req.valid("json")), 201),
  );
  app.openapi(
    createRoute({
      method: "post",
      path: "/api/users/{name}/logout",
      summary: "End every session of a user at once (oneself, or an admin for anyone; audited)",
      request: {
        params: z.object({
          name: z
            .string()
            .min(1)
            .max(64)
            .openapi({ param: { name: "name", in: "path" }, example: "stina" }),
        }),
      },
      responses: {
        200: json(z.object({ sessions: z.number().int() }), "How many sessions ended"),
        ...ERRORS,
      },
    }),
    async (c) => {
      const { store } = c.get("deps");
      const sessions = await endAllSessions(
        store,
        actorOf(c),
        c.req.valid("param").name,
        new Date(),
      );
      return c.json({ sessions }, 200);
    },
  );
  return app;
}
