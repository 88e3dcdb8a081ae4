import type { SecretKey } from "../home/keys.js";
import { dropKeyedHash, installKeyedHash } from "../lake/keyed-sql.js";
import type { Lake } from "../lake/lake.js";

/** Re-pseudonymization inside DuckDB: `rel_id(x)` is HMAC-SHA256(permit key, x), hex, 80 bits. */
export function usePermitKey(lake: Lake, key: SecretKey): Promise<void> {
  return installKeyedHash(lake.connection, "rel_id", key);
}

export function forgetPermitKey(lake: Lake): Promise<void> {
  return dropKeyedHash(lake.connection, "rel_id");
}
