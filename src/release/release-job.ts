import { z } from "zod";
import { type JobKind, jobKind } from "../jobs/job.js";
import { showPermit } from "../permits/permit-service.js";
import { resolveRequest } from "./extract.js";
import { createRelease } from "./release-service.js";

const ReleaseParams = z.strictObject({
  /** A permit's number; one decided elsewhere keeps its own (`FINDATA/2026/77`). */
  permit: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9/_.-]{0,63}$/),
  snapshot: z.number().int().min(1).optional(),
  /** A part of the permit's scope (`kaivo release create --only`): registry.table -> variables. */
  tables: z
    .record(z.string().regex(/^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$/), z.array(z.string()).min(1))
    .optional(),
  /** A part of the scope's period (`--period FROM..TO`). */
  period: z.strictObject({ from: z.iso.date(), to: z.iso.date() }).optional(),
});
type ReleaseParams = z.infer<typeof ReleaseParams>;

const requestOf = (params: ReleaseParams) => ({
  ...(params.tables ? { tables: params.tables } : {}),
  ...(params.period ? { period: params.period } : {}),
});

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
  interrupted:
    "The server stopped while this release was made. A release cut off before it was recorded left only a staging folder, which the permit's next release removes; one cut off after is completed by it. See the permit's releases, then ask again if it is missing.",
  async check(ctx, params) {
    const { permit } = await showPermit(ctx, params.permit);
    // A part of the scope that is not in it is refused when asked for, not when run.
    resolveRequest(permit.id, permit.scope, requestOf(params));
  },
  async run(ctx, params) {
    const r = await createRelease(ctx, params.permit, {
      ...(params.snapshot ? { snapshot: params.snapshot } : {}),
      request: requestOf(params),
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
