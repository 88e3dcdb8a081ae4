import { z } from "zod";
import { auditedWrite } from "../audit/append.js";
import { ConflictError, NotFoundError, ValidationError } from "../shared/errors.js";
import type { ControlStore } from "../store/control-store.js";
import { authorize } from "./permissions.js";
import { type Actor, type AuditActor, isRole, ROLES, type Role, SYSTEM_ACTOR } from "./roles.js";

export interface User {
  name: string;
  role: Role;
  createdAt: string;
  createdBy: string;
}

/** Account names, not people's names: short, lower-case, safe in logs and paths. */
const UserName = z
  .string()
  .regex(
    /^[a-z][a-z0-9._-]{1,63}$/,
    "use 2-64 characters: a-z first, then a-z, 0-9, '.', '_' or '-'",
  )
  .refine((name) => name !== SYSTEM_ACTOR.name, `"${SYSTEM_ACTOR.name}" is reserved`);

/** Whether `name` can be a Kaivo account name. */
export function isValidUserName(name: string): boolean {
  return UserName.safeParse(name).success;
}

function checkName(name: string): string {
  const parsed = UserName.safeParse(name);
  if (!parsed.success) {
    throw new ValidationError(
      `Invalid user name: ${parsed.error.issues[0]?.message ?? "invalid"}.`,
    );
  }
  return parsed.data;
}

function checkRole(role: string): Role {
  if (!isRole(role))
    throw new ValidationError(`Unknown role "${role}". Roles: ${ROLES.join(", ")}.`);
  return role;
}

export async function addUser(
  store: ControlStore,
  actor: Actor,
  input: { name: string; role: string },
): Promise<User> {
  await authorize(store, actor, "user.add");
  return insertUser(store, actor, checkName(input.name), checkRole(input.role));
}

export async function listUsers(store: ControlStore, actor: Actor): Promise<User[]> {
  await authorize(store, actor, "user.list");
  const rows = await store.db.selectFrom("users").selectAll().orderBy("name").execute();
  return rows.map((row) => ({
    name: row.name,
    role: checkRole(row.role),
    createdAt: row.created_at,
    createdBy: row.created_by,
  }));
}

/**
 * Creates the first admin of a new deployment. Only possible while there are no users, so it
 * cannot be used to mint an admin later.
 */
export async function bootstrapAdmin(store: ControlStore, name: string): Promise<User | null> {
  try {
    return await insertUser(store, SYSTEM_ACTOR, checkName(name), "admin", { onlyIfFirst: true });
  } catch (error) {
    if (error instanceof AlreadyBootstrapped) return null;
    throw error;
  }
}

class AlreadyBootstrapped extends Error {}

async function insertUser(
  store: ControlStore,
  creator: AuditActor,
  name: string,
  role: Role,
  options: { onlyIfFirst?: boolean } = {},
): Promise<User> {
  const user: User = { name, role, createdAt: new Date().toISOString(), createdBy: creator.name };
  const event = { action: "user.add", target: `user:${name}`, details: { role } };
  await auditedWrite(store, creator, event, async (db) => {
    // Checked under the audit lock, so two concurrent inits cannot both create an admin.
    if (options.onlyIfFirst && (await db.selectFrom("users").select("name").executeTakeFirst())) {
      throw new AlreadyBootstrapped();
    }
    const inserted = await db
      .insertInto("users")
      .values({ name, role, created_at: user.createdAt, created_by: user.createdBy })
      .onConflict((oc) => oc.column("name").doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) {
      throw new ConflictError(`User "${name}" already exists.`);
    }
  });
  return user;
}

/**
 * Who is acting, for the CLI and the server. Unknown names are refused: every action must be
 * attributable to an account.
 */
export async function resolveActor(store: ControlStore, name: string | undefined): Promise<Actor> {
  if (!name) {
    throw new ValidationError(
      "Say who you are: pass --as NAME or set KAIVO_USER.",
      "`kaivo init` printed the first admin's name; an admin can add more with `kaivo user add`.",
    );
  }
  const row = await store.db
    .selectFrom("users")
    .select(["name", "role"])
    .where("name", "=", name)
    .executeTakeFirst();
  if (!row) {
    throw new NotFoundError(
      `Unknown user "${name}".`,
      "Check --as or KAIVO_USER; an admin can list accounts with `kaivo user list`.",
    );
  }
  return { name: row.name, role: checkRole(row.role) };
}

export async function countUsersByRole(store: ControlStore): Promise<Record<Role, number>> {
  const rows = await store.db
    .selectFrom("users")
    .select(["role", (eb) => eb.fn.countAll().as("n")])
    .groupBy("role")
    .execute();
  const counts = Object.fromEntries(ROLES.map((r) => [r, 0])) as Record<Role, number>;
  for (const row of rows) if (isRole(row.role)) counts[row.role] = Number(row.n);
  return counts;
}
