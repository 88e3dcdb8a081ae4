import { assignRecordKeys } from "../../src/disclosure/record-keys.js";
import { Lake } from "../../src/lake/lake.js";
import { sql } from "../../src/lake/sql.js";
import { type TestDeployment, testDeployment } from "./stores.js";

/**
 * A deployment whose lake holds `r.people`: `count` people (`p0`, `p1`, ...) with a number `i`
 * each and their record keys, for disclosure tests that pick person sets by `i`.
 */
export async function peopleLake(
  count = 1000,
): Promise<{ deployment: TestDeployment; lake: Lake; close: () => Promise<void> }> {
  const deployment = await testDeployment("sqlite");
  const lake = await Lake.open(deployment.home, {});
  await lake.query(sql`create schema if not exists r`);
  await lake.query(
    sql`create table r.people as select 'p' || i as pseudo_id, i from range(${count}) t(i)`,
  );
  await assignRecordKeys(lake);
  return {
    deployment,
    lake,
    close: async () => {
      lake.close();
      await deployment.cleanup();
    },
  };
}
