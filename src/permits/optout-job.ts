import { z } from "zod";
import { type JobKind, jobKind } from "../jobs/job.js";
import { refreshOptouts } from "./optout-service.js";

/** Profiles the catalog again without the people opted out (after a register change). */
export const optoutRefreshJob: JobKind = jobKind({
  kind: "optout.refresh",
  description: "profile the catalog again without the people who opted out",
  params: z.strictObject({}),
  permission: "optout.manage",
  resumable: true,
  async run(ctx) {
    await refreshOptouts(ctx);
    return { refreshed: true };
  },
});
