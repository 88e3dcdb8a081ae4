/**
 * Output requests (issue 19 items 4 to 6): a member of the permit's team picks workspace outputs
 * and gives context; the automatic checks (src/disclosure/output-checks.ts) judge each; two
 * output checkers (stewards, never on the permit's team) review independently, blinded to each
 * other until both have decided; an approved request is released as a signed bundle.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { z } from "zod";
import { appendAudit, auditedWrite } from "../audit/append.js";
import { canonicalJson } from "../audit/entry.js";
import { type AuditVerifyKey, auditSigningKey } from "../audit/signing-key.js";
import { authorize } from "../auth/permissions.js";
import {
  checkAnalysis,
  checkFreeFile,
  type OutputCheck,
  outputPolicyFrom,
  type ReleasedResult,
} from "../disclosure/output-checks.js";
import { homeKey } from "../home/home.js";
import { containsHetuLike } from "../identity/hetu.js";
import { type Ctx, findPermit, type Permit } from "../permits/permit.js";
import { permitFolderName } from "../release/folder.js";
import {
  ConflictError,
  ForbiddenError,
  KaivoError,
  NotFoundError,
  ValidationError,
} from "../shared/errors.js";
import type { OutputRequestsTable, WorkspaceOutputsTable } from "../store/schema.js";
import { releasable } from "../workspace/analysis/analyses.js";
import {
  type AnalysisFile,
  outputFromRow,
  readOutputBytes,
  type WorkspaceOutput,
} from "../workspace/workspace-outputs.js";
import { onTeam, openWorkspace } from "../workspace/workspace-service.js";

const text = (max: number) => z.string().trim().min(1).max(max);

export const OutputRequestSchema = z.strictObject({
  /** What the outputs are for, the population, anything a checker should know. */
  context: text(10_000),
  items: z
    .array(
      z.strictObject({
        output: text(200),
        /** What this output is: the population, the variables, the degrees of freedom. */
        context: text(10_000),
        /** Why an output that fails a check should still leave (ACRO's exception request). */
        exception: text(10_000).optional(),
      }),
    )
    .min(1)
    .max(200),
});
export type OutputRequestInput = z.infer<typeof OutputRequestSchema>;

export type RequestStatus =
  | "checks-failed"
  | "submitted"
  | "approved"
  | "changes-requested"
  | "rejected"
  | "released";

export type Decision = "approve" | "request-changes" | "reject";
export const DECISIONS: readonly Decision[] = ["approve", "request-changes", "reject"];

export interface OutputRequestItem {
  output: WorkspaceOutput;
  context: string;
  exception: string | null;
  check: OutputCheck;
}

export interface OutputReview {
  reviewer: string;
  decision: Decision;
  /** Absent where the reader may not see it (a private comment, seen by a researcher). */
  comment?: string;
  visibleToResearcher: boolean;
  at: string;
}

export interface OutputRequest {
  id: string;
  permit: string;
  requester: string;
  context: string;
  status: RequestStatus;
  policy: string;
  /** The automatic checks' overall outcome. */
  outcome: "pass" | "review" | "fail";
  createdAt: string;
  decidedAt: string | null;
  releasedAt: string | null;
  bundle: string | null;
  items: OutputRequestItem[];
  /** The reviews the reader may see: none of another checker's until both have decided. */
  reviews: OutputReview[];
  /** How many checkers have decided, always shown. */
  reviewsDone: number;
}

const worst = (checks: OutputCheck[]): "pass" | "review" | "fail" =>
  checks.some((c) => c.outcome === "fail")
    ? "fail"
    : checks.some((c) => c.outcome === "review")
      ? "review"
      : "pass";

/** The analysis results of the permit's released requests: what differencing compares with. */
async function releasedResults(ctx: Ctx, permitId: string, dir: string): Promise<ReleasedResult[]> {
  const rows = await ctx.store.db
    .selectFrom("output_request_items as i")
    .innerJoin("output_requests as r", "r.id", "i.request_id")
    .innerJoin("workspace_outputs as o", "o.id", "i.output_id")
    .selectAll("o")
    .where("r.permit_id", "=", permitId)
    .where("r.status", "=", "released")
    .where("o.kind", "!=", "file")
    .execute();
  return rows.map((o) => ({
    id: o.id,
    result: (JSON.parse(readOutputBytes(dir, o).toString("utf8")) as AnalysisFile).result,
  }));
}

/**
 * `kaivo workspace output request PERMIT REQUEST.json`: a team member asks for outputs to leave.
 * Each is checked now; a request where an output fails without an exception is kept as
 * `checks-failed` (the researcher sees why) and goes to no checker.
 */
