/** Process exit codes, documented in the README. */
export const EXIT = {
  ok: 0,
  error: 1,
  usage: 2,
  forbidden: 3,
  verifyFailed: 4,
  qualityFailed: 5,
  auditTruncated: 6,
  auditWiped: 7,
  auditRewritten: 8,
  auditCheckpointInvalid: 9,
  auditUnwitnessed: 10,
} as const;
