/** Process exit codes, documented in the README. */
export const EXIT = {
  ok: 0,
  error: 1,
  usage: 2,
  forbidden: 3,
  verifyFailed: 4,
  qualityFailed: 5,
} as const;
