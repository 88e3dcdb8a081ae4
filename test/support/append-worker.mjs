// Appends N audit entries from its own process, to test cross-process appends.
// Usage: node append-worker.mjs WORKER_ID N   (KAIVO_HOME and KAIVO_DATABASE_URL from the env)
import { appendAudit } from "../../dist/audit/append.js";
import { openHome, resolveHomeDir } from "../../dist/home/home.js";
import { openControlStore } from "../../dist/store/control-store.js";

const [worker, count] = process.argv.slice(2);
const store = await openControlStore(openHome(resolveHomeDir()));
try {
  for (let i = 0; i < Number(count); i++) {
    await appendAudit(
      store,
      { name: `worker${worker}`, role: "steward" },
      {
        action: "test.process",
        details: { worker: Number(worker), i },
      },
    );
  }
} finally {
  await store.close();
}
