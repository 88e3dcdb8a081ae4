import { randomBytes } from "node:crypto";
import { appendFileSync, chmodSync, existsSync } from "node:fs";
import { join } from "node:path";
import { hasPassword, setPassword } from "../auth/passwords.js";
import type { Actor } from "../auth/roles.js";
import { needsSecondFactor } from "../auth/roles.js";
import type { Home } from "../home/home.js";
import type { ControlStore } from "../store/control-store.js";

export const DEMO_LOGINS_FILE = "demo-logins.txt";

export interface DemoLogin {
  user: string;
  role: string;
  password: string;
}

export function demoLoginsFile(home: Home): string {
  return join(home.dir, DEMO_LOGINS_FILE);
}

/**
 * Gives every demo account without a local password a generated one, appended to the home's
 * `demo-logins.txt` (mode 0600, like the keys). They are returned once, for `kaivo demo` to show;
 * after that they are only in the file.
 */
export async function ensureDemoLogins(
  home: Home,
  store: ControlStore,
  admin: Actor,
  users: Actor[],
): Promise<DemoLogin[]> {
  const made: DemoLogin[] = [];
  for (const u of users) {
    if (await hasPassword(store, u.name)) continue;
    // 18 random bytes: 24 characters of base64url, well past the policy's minimum.
    const password = randomBytes(18).toString("base64url");
    await setPassword(store, admin, u.name, password);
    made.push({ user: u.name, role: u.role, password });
  }
  if (made.length === 0) return made;
  const file = demoLoginsFile(home);
  const header = existsSync(file)
    ? ""
    : "Kaivo demo accounts (generated; keep this file private).\nStewards, auditors and admins set up a second factor (TOTP) at their first login.\n\n";
  appendFileSync(
    file,
    header +
      made
        .map(
          (m) =>
            `${m.user.padEnd(8)} ${m.role.padEnd(11)} ${m.password}${needsSecondFactor(m.role as Actor["role"]) ? "   (+ TOTP)" : ""}\n`,
        )
        .join(""),
    { mode: 0o600 },
  );
  chmodSync(file, 0o600);
  return made;
}
