import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { ROLES } from "../../auth/roles.js";
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

/** `kaivo user list|add` (admins; auditors may list). Passwords and tokens are src/server/auth's. */
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
  return app;
}
