import type { AuthConfig } from "../home/config.js";
import type { Home } from "../home/home.js";
import type { SecretKey } from "../home/keys.js";
import { type TokenPolicy, tokenPolicy } from "./api-tokens.js";
import { type Clock, systemClock } from "./secrets.js";
import { type SessionPolicy, sessionPolicy } from "./sessions.js";
import { type ThrottlePolicy, throttlePolicy } from "./throttle.js";
import { totpKey } from "./totp.js";

/** Everything the sign-in services need from a home, read once per server (or command). */
export interface AuthSettings {
  config: AuthConfig;
  sessions: SessionPolicy;
  throttle: ThrottlePolicy;
  tokens: TokenPolicy;
  now: Clock;
  /** Loaded on first use, so a server without TOTP users never reads the lake key for it. */
  totpKey: () => SecretKey;
}

export function authSettings(home: Home, clock: Clock = systemClock): AuthSettings {
  const config = home.config.auth;
  let key: SecretKey | undefined;
  return {
    config,
    sessions: sessionPolicy(config),
    throttle: throttlePolicy(config),
    tokens: tokenPolicy(config),
    now: clock,
    totpKey: () => {
      key ??= totpKey(home);
      return key;
    },
  };
}
