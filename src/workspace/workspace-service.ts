import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { appendAudit } from "../audit/append.js";
import { authorize } from "../auth/permissions.js";
import { refuseWhileServed } from "../home/server-lock.js";
import { containsHetuLike } from "../identity/hetu.js";
import { type Ctx, findPermit, type Permit, permitFromRow } from "../permits/permit.js";
import { permitFolderName } from "../release/folder.js";
import { ConflictError, ForbiddenError } from "../shared/errors.js";
import type { ChildRequest } from "./protocol.js";
import {
  runInSandbox,
  type SandboxResult,
  SandboxUnavailableError,
  WorkspaceQueryError,
} from "./sandbox.js";

export interface WorkspaceSqlResult extends SandboxResult {
  permit: string;
  release: string;
  rowCount: number;
  milliseconds: number;
}

export interface WorkspaceInfo {
  permit: string;
  title: string;
  release: string | null;
  tables: string[];
}

/** A released table's file: `data/<registry>.<table>.<format>`, both Kaivo identifiers. */
const TABLE_FILE =
  /^([A-Za-z_][A-Za-z0-9_]{0,127})\.([A-Za-z_][A-Za-z0-9_]{0,127})\.(parquet|csv)$/;

/** The release's tables: its Parquet files, or its CSV files where a permit gave no Parquet. */
function releaseTables(releaseDir: string): ChildRequest["tables"] {
  const dir = join(releaseDir, "data");
  if (!existsSync(dir)) return [];
  const found = new Map<string, ChildRequest["tables"][number]>();
  for (const file of readdirSync(dir).sort()) {
    const m = TABLE_FILE.exec(file);
    if (!m?.[1] || !m[2]) continue;
    const table = { schema: m[1], name: m[2], format: m[3] as "parquet" | "csv" };
    const key = `${table.schema}.${table.name}`;
    if (table.format === "parquet" || !found.has(key)) found.set(key, table);
  }
  return [...found.values()];
}

/** The workspace is the team's: the applicant, the principal investigator and the team. */
export const onTeam = (p: Permit, name: string) =>
  p.applicant === name || p.principalInvestigator === name || p.team.includes(name);

async function latestRelease(ctx: Ctx, permitId: string) {
  return ctx.store.db
    .selectFrom("releases")
    .select(["id", "path"])
    .where("permit_id", "=", permitId)
    .where("status", "=", "published")
    .orderBy("number", "desc")
    .executeTakeFirst();
}

type Refusal = "not-on-team" | "not-active" | "no-release";

async function refuse(
  ctx: Ctx,
  id: string,
  action: string,
  reason: Refusal,
  error: Error,
): Promise<never> {
  await appendAudit(ctx.store, ctx.actor, {
    action: "access.denied",
    // An id typed by the actor is user input: one shaped like an identity code stays off the log.
    target: containsHetuLike(id) ? null : `permit:${id}`,
    details: { permission: "workspace.use", action, reason },
  });
  throw error;
}

/** A workspace a team member may use: an active permit naming them, and its latest release. */
export interface OpenWorkspace {
  permit: Permit;
  release: { id: string; path: string };
  /** `<home>/workspaces/<permit>`, 0700. */
  dir: string;
}

/**
 * The checks every workspace action makes: the role, the server lock, the actor on the permit's
 * team, the permit active, a finished release. Each refusal is audited as `access.denied` with
 * the action it refused.
 */
export async function openWorkspace(
  ctx: Ctx,
  permitId: string,
  action: string,
): Promise<OpenWorkspace> {
  await authorize(ctx.store, ctx.actor, "workspace.use");
  // Served, the server is the one process that acts on the home (decision 009).
  refuseWhileServed(ctx.home);
  const permit = await findPermit(ctx.store, permitId);
  // A permit the actor is not on is answered as one that does not exist: a refusal tells nothing.
  if (!permit || !onTeam(permit, ctx.actor.name))
    return refuse(
      ctx,
      permitId,
      action,
      "not-on-team",
      new ForbiddenError(
        `No permit ${permitId} with ${ctx.actor.name} on its team.`,
        "See `kaivo workspace list` for the workspaces you may use.",
      ),
    );
  const today = new Date().toISOString().slice(0, 10);
  if (permit.status !== "active" || permit.validUntil < today)
    return refuse(
      ctx,
      permitId,
      action,
      "not-active",
      new ConflictError(
        `Permit ${permitId} is ${permit.status === "active" ? `past its date (${permit.validUntil})` : permit.status}: its workspace is open only while the permit is active.`,
      ),
    );
  const release = await latestRelease(ctx, permitId);
  if (!release || !existsSync(release.path))
    return refuse(
      ctx,
      permitId,
      action,
      "no-release",
      new ConflictError(
        `Permit ${permitId} has no finished release yet: its workspace holds the release's data.`,
        "A steward makes one (`kaivo release create`).",
      ),
    );
  const dir = join(ctx.home.dir, "workspaces", permitFolderName(permitId));
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return { permit, release, dir };
}

