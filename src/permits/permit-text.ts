import { assertNoIdentifyingText } from "../identity/free-text.js";
import type { Application } from "./scope.js";

/**
 * An application's free text goes on the permit, into transparency reports and the audit log;
 * a registration's reason too. Refused before anything is written if it identifies anyone.
 */
export function assertNoIdentifyingApplication(app: Application, registrationReason?: string) {
  // Foundations and institutes are often named after people: there only cued names count.
  assertNoIdentifyingText(
    { "application's organisation": app.organisation },
    { namesOnlyAfterCues: true },
  );
  assertNoIdentifyingText({
    "application's title": app.title,
    "application's legal basis": app.legalBasis,
    "application's purpose": app.purpose,
    "registration reason": registrationReason,
  });
}
