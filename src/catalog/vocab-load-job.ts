import { existsSync, statSync } from "node:fs";
import { z } from "zod";
import { inboxPath } from "../ingest/ingest-job.js";
import { type JobKind, jobKind } from "../jobs/job.js";
import { ValidationError } from "../shared/errors.js";
import { loadVocabulary } from "./catalog-service.js";

const VocabParams = z.strictObject({
  /** The CSV file, relative to the server's inbox (`<home>/inbox`), as an ingest's export is. */
  path: z.string().min(1).max(500),
  /** The code system, e.g. icd10; the service checks its name. */
  system: z.string().min(1).max(50),
});
type VocabParams = z.infer<typeof VocabParams>;

/**
 * `kaivo vocab load` through the server: a code system's titles from a CSV file in the server's
 * inbox (the server reads files only there). Resumable: the file's codes replace the system's
 * entries of the same codes in one lake transaction, so running it again gives the same result.
 */
export const vocabLoadJob: JobKind = jobKind<VocabParams>({
  kind: "vocab.load",
  description: "add or replace a code system's titles from a CSV file in the inbox",
  params: VocabParams,
  permission: "vocab.load",
  resumable: true,
  check({ home }, params) {
    const file = inboxPath(home, params.path);
    if (!existsSync(file) || !statSync(file).isFile())
      throw new ValidationError(
        `There is no file ${params.path} in the inbox.`,
        `Copy the CSV file to ${file} first.`,
      );
  },
  async run(ctx, params) {
    return loadVocabulary(ctx, inboxPath(ctx.home, params.path), params.system);
  },
});
