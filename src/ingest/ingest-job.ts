import { existsSync } from "node:fs";
import { isAbsolute, join, normalize, sep } from "node:path";
import { z } from "zod";
import { type JobKind, jobKind } from "../jobs/job.js";
import { inboxDir } from "../lake/host.js";
import { ValidationError } from "../shared/errors.js";
import { findInputs, ingest, loadSummary } from "./ingest-service.js";

const IngestParams = z.strictObject({
  /** The export's folder, relative to the server's inbox (`<home>/inbox`). */
  path: z.string().min(1).max(500),
  source: z
    .string()
    .regex(/^[a-z][a-z0-9_-]{0,39}$/)
    .optional(),
});
type IngestParams = z.infer<typeof IngestParams>;

/** The export's folder inside the inbox; a path that leaves the inbox is refused. */
export function inboxPath(home: Parameters<typeof inboxDir>[0], path: string): string {
  const clean = normalize(path);
  if (isAbsolute(clean) || clean === ".." || clean.startsWith(`..${sep}`))
    throw new ValidationError(
      "An export is named relative to the server's inbox.",
      `For example "ehr/2026-12-01" for ${join(inboxDir(home), "ehr", "2026-12-01")}.`,
    );
  return join(inboxDir(home), clean);
}

/** A load of an export from the inbox: one transaction per load, so a cut-off load runs again. */
export const ingestJob: JobKind = jobKind<IngestParams>({
  kind: "ingest",
  description: "load an export from the inbox into the lake",
  params: IngestParams,
  permission: "ingest.run",
  resumable: true,
  check({ home }, params) {
    const path = inboxPath(home, params.path);
    if (!existsSync(path))
      throw new ValidationError(
        `There is no ${params.path} in the inbox.`,
        `Copy the export to ${path} first.`,
      );
    findInputs(path);
  },
  async run(ctx, params) {
    const reports = await ingest(ctx, inboxPath(ctx.home, params.path), {
      ...(params.source ? { source: params.source } : {}),
      onProgress: (p) => ctx.progress(p),
    });
    return { loads: reports.map(loadSummary) };
  },
});
