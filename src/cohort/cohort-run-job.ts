import { z } from "zod";
import { type JobKind, jobKind } from "../jobs/job.js";
import { ValidationError } from "../shared/errors.js";
import { runCohort, validateCohort } from "./cohort-service.js";

const CohortRunParams = z.strictObject({
  /** The cohort definition, as `kaivo cohort run` reads it from a file. */
  definition: z.unknown(),
  snapshot: z.number().int().min(1).optional(),
});
type CohortRunParams = z.infer<typeof CohortRunParams>;

/** Stores a cohort's membership in the lake for releases; one transaction, so it runs again. */
export const cohortRunJob: JobKind = jobKind<CohortRunParams>({
  kind: "cohort.run",
  description: "store a cohort's membership in the lake for releases",
  params: CohortRunParams,
  permission: "cohort.run",
  resumable: true,
  async check(ctx, params) {
    const report = await validateCohort(ctx, params.definition, "the job's definition");
    if (report.errors.length > 0)
      throw new ValidationError(
        `The cohort definition has ${report.errors.length} error(s): ${report.errors
          .slice(0, 3)
          .map((e) => e.message)
          .join("; ")}.`,
      );
  },
  async run(ctx, params) {
    return runCohort(ctx, params.definition, params.snapshot, "the job's definition");
  },
});