/**
 * Runs SQL in a fresh sandboxed process over an open workspace's release, and audits the run as
 * `action` with the SQL's hash and size, the row count, the duration and the outcome, never a
 * value, plus `details`.
 */
export async function runInWorkspace(
  ctx: Ctx,
  ws: OpenWorkspace,
  sqlText: string,
  action: string,
  details: Record<string, string | number> = {},
): Promise<WorkspaceSqlResult> {
  const scratch = mkdtempSync(join(ws.dir, "scratch-"));
  const started = performance.now();
  let outcome = "ok";
  let result: SandboxResult | undefined;
  try {
    result = await runInSandbox({
      releaseDir: ws.release.path,
      scratchDir: scratch,
      tables: releaseTables(ws.release.path),
      sql: sqlText,
      limits: ctx.home.config.workspace,
    });
    return {
      permit: ws.permit.id,
      release: ws.release.id,
      ...result,
      rowCount: result.rows.length,
      milliseconds: Math.round(performance.now() - started),
    };
  } catch (error) {
    outcome =
      error instanceof WorkspaceQueryError
        ? error.outcome
        : error instanceof SandboxUnavailableError
          ? "sandbox-unavailable"
          : "error";
    throw error;
  } finally {
    // Spilled rows are the release's data: nothing of a run stays behind.
    rmSync(scratch, { recursive: true, force: true });
    await appendAudit(ctx.store, ctx.actor, {
      action,
      target: `permit:${ws.permit.id}`,
      details: {
        release: ws.release.id,
        sqlSha256: sqlSha256(sqlText),
        sqlBytes: Buffer.byteLength(sqlText),
        rows: result?.rows.length ?? 0,
        milliseconds: Math.round(performance.now() - started),
        outcome,
        ...details,
      },
    });
  }
}

export const sqlSha256 = (sqlText: string) => createHash("sha256").update(sqlText).digest("hex");

/**
 * `kaivo workspace sql PERMIT`: the SQL runs in a fresh sandboxed process over the permit's
 * latest published release, for a team member of an active permit only. Results are row level
 * and pseudonymized: they go to that member and nowhere else. The audit entry holds the SQL's
 * hash and size, the row count, the duration and the outcome, never a value.
 */
export async function runWorkspaceSql(
  ctx: Ctx,
  permitId: string,
  sqlText: string,
): Promise<WorkspaceSqlResult> {
  const ws = await openWorkspace(ctx, permitId, "workspace.sql");
  return runInWorkspace(ctx, ws, sqlText, "workspace.sql");
}

/** `kaivo workspace list`: the active permits the actor is on, with the release each holds. */
export async function listWorkspaces(ctx: Ctx): Promise<WorkspaceInfo[]> {
  await authorize(ctx.store, ctx.actor, "workspace.use");
  const today = new Date().toISOString().slice(0, 10);
  const out: WorkspaceInfo[] = [];
  const rows = await ctx.store.db.selectFrom("permits").selectAll().orderBy("id").execute();
  for (const p of rows.map(permitFromRow)) {
    if (p.status !== "active" || p.validUntil < today || !onTeam(p, ctx.actor.name)) continue;
    const release = await latestRelease(ctx, p.id);
    out.push({
      permit: p.id,
      title: p.title,
      release: release?.id ?? null,
      tables: release ? releaseTables(release.path).map((t) => `${t.schema}.${t.name}`) : [],
    });
  }
  return out;
}
