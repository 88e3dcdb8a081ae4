/**
 * What a permit's team makes in its workspace and may later ask to take out: analysis results
 * (an analysis of src/workspace/analysis over a query run in the sandbox) and free files. Each is
 * a file in `<home>/workspaces/<permit>/outputs/` (0600) with a row in `workspace_outputs` holding
 * its SHA-256; nothing here leaves the workspace: output requests (src/outputs/) do that.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { extname, join } from "node:path";
import { z } from "zod";
import { auditedWrite } from "../audit/append.js";
import { containsHetuLike } from "../identity/hetu.js";
import type { Ctx } from "../permits/permit.js";
import { NotFoundError, ValidationError } from "../shared/errors.js";
import type { WorkspaceOutputsTable } from "../store/schema.js";
import { type AnalysisResult, type AnalysisSpec, analyse } from "./analysis/analyses.js";
import { openWorkspace, runInWorkspace, sqlSha256 } from "./workspace-service.js";

const column = z.string().min(1).max(128);
const confidence = z.number().gt(0).lt(1).optional();

/** An analysis as a researcher asks for it: the SQL that gives its rows, and what to compute. */
export const AnalysisRequestSchema = z.strictObject({
  name: z.string().min(1).max(200),
  sql: z.string().min(1).max(100_000),
  analysis: z.discriminatedUnion("kind", [
    z.strictObject({ kind: z.literal("frequency"), variables: z.array(column).min(1).max(4) }),
    z.strictObject({
      kind: z.literal("summary"),
      variable: column,
      by: column.optional(),
      quantiles: z.array(z.number().min(0).max(1)).max(20).optional(),
    }),
    z.strictObject({
      kind: z.literal("histogram"),
      variable: column,
      breaks: z.array(z.number()).min(2).max(200),
    }),
    z.strictObject({
      kind: z.literal("survival"),
      time: column,
      event: column,
      by: column.optional(),
      confidence,
    }),
    z.strictObject({
      kind: z.literal("linear"),
      outcome: column,
      predictors: z.array(column).min(1).max(50),
      confidence,
    }),
    z.strictObject({
      kind: z.literal("logistic"),
      outcome: column,
      predictors: z.array(column).min(1).max(50),
      confidence,
    }),
  ]),
});
export type AnalysisRequest = z.infer<typeof AnalysisRequestSchema>;

/** What an analysis output's file holds. */
export interface AnalysisFile {
  format: "kaivo.workspace.analysis.v1";
  name: string;
  permit: string;
  release: string;
  sqlSha256: string;
  analysis: AnalysisSpec;
  result: AnalysisResult;
}

export interface WorkspaceOutput {
  id: string;
  permit: string;
  number: number;
  name: string;
  kind: string;
  mediaType: string;
  sha256: string;
  bytes: number;
  release: string | null;
  createdBy: string;
  createdAt: string;
}

export const outputFromRow = (r: WorkspaceOutputsTable): WorkspaceOutput => ({
  id: r.id,
  permit: r.permit_id,
  number: r.number,
  name: r.name,
  kind: r.kind,
  mediaType: r.media_type,
  sha256: r.sha256,
  bytes: r.bytes,
  release: r.release_id,
  createdBy: r.created_by,
  createdAt: r.created_at,
});

export const outputsDir = (workspaceDir: string) => join(workspaceDir, "outputs");

const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

/** A name is the researcher's words: never one shaped like an identity code (it is logged). */
function checkName(name: string): void {
  if (containsHetuLike(name))
    throw new ValidationError("An output's name may not contain an identity code.");
}