export async function requestOutputs(
  ctx: Ctx,
  permitId: string,
  input: unknown,
): Promise<OutputRequest> {
  await authorize(ctx.store, ctx.actor, "output.request");
  const parsed = OutputRequestSchema.safeParse(input);
  if (!parsed.success)
    throw new ValidationError(
      `The output request is not valid: ${parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ")}.`,
      "Give {context, items: [{output, context, exception?}]}; see docs/workspace.md.",
    );
  const request = parsed.data;
  // The context is released with the outputs, in the signed record: never an identity code.
  const texts = [request.context, ...request.items.flatMap((i) => [i.context, i.exception ?? ""])];
  if (texts.some(containsHetuLike))
    throw new ValidationError("The request's context may not contain an identity code.");
  const ws = await openWorkspace(ctx, permitId, "output.request");
  const ids = request.items.map((i) => i.output);
  if (new Set(ids).size !== ids.length)
    throw new ValidationError("An output is named twice in the request.");
  const outputs = await ctx.store.db
    .selectFrom("workspace_outputs")
    .selectAll()
    .where("permit_id", "=", permitId)
    .where("id", "in", ids)
    .execute();
  const byId = new Map(outputs.map((o) => [o.id, o]));
  const missing = ids.filter((id) => !byId.has(id));
  if (missing.length)
    throw new NotFoundError(
      `No output ${missing.join(", ")} in the workspace of ${permitId}.`,
      `See \`kaivo workspace output list ${permitId}\`.`,
    );
  const policy = outputPolicyFrom(ctx.home.config);
  const released = await releasedResults(ctx, permitId, ws.dir);
  const checks = request.items.map((item) => {
    const o = byId.get(item.output) as WorkspaceOutputsTable;
    const bytes = readOutputBytes(ws.dir, o);
    if (o.kind === "file") return checkFreeFile(policy, o.name);
    const file = JSON.parse(bytes.toString("utf8")) as AnalysisFile;
    return checkAnalysis(policy, file.result, released);
  });
  const outcome = worst(checks);
  const unexcused = request.items.some(
    (item, k) => checks[k]?.outcome === "fail" && !item.exception,
  );
  const status: RequestStatus = unexcused ? "checks-failed" : "submitted";
  const now = new Date().toISOString();
  const { result: id } = await auditedWrite(
    ctx.store,
    ctx.actor,
    {
      action: "output.request",
      target: `permit:${permitId}`,
      details: { outputs: ids.length, outcome, status, policy: policy.version },
    },
    async (db) => {
      const last = await db
        .selectFrom("output_requests")
        .select((eb) => eb.fn.max("number").as("n"))
        .where("permit_id", "=", permitId)
        .executeTakeFirst();
      const number = Number(last?.n ?? 0) + 1;
      const requestId = `${permitId}-q${number}`;
      await db
        .insertInto("output_requests")
        .values({
          id: requestId,
          permit_id: permitId,
          number,
          requester: ctx.actor.name,
          context: request.context,
          status,
          policy_version: policy.version,
          outcome,
          created_at: now,
          decided_at: null,
          released_at: null,
          bundle: null,
        })
        .execute();
      await db
        .insertInto("output_request_items")
        .values(
          request.items.map((item, k) => ({
            request_id: requestId,
            output_id: item.output,
            context: item.context,
            outcome: checks[k]?.outcome ?? "fail",
            check: JSON.stringify({ ...checks[k], exception: item.exception ?? null }),
          })),
        )
        .execute();
      return requestId;
    },
  );
  return loadRequest(ctx, id, "requester");
}

type Reader = "requester" | "checker" | "both-decided";

