import { vocabLoadJob } from "../catalog/vocab-load-job.js";
import { cohortRunJob } from "../cohort/cohort-run-job.js";
import { fetchJob } from "../fetch/fetch-job.js";
import { ingestJob } from "../ingest/ingest-job.js";
import { quarantineRetryJob } from "../ingest/quarantine-retry-job.js";
import { optoutRefreshJob } from "../permits/optout-job.js";
import { releaseJob } from "../release/release-job.js";
import type { JobKind } from "./job.js";

/** Every kind of job the server runs: the work that writes the lake or its folders. */
export const JOB_KINDS: JobKind[] = [
  ingestJob,
  fetchJob,
  releaseJob,
  cohortRunJob,
  optoutRefreshJob,
  quarantineRetryJob,
  vocabLoadJob,
];