async function saveOutput(
  ctx: Ctx,
  ws: Awaited<ReturnType<typeof openWorkspace>>,
  o: {
    name: string;
    kind: string;
    mediaType: string;
    ext: string;
    bytes: Buffer;
    sqlSha256: string | null;
  },
): Promise<WorkspaceOutput> {
  const dir = outputsDir(ws.dir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const digest = sha256(o.bytes);
  const { result } = await auditedWrite(
    ctx.store,
    ctx.actor,
    {
      action: "workspace.output",
      target: `permit:${ws.permit.id}`,
      details: { kind: o.kind, sha256: digest, bytes: o.bytes.length, release: ws.release.id },
    },
    async (db) => {
      const last = await db
        .selectFrom("workspace_outputs")
        .select((eb) => eb.fn.max("number").as("n"))
        .where("permit_id", "=", ws.permit.id)
        .executeTakeFirst();
      const number = Number(last?.n ?? 0) + 1;
      const id = `${ws.permit.id}-o${number}`;
      const file = `o${number}${o.ext}`;
      writeFileSync(join(dir, file), o.bytes, { mode: 0o600 });
      const row: WorkspaceOutputsTable = {
        id,
        permit_id: ws.permit.id,
        number,
        name: o.name,
        kind: o.kind,
        media_type: o.mediaType,
        file,
        sha256: digest,
        bytes: o.bytes.length,
        release_id: ws.release.id,
        sql_sha256: o.sqlSha256,
        created_by: ctx.actor.name,
        created_at: new Date().toISOString(),
      };
      await db.insertInto("workspace_outputs").values(row).execute();
      return row;
    },
  );
  return outputFromRow(result);
}

/**
 * `kaivo workspace analyse PERMIT REQUEST.json`: runs the request's SQL in the sandbox (audited
 * as `workspace.analysis`), computes the analysis over its rows in this process, and keeps the
 * result as a workspace output (audited as `workspace.output`). The rows never leave this call.
 */
export async function runAnalysis(
  ctx: Ctx,
  permitId: string,
  input: unknown,
): Promise<{ output: WorkspaceOutput; result: AnalysisResult }> {
  const parsed = AnalysisRequestSchema.safeParse(input);
  if (!parsed.success)
    throw new ValidationError(
      `The analysis request is not valid: ${parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ")}.`,
      "See docs/workspace.md for the analyses and their fields.",
    );
  const request = parsed.data;
  checkName(request.name);
  const ws = await openWorkspace(ctx, permitId, "workspace.analysis");
  const rows = await runInWorkspace(ctx, ws, request.sql, "workspace.analysis", {
    kind: request.analysis.kind,
  });
  const result = analyse(rows, request.analysis as AnalysisSpec);
  const file: AnalysisFile = {
    format: "kaivo.workspace.analysis.v1",
    name: request.name,
    permit: permitId,
    release: ws.release.id,
    sqlSha256: sqlSha256(request.sql),
    analysis: request.analysis as AnalysisSpec,
    result,
  };
  const output = await saveOutput(ctx, ws, {
    name: request.name,
    kind: request.analysis.kind,
    mediaType: "application/json",
    ext: ".json",
    bytes: Buffer.from(`${JSON.stringify(file, null, 2)}\n`),
    sqlSha256: file.sqlSha256,
  });
  return { output, result };
}

const MEDIA_TYPES: Record<string, string> = {
  csv: "text/csv",
  txt: "text/plain",
  md: "text/markdown",
  svg: "image/svg+xml",
  png: "image/png",
  pdf: "application/pdf",
};

/**
 * `kaivo workspace output add PERMIT FILE`: a free file (a figure, a table the researcher made)
 * of an allowed type and size. Its content is judged by the output checkers: the automatic
 * checks can only say it needs review.
 */
export async function addWorkspaceFile(
  ctx: Ctx,
  permitId: string,
  file: { name: string; bytes: Buffer },
): Promise<WorkspaceOutput> {
  checkName(file.name);
  const ws = await openWorkspace(ctx, permitId, "workspace.output");
  const policy = ctx.home.config.outputChecks;
  const ext = extname(file.name).slice(1).toLowerCase();
  if (!(policy.fileTypes as string[]).includes(ext))
    throw new ValidationError(
      `A free output file must be one of ${policy.fileTypes.map((t) => `.${t}`).join(", ")} (outputChecks.fileTypes); ${file.name} is not.`,
    );
  if (file.bytes.length > policy.maxFileBytes)
    throw new ValidationError(
      `${file.name} is ${file.bytes.length} bytes, over the ${policy.maxFileBytes} an output file may be (outputChecks.maxFileBytes).`,
    );
  if (ext === "png" && !file.bytes.subarray(0, 8).equals(Buffer.from("89504e470d0a1a0a", "hex")))
    throw new ValidationError(`${file.name} is not a PNG image.`);
  if (ext === "pdf" && !file.bytes.subarray(0, 5).equals(Buffer.from("%PDF-")))
    throw new ValidationError(`${file.name} is not a PDF.`);
  if (["csv", "txt", "md", "svg"].includes(ext)) {
    const text = file.bytes.toString("utf8");
    if (Buffer.from(text, "utf8").length !== file.bytes.length || text.includes("\u0000"))
      throw new ValidationError(`${file.name} is not UTF-8 text.`);
    if (ext === "svg" && /<script|javascript:|<foreignObject/i.test(text))
      throw new ValidationError(
        `${file.name} holds script or embedded HTML, which an SVG output may not.`,
      );
  }
  return saveOutput(ctx, ws, {
    name: file.name,
    kind: "file",
    mediaType: MEDIA_TYPES[ext] ?? "application/octet-stream",
    ext: `.${ext}`,
    bytes: file.bytes,
    sqlSha256: null,
  });
}

/** `kaivo workspace output list PERMIT`: the outputs a workspace holds (the team only). */
export async function listWorkspaceOutputs(ctx: Ctx, permitId: string): Promise<WorkspaceOutput[]> {
  await openWorkspace(ctx, permitId, "workspace.output.list");
  const rows = await ctx.store.db
    .selectFrom("workspace_outputs")
    .selectAll()
    .where("permit_id", "=", permitId)
    .orderBy("number")
    .execute();
  return rows.map(outputFromRow);
}

/** An output's bytes, checked against the SHA-256 recorded when it was made. */
export function readOutputBytes(workspaceDir: string, row: WorkspaceOutputsTable): Buffer {
  const bytes = readFileSync(join(outputsDir(workspaceDir), row.file));
  if (sha256(bytes) !== row.sha256)
    throw new NotFoundError(
      `Output ${row.id}'s file has changed since it was made (its SHA-256 no longer matches).`,
      "Make the output again.",
    );
  return bytes;
}