async function loadRequest(ctx: Ctx, id: string, reader: Reader): Promise<OutputRequest> {
  const r = await ctx.store.db
    .selectFrom("output_requests")
    .selectAll()
    .where("id", "=", id)
    .executeTakeFirstOrThrow();
  const items = await ctx.store.db
    .selectFrom("output_request_items as i")
    .innerJoin("workspace_outputs as o", "o.id", "i.output_id")
    .selectAll("o")
    .select(["i.context as item_context", "i.check as item_check"])
    .where("i.request_id", "=", id)
    .orderBy("o.number")
    .execute();
  const reviews = await ctx.store.db
    .selectFrom("output_reviews")
    .selectAll()
    .where("request_id", "=", id)
    .orderBy("at")
    .execute();
  const bothDecided = reviews.length >= 2;
  const shown = reviews.filter((v) =>
    // Blinding: until both have decided a checker sees only their own review, the team none.
    bothDecided ? true : reader === "checker" && v.reviewer === ctx.actor.name,
  );
  return {
    id: r.id,
    permit: r.permit_id,
    requester: r.requester,
    context: r.context,
    status: r.status as RequestStatus,
    policy: r.policy_version,
    outcome: r.outcome as OutputRequest["outcome"],
    createdAt: r.created_at,
    decidedAt: r.decided_at,
    releasedAt: r.released_at,
    bundle: r.bundle,
    items: items.map((i) => {
      const check = JSON.parse(i.item_check) as OutputCheck & { exception: string | null };
      const { exception, ...rest } = check;
      return { output: outputFromRow(i), context: i.item_context, exception, check: rest };
    }),
    reviews: shown.map((v) => ({
      reviewer: v.reviewer,
      decision: v.decision as Decision,
      ...(reader !== "requester" || v.visible_to_researcher ? { comment: v.comment } : {}),
      visibleToResearcher: v.visible_to_researcher === 1,
      at: v.at,
    })),
    reviewsDone: reviews.length,
  };
}

async function requestRow(ctx: Ctx, id: string): Promise<OutputRequestsTable> {
  const r = await ctx.store.db
    .selectFrom("output_requests")
    .selectAll()
    .where("id", "=", id)
    .executeTakeFirst();
  if (!r) throw new NotFoundError(`No output request ${id}.`);
  return r;
}

/** Who the actor is to a request: its team, a checker who may review it, or neither. */
async function readerOf(
  ctx: Ctx,
  r: OutputRequestsTable,
): Promise<{ reader: Reader; permit: Permit }> {
  const permit = await findPermit(ctx.store, r.permit_id);
  if (!permit) throw new NotFoundError(`No output request ${r.id}.`);
  if (ctx.actor.role === "researcher" && onTeam(permit, ctx.actor.name))
    return { reader: "requester", permit };
  if (ctx.actor.role === "steward" && !onTeam(permit, ctx.actor.name))
    return { reader: "checker", permit };
  await appendAudit(ctx.store, ctx.actor, {
    action: "access.denied",
    target: `output-request:${r.id}`,
    details: { permission: "output.read", reason: "not on the team nor a checker" },
  });
  // Answered as a request that does not exist: the refusal tells nothing.
  throw new ForbiddenError(`No output request ${r.id} you may see.`);
}

/** `kaivo workspace output show ID`: the request, its checks and the reviews the reader may see. */
export async function showOutputRequest(ctx: Ctx, id: string): Promise<OutputRequest> {
  await authorize(ctx.store, ctx.actor, "output.read");
  const { reader } = await readerOf(ctx, await requestRow(ctx, id));
  return loadRequest(ctx, id, reader);
}

/**
 * `kaivo workspace output requests`: a researcher's requests on the permits they are on; for a
 * checker, the requests of permits not naming them.
 */
export async function listOutputRequests(ctx: Ctx): Promise<OutputRequest[]> {
  await authorize(ctx.store, ctx.actor, "output.read");
  const rows = await ctx.store.db
    .selectFrom("output_requests")
    .selectAll()
    .orderBy("created_at")
    .execute();
  const out: OutputRequest[] = [];
  for (const r of rows) {
    const permit = await findPermit(ctx.store, r.permit_id);
    if (!permit) continue;
    const team = onTeam(permit, ctx.actor.name);
    if (ctx.actor.role === "researcher" && team)
      out.push(await loadRequest(ctx, r.id, "requester"));
    if (ctx.actor.role === "steward" && !team && r.status !== "checks-failed")
      out.push(await loadRequest(ctx, r.id, "checker"));
  }
  return out;
}

const ReviewSchema = z.strictObject({
  decision: z.enum(["approve", "request-changes", "reject"]),
  comment: text(10_000),
  visibleToResearcher: z.boolean().default(true),
});

/**
 * `kaivo workspace output review ID`: one output checker's decision. Two distinct checkers
 * decide, neither on the permit's team (so neither the requester); once both have, the request
 * is approved only if both approve, rejected if either rejects, and otherwise sent back for
 * changes. An approved request is released at once as a signed bundle.
 */
