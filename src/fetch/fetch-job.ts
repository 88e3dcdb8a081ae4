import { relative } from "node:path";
import { z } from "zod";
import { SOURCE_NAME } from "../home/config.js";
import { loadSummary } from "../ingest/ingest-service.js";
import { type JobKind, jobKind } from "../jobs/job.js";
import { NotFoundError } from "../shared/errors.js";
import { fetchSource } from "./fetch-service.js";

const FetchParams = z.strictObject({
  source: z.string().regex(SOURCE_NAME),
  /** A full export: no `_since`. */
  full: z.boolean().optional(),
  /** Load the fetched export afterwards, in the same job. */
  load: z.boolean().optional(),
});
type FetchParams = z.infer<typeof FetchParams>;

/**
 * A fetch from a configured Bulk Data source, run by the server (the key file stays in its home).
 * Resumable: an export kicked off and cut off is resumed from its kept status URL, and the export
 * folder appears only when whole.
 */
export const fetchJob: JobKind = jobKind<FetchParams>({
  kind: "fetch",
  description: "fetch a Bulk Data export of a configured source into its inbox folder",
  params: FetchParams,
  permission: "fetch.run",
  resumable: true,
  check({ home }, params) {
    const sources = Object.keys(home.config.fetch.sources);
    if (!sources.includes(params.source))
      throw new NotFoundError(
        `No Bulk Data source "${params.source}" in the server's configuration.`,
        sources.length > 0
          ? `Configured: ${sources.join(", ")}.`
          : "Add one under fetch.sources in the server's kaivo.json (docs/configuration.md).",
      );
  },
  async run(ctx, params) {
    const report = await fetchSource(ctx, params.source, {
      ...(params.full ? { full: true } : {}),
      ...(params.load ? { load: true } : {}),
      signal: ctx.signal,
      onProgress: (p) => ctx.progress(p),
    });
    // The result holds counts and names, never a token or a record; the folder relative to the home.
    return {
      source: report.source,
      folder: relative(ctx.home.dir, report.folder),
      transactionTime: report.transactionTime,
      since: report.since,
      resumed: report.resumed,
      files: report.output.length,
      resources: report.output.reduce((n, f) => n + (f.count ?? 0), 0),
      errorIssues: report.errors.issues,
      ...(report.loads ? { loads: report.loads.map(loadSummary) } : {}),
    };
  },
});
