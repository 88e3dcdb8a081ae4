/**
 * Errors a user can act on. The CLI prints `message` (and `hint` when present) without a stack
 * trace; anything else is a bug and is printed with its stack.
 */
export class KaivoError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** kaivo.json, the environment or a key file is wrong. */
export class ConfigError extends KaivoError {}

/** The actor's role does not allow the action. */
export class ForbiddenError extends KaivoError {}

/** A named thing (user, permit, ...) does not exist. */
export class NotFoundError extends KaivoError {}

/** The request conflicts with existing state (duplicate name, ...). */
export class ConflictError extends KaivoError {}

/** The input is invalid. */
export class ValidationError extends KaivoError {}

/** Too many requests in a period: try again later. */
export class RateLimitError extends KaivoError {}
