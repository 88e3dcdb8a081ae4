import { z } from "zod";
import { type JobKind, jobKind } from "../jobs/job.js";
import { showPermit } from "../permits/permit-service.js";
import { createRelease } from "./release-service.js";

const ReleaseParams = z.strictObject({
  permit: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9-]{0,63}$/),
  snapshot: z.number().int().min(1).optional(),
});
type ReleaseParams = z.infer<typeof ReleaseParams>;

/**
 * A release of a permit's data. A run cut off before it is recorded leaves only a staging folder,
 * which the next release of the permit removes; one cut off after is completed by it. So it is
 * not run again blindly: it fails visibly and the steward asks again.
 */
export const releaseJob: JobKind = jobKind<ReleaseParams>({
  kind: "release",
  description: "extract a permit's data, re-pseudonymized with the permit's key",
  params: ReleaseParams,
  permission: "release.create",
  resumable: false,
  async check(ctx, params) {
    await showPermit(ctx, params.permit);
  },
  async run(ctx, params) {
    const r = await createRelease(ctx, params.permit, {
      ...(params.snapshot ? { snapshot: params.snapshot } : {}),
    });
    return {
      release: r.id,
      permit: r.permitId,
      number: r.number,
      snapshot: r.snapshot,
      persons: r.persons,
      tables: r.tables,
      checksum: r.checksum,
      seconds: r.seconds,
    };
  },
});