export async function reviewOutputRequest(
  ctx: Ctx,
  id: string,
  input: unknown,
): Promise<OutputRequest> {
  await authorize(ctx.store, ctx.actor, "output.review");
  const parsed = ReviewSchema.safeParse(input);
  if (!parsed.success)
    throw new ValidationError(
      `The review is not valid: ${parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ")}.`,
    );
  const review = parsed.data;
  if (containsHetuLike(review.comment))
    throw new ValidationError("A review's comment may not contain an identity code.");
  const r = await requestRow(ctx, id);
  const permit = await findPermit(ctx.store, r.permit_id);
  if (!permit || onTeam(permit, ctx.actor.name) || r.requester === ctx.actor.name) {
    await appendAudit(ctx.store, ctx.actor, {
      action: "access.denied",
      target: `output-request:${id}`,
      details: { permission: "output.review", reason: "on the permit's team" },
    });
    throw new ForbiddenError(
      `${ctx.actor.name} is on the team of permit ${r.permit_id}: an output checker never reviews their own permit's outputs.`,
    );
  }
  if (r.status !== "submitted")
    throw new ConflictError(
      `Output request ${id} is ${r.status}: only a submitted request is reviewed.`,
    );
  await auditedWrite(
    ctx.store,
    ctx.actor,
    {
      action: "output.review",
      target: `output-request:${id}`,
      details: { decision: review.decision },
    },
    async (db) => {
      const reviews = await db
        .selectFrom("output_reviews")
        .selectAll()
        .where("request_id", "=", id)
        .execute();
      if (reviews.some((v) => v.reviewer === ctx.actor.name))
        throw new ConflictError(`${ctx.actor.name} has already reviewed output request ${id}.`);
      if (reviews.length >= 2) throw new ConflictError(`Output request ${id} has its two reviews.`);
      const at = new Date().toISOString();
      await db
        .insertInto("output_reviews")
        .values({
          request_id: id,
          reviewer: ctx.actor.name,
          decision: review.decision,
          comment: review.comment,
          visible_to_researcher: review.visibleToResearcher ? 1 : 0,
          at,
        })
        .execute();
      if (reviews.length === 1) {
        const decisions = [reviews[0]?.decision, review.decision];
        const status: RequestStatus = decisions.every((d) => d === "approve")
          ? "approved"
          : decisions.includes("reject")
            ? "rejected"
            : "changes-requested";
        await db
          .updateTable("output_requests")
          .set({ status, decided_at: at })
          .where("id", "=", id)
          .where("status", "=", "submitted")
          .execute();
      }
    },
  );
  if ((await requestRow(ctx, id)).status === "approved") await releaseOrExplain(ctx, id);
  return loadRequest(ctx, id, "checker");
}

async function releaseOrExplain(ctx: Ctx, id: string): Promise<void> {
  try {
    await releaseOutputs(ctx, id);
  } catch (error) {
    throw new KaivoError(
      `Output request ${id} is approved, but its bundle could not be written: ${(error as Error).message}`,
      `Fix the cause, then a checker runs \`kaivo workspace output release ${id}\`.`,
    );
  }
}

/**
 * `kaivo workspace output release ID`: writes the bundle of an approved request whose release
 * failed (a full disk, a folder in the way). Only a checker who may review the request.
 */
export async function releaseOutputRequest(ctx: Ctx, id: string): Promise<OutputRequest> {
  await authorize(ctx.store, ctx.actor, "output.review");
  const r = await requestRow(ctx, id);
  const permit = await findPermit(ctx.store, r.permit_id);
  if (!permit || onTeam(permit, ctx.actor.name))
    throw new ForbiddenError(`No output request ${id} you may release.`);
  if (r.status !== "approved")
    throw new ConflictError(
      `Output request ${id} is ${r.status}: only an approved request that is not yet released is.`,
    );
  await releaseOrExplain(ctx, id);
  return loadRequest(ctx, id, "checker");
}

const slug = (name: string) =>
  name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "")
    .slice(0, 60) || "output";

const RECORD_KIND = "kaivo.outputs.disclosure-record.v1";
export const RECORD_FILE = "disclosure-record.json";
export const SIGNATURE_FILE = "disclosure-record.sig";

/**
 * Writes an approved request's bundle: each output (analyses without their `evidence`), and a
 * disclosure record (policy version, every check, the decisions and who made them, the SHA-256
 * of every file) signed with the deployment's Ed25519 key, under a kind of its own so the
 * signature cannot pass for an audit checkpoint. Then the request is `released`, audited.
 */
