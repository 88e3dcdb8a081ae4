import { KaivoError, ValidationError } from "../shared/errors.js";

/** The view itself is wrong; `at` is the path inside the view, e.g. `select[0].column[1].path`. */
export class ViewDefinitionError extends ValidationError {
  constructor(
    readonly at: string,
    problem: string,
  ) {
    super(`ViewDefinition ${at || "(root)"}: ${problem}`);
  }
}

/** The view cannot be applied to a resource (a column gets several values, a where is not boolean). */
export class ViewRuntimeError extends KaivoError {}
