import { KaivoError } from "../shared/errors.js";

/**
 * Sign-in failed or the credential is not (or no longer) valid. The message is the same whatever
 * the reason, so it does not tell whether an account exists.
 */
export class AuthenticationError extends KaivoError {}

/** Signed in, but the role needs a second factor that this session has not verified. */
export class SecondFactorRequiredError extends KaivoError {}