async function releaseOutputs(ctx: Ctx, id: string): Promise<void> {
  const r = await requestRow(ctx, id);
  const full = await loadRequest(ctx, id, "both-decided");
  const workspaceDir = join(ctx.home.dir, "workspaces", permitFolderName(r.permit_id));
  const bundle = join(ctx.home.dir, "outputs", `${permitFolderName(r.permit_id)}-q${r.number}`);
  mkdirSync(join(bundle, "outputs"), { recursive: true, mode: 0o700 });
  const files: Array<{ path: string; sha256: string; bytes: number }> = [];
  for (const item of full.items) {
    const row = await ctx.store.db
      .selectFrom("workspace_outputs")
      .selectAll()
      .where("id", "=", item.output.id)
      .executeTakeFirstOrThrow();
    const bytes = readOutputBytes(workspaceDir, row);
    let content: Buffer;
    let name: string;
    if (row.kind === "file") {
      content = bytes;
      name = `o${row.number}-${slug(row.name.replace(/\.[^.]+$/, ""))}${row.file.slice(row.file.lastIndexOf("."))}`;
    } else {
      const file = JSON.parse(bytes.toString("utf8")) as AnalysisFile;
      content = Buffer.from(
        `${JSON.stringify({ name: file.name, analysis: file.analysis, result: releasable(file.result) }, null, 2)}\n`,
      );
      name = `o${row.number}-${slug(row.name)}.json`;
    }
    writeFileSync(join(bundle, "outputs", name), content, { mode: 0o600 });
    files.push({
      path: `outputs/${name}`,
      sha256: createHash("sha256").update(content).digest("hex"),
      bytes: content.length,
    });
  }
  const key = auditSigningKey(homeKey(ctx.home, "audit-signing"));
  const releasedAt = new Date().toISOString();
  const record = {
    kind: RECORD_KIND,
    request: {
      id: r.id,
      permit: r.permit_id,
      requester: r.requester,
      context: r.context,
      createdAt: r.created_at,
    },
    policy: r.policy_version,
    items: full.items.map((i) => ({
      output: i.output.id,
      name: i.output.name,
      kind: i.output.kind,
      context: i.context,
      exception: i.exception,
      check: i.check,
    })),
    decisions: full.reviews.map((v) => ({ reviewer: v.reviewer, decision: v.decision, at: v.at })),
    files,
    releasedAt,
    keyId: key.keyId,
  };
  const canonical = canonicalJson(record);
  writeFileSync(join(bundle, RECORD_FILE), `${canonical}\n`, { mode: 0o600 });
  writeFileSync(join(bundle, SIGNATURE_FILE), `${key.sign(canonical).toString("base64")}\n`, {
    mode: 0o600,
  });
  await auditedWrite(
    ctx.store,
    ctx.actor,
    {
      action: "output.release",
      target: `output-request:${id}`,
      details: {
        files: files.length,
        recordSha256: createHash("sha256").update(canonical).digest("hex"),
        keyId: key.keyId,
      },
    },
    async (db) => {
      await db
        .updateTable("output_requests")
        .set({ status: "released", released_at: releasedAt, bundle })
        .where("id", "=", id)
        .execute();
    },
  );
}

export interface BundleVerification {
  ok: boolean;
  problems: string[];
}

function listFiles(dir: string, root = dir): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? listFiles(p, root) : [relative(root, p)];
  });
}

/**
 * `kaivo workspace output verify DIR`: the record's signature under the deployment's key, every
 * listed file's SHA-256, and no file the record does not list.
 */
export function verifyOutputBundle(dir: string, key: AuditVerifyKey): BundleVerification {
  const problems: string[] = [];
  let canonical: string;
  let signature: Buffer;
  try {
    canonical = readFileSync(join(dir, RECORD_FILE), "utf8").replace(/\n$/, "");
    signature = Buffer.from(readFileSync(join(dir, SIGNATURE_FILE), "utf8").trim(), "base64");
  } catch {
    return { ok: false, problems: [`${dir} has no ${RECORD_FILE} and ${SIGNATURE_FILE}.`] };
  }
  const record = JSON.parse(canonical) as {
    kind?: string;
    keyId?: string;
    files?: Array<{ path: string; sha256: string }>;
  };
  if (record.kind !== RECORD_KIND) problems.push(`${RECORD_FILE} is not a disclosure record.`);
  if (record.keyId !== key.keyId)
    problems.push(
      `The record is signed by key ${record.keyId}, not this deployment's ${key.keyId}.`,
    );
  else if (!key.verify(canonical, signature))
    problems.push("The record's signature does not verify.");
  const listed = new Set<string>();
  for (const f of record.files ?? []) {
    listed.add(f.path);
    let bytes: Buffer;
    try {
      bytes = readFileSync(join(dir, f.path));
    } catch {
      problems.push(`${f.path} is missing.`);
      continue;
    }
    if (createHash("sha256").update(bytes).digest("hex") !== f.sha256)
      problems.push(`${f.path} does not match its SHA-256 in the record.`);
  }
  for (const f of listFiles(dir))
    if (f !== RECORD_FILE && f !== SIGNATURE_FILE && !listed.has(f))
      problems.push(`${f} is not in the record.`);
  return { ok: problems.length === 0, problems };
}
