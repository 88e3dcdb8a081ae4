/**
 * Test-only crash points. With NODE_ENV=test and KAIVO_TEST_CRASH_AT=<name> (e.g.
 * `close:after-intent`), the process kills itself with SIGKILL when it reaches that point, so
 * tests can show that a rerun completes what a kill -9 there interrupts. Otherwise a no-op.
 */
export function crashPoint(name: string): void {
  if (process.env.NODE_ENV === "test" && process.env.KAIVO_TEST_CRASH_AT === name)
    process.kill(process.pid, "SIGKILL");
}
