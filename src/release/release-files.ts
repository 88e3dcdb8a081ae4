import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { auditedWrite } from "../audit/append.js";
import type { Ctx } from "../permits/permit.js";
import { crashPoint } from "../shared/crash-point.js";
import { permitFolderName, stagingPid } from "./folder.js";

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Staging folders of a permit's releases under `base` (any release number, any process). */
function stagingFoldersOf(base: string, permitId: string): Array<{ path: string; pid: number }> {
  if (!existsSync(base)) return [];
  const pattern = new RegExp(
    `^\\.staging-${escapeRegex(permitFolderName(permitId))}-r\\d+-(\\d+)$`,
  );
  return readdirSync(base).flatMap((name) => {
    const m = pattern.exec(name);
    return m ? [{ path: join(base, name), pid: Number(m[1]) }] : [];
  });
}
const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The checksum `writeChecksums` returned for a folder, read back from its SHA256SUMS. */
function checksumOf(dir: string): string | undefined {
  const file = join(dir, "SHA256SUMS");
  if (!existsSync(file)) return undefined;
  const text = readFileSync(file, "utf8").replace(/\n$/, "");
  return createHash("sha256").update(text).digest("hex");
}

/**
 * Finishes what a killed `release create` left: a release recorded (status `publishing`, audited)
 * whose staging folder was not yet moved into place is moved now; one whose files are gone is
 * marked failed, on the audit log. Staging folders of runs that died before recording are removed.
 */
export async function completeReleases(ctx: Ctx, permitId: string, base: string): Promise<void> {
  const pending = await ctx.store.db
    .selectFrom("releases")
    .selectAll()
    .where("permit_id", "=", permitId)
    .where("status", "=", "publishing")
    .execute();
  for (const r of pending) {
    if (!existsSync(r.path) && existsSync(dirname(r.path))) {
      const staged = readdirSync(dirname(r.path)).flatMap((name) => {
        const pid = stagingPid(r.path, name);
        const dir = join(dirname(r.path), name);
        return pid !== undefined && checksumOf(dir) === r.checksum ? [{ dir, pid }] : [];
      });
      // A release another running process recorded a moment ago is that process's to publish.
      if (staged.some((s) => s.pid !== process.pid && isRunning(s.pid))) continue;
      const orphan = staged[0];
      if (orphan) renameSync(orphan.dir, r.path);
    }
    if (existsSync(r.path))
      await ctx.store.db
        .updateTable("releases")
        .set({ status: "published" })
        .where("id", "=", r.id)
        .execute();
    else
      await auditedWrite(
        ctx.store,
        ctx.actor,
        {
          action: "release.failed",
          target: `release:${r.id}`,
          details: { permit: permitId, reason: "its staged files were lost before publication" },
        },
        (db) =>
          db.updateTable("releases").set({ status: "failed" }).where("id", "=", r.id).execute(),
      );
  }
  for (const s of stagingFoldersOf(base, permitId))
    if (s.pid !== process.pid && !isRunning(s.pid))
      rmSync(s.path, { recursive: true, force: true });
}

/**
 * A closed or expired permit's releases: their folders (and any staging folder) are deleted, then
 * marked deleted with one `release.deleted` entry (paths relative to the home). Deleting is
 * idempotent, so a rerun after a kill -9 finishes it.
 */
export async function deleteReleases(
  ctx: Ctx,
  permitId: string,
  step: "close" | "expire",
): Promise<number> {
  const rows = await ctx.store.db
    .selectFrom("releases")
    .select(["id", "path"])
    .where("permit_id", "=", permitId)
    .where("status", "!=", "deleted")
    .orderBy("number")
    .execute();
  const bases = new Set([join(ctx.home.dir, "releases"), ...rows.map((r) => dirname(r.path))]);
  for (const r of rows) rmSync(r.path, { recursive: true, force: true });
  for (const base of bases)
    for (const s of stagingFoldersOf(base, permitId))
      rmSync(s.path, { recursive: true, force: true });
  crashPoint(`${step}:after-files-deleted`);
  if (rows.length === 0) return 0;
  await auditedWrite(
    ctx.store,
    ctx.actor,
    {
      action: "release.deleted",
      target: `permit:${permitId}`,
      details: {
        releases: rows.length,
        paths: rows.map((r) => relative(ctx.home.dir, r.path)),
        because: step === "close" ? "permit closed" : "permit expired",
      },
    },
    (db) =>
      db
        .updateTable("releases")
        .set({ status: "deleted" })
        .where("permit_id", "=", permitId)
        .where("status", "!=", "deleted")
        .execute(),
  );
  return rows.length;
}
