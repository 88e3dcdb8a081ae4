import { existsSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { Vault } from "../identity/vault.js";
import { type JobKind, jobKind } from "../jobs/job.js";
import { NotFoundError } from "../shared/errors.js";
import { loadSummary, retryQuarantined } from "./ingest-service.js";

const RetryParams = z.strictObject({
  /** The quarantined record's number (`GET /api/quarantine`, `kaivo quarantine list`). */
  id: z.number().int().min(1),
});
type RetryParams = z.infer<typeof RetryParams>;

/**
 * Loads a quarantined record again, as a load of its own. Not resumable: the load is one lake
 * transaction, but marking the entry retried (in the vault) and the audit entry come after it, so
 * a run cut off between them would load the record a second time (or quarantine it twice) if run
 * again blindly. It fails visibly instead and the steward looks at the quarantine list first.
 */
export const quarantineRetryJob: JobKind = jobKind<RetryParams>({
  kind: "quarantine.retry",
  description: "load a quarantined record again, as a load of its own",
  params: RetryParams,
  permission: "quarantine.retry",
  resumable: false,
  interrupted:
    "The server stopped while the record was retried. Its load may have landed while the quarantine entry still says otherwise: check the lake's snapshots and the entry before retrying again.",
  check({ home }, params) {
    // Before the first load there is no vault, and nothing quarantined; opening would create it.
    let found = false;
    if (existsSync(join(home.dir, "vault.sqlite"))) {
      const vault = Vault.open(home);
      try {
        found = vault.listQuarantine().some((e) => e.id === params.id);
      } finally {
        vault.close();
      }
    }
    if (!found)
      throw new NotFoundError(
        `No quarantined record ${params.id}.`,
        "See GET /api/quarantine (kaivo quarantine list).",
      );
  },
  async run(ctx, params) {
    const report = await retryQuarantined(ctx, params.id);
    return { quarantineId: params.id, load: loadSummary(report) };
  },
});
