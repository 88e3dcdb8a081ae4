import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    // Timeouts guard against hangs, not slowness: they must hold on a machine running at a third
    // of its speed. The slowest tests (an ingest scan for identifiers, a demo) take 20 to 45 s
    // here while other jobs run, so 30 s failed under load.
    testTimeout: 180_000,
    hookTimeout: 300_000,
  },
});
