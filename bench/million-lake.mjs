// The benchmark lake of (by default) 1 M people, built once and cached: `kaivo synth` output of
// PATIENTS people is ingested with the CLI, then every person-level row is replicated REPLICAS
// times under new pseudo-IDs (and new record and visit keys) inside DuckDB, so the lake holds
// REPLICAS x PATIENTS people with the synthetic data's distributions. Ingesting 1 M people
// directly would take about 50 minutes at today's ingest speed.
import { execFileSync } from "node:child_process";
import { existsSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** A benchmark's own SQL (trusted text), straight on the lake's connection. */
const rows = async (lake, text) => (await lake.connection.runAndReadAll(text)).getRowObjectsJson();

const root = join(import.meta.dirname, "..");
const cli = join(root, "dist/cli/main.js");

export async function millionLake({ patients, replicas, data, home }) {
  const { initHome } = await import(join(root, "dist/home/home.js"));
  const { Lake } = await import(join(root, "dist/lake/lake.js"));
  if (!existsSync(join(home, "built.json"))) {
    rmSync(home, { recursive: true, force: true });
    if (!existsSync(join(data, "fhir", "manifest.json")))
      execFileSync(
        process.execPath,
        [cli, "synth", "--patients", String(patients), "--seed", "1", "--out", data],
        { stdio: "inherit" },
      );
    const env = { ...process.env, KAIVO_HOME: home };
    execFileSync(process.execPath, [cli, "init", "--admin", "root"], { env, stdio: "ignore" });
    execFileSync(
      process.execPath,
      [cli, "user", "add", "stina", "--role", "steward", "--as", "root"],
      { env, stdio: "ignore" },
    );
    console.log(`ingesting ${patients} people into ${home} ...`);
    let t0 = performance.now();
    execFileSync(process.execPath, [cli, "ingest", data, "--json", "--as", "stina"], {
      env,
      stdio: "ignore",
    });
    console.log(
      `  ingest ${((performance.now() - t0) / 1000).toFixed(0)} s; replicating x${replicas} ...`,
    );
    t0 = performance.now();
    const lake = await Lake.open(initHome(home, {}).home);
    const tables = await rows(
      lake,
      `select table_schema s, table_name t from information_schema.tables where table_schema not in ('main') and not starts_with(table_schema, '_') and table_type = 'BASE TABLE'`,
    );
    for (const { s, t } of tables) {
      const cols = (
        await rows(
          lake,
          `select column_name c from information_schema.columns where table_schema = '${s}' and table_name = '${t}'`,
        )
      ).map((r) => r.c);
      const [{ n }] = await rows(lake, `select count(pseudo_id) n from "${s}"."${t}"`);
      if (Number(n) === 0) continue; // reference tables (units, hospitals) are shared
      const suffixed = ["pseudo_id", "record_key", "encounter_id"].filter((c) => cols.includes(c));
      const replace = suffixed.map((c) => `${c} || '~' || r.i as ${c}`).join(", ");
      await lake.connection.run(
        `insert into "${s}"."${t}" select * exclude (i) replace (${replace}) from "${s}"."${t}", range(1, ${replicas}) r(i)`,
      );
    }
    // The replicas are new people: they get their record keys as a load would give them.
    const { assignRecordKeys } = await import(
      join(import.meta.dirname, "..", "dist/disclosure/record-keys.js")
    );
    await assignRecordKeys(lake);
    // The replicas bypassed the load's merge, so the word index is built again, whole, over them.
    const { indexedColumns, indexLoad } = await import(
      join(import.meta.dirname, "..", "dist/lake/word-index.js")
    );
    const indexed = await indexedColumns(lake);
    if (indexed.length > 0) {
      const t1 = performance.now();
      const [{ latest }] = await rows(lake, "select max(load_id) latest from main._loads");
      await lake.connection.run("drop schema _search cascade");
      await lake.transaction(async () => {
        for (const c of indexed) await indexLoad(lake, c, Number(latest));
      });
      console.log(`  word index rebuilt in ${((performance.now() - t1) / 1000).toFixed(1)} s`);
    }
    await lake.connection.run("checkpoint");
    lake.close();
    writeFileSync(join(home, "built.json"), JSON.stringify({ patients, replicas }));
    console.log(`  replicated in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  }
  return home;
}
