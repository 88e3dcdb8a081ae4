import { describe, expect, it } from "vitest";
import type { Actor, Role } from "../auth/roles.js";
import { decide, type PermitAction, type PermitParties } from "./policy.js";

const permit: PermitParties = {
  applicant: "riku",
  principalInvestigator: "pia",
  team: ["tero", "sami"],
  external: false,
  registeredBy: null,
};
const external: PermitParties = {
  ...permit,
  applicant: "pia",
  external: true,
  registeredBy: "stina",
};
const as = (name: string, role: Role): Actor => ({ name, role });
const code = (actor: Actor, action: PermitAction, p?: PermitParties) => {
  const d = decide(actor, action, p);
  return d.allowed ? "allowed" : d.code;
};

describe("the permit policy", () => {
  it("judges the role first, with or without a permit", () => {
    expect(code(as("riku", "researcher"), "approve")).toBe("role");
    expect(code(as("riku", "researcher"), "approve", permit)).toBe("role");
    expect(code(as("stina", "steward"), "release")).toBe("allowed");
    expect(code(as("ada", "admin"), "read", permit)).toBe("role");
  });

  it("hides a permit from a researcher not named on it, whatever the action", () => {
    for (const action of ["read", "submit"] as const)
      expect(code(as("ville", "researcher"), action, permit)).toBe("not-visible");
    expect(code(as("tero", "researcher"), "read", permit)).toBe("allowed");
    expect(code(as("reija", "reviewer"), "read", permit)).toBe("allowed");
  });

  it("lets only the applicant submit", () => {
    expect(code(as("riku", "researcher"), "submit", permit)).toBe("allowed");
    expect(code(as("tero", "researcher"), "submit", permit)).toBe("not-applicant");
    expect(code(as("riku", "researcher"), "edit", permit)).toBe("allowed");
    expect(code(as("tero", "researcher"), "edit", permit)).toBe("not-applicant");
    expect(code(as("reija", "reviewer"), "edit", permit)).toBe("role");
  });

  it("lets no one named on a permit decide it, activate, close or release it", () => {
    for (const action of ["review", "approve", "reject", "return"] as const) {
      expect(code(as("pia", "reviewer"), action, permit)).toBe("named-on-permit");
      expect(code(as("reija", "reviewer"), action, permit)).toBe("allowed");
    }
    for (const action of ["confirm", "activate", "close", "release"] as const) {
      expect(code(as("sami", "steward"), action, permit)).toBe("named-on-permit");
      expect(code(as("stina", "steward"), action, permit)).toBe("allowed");
    }
  });

  it("has an external registration confirmed by a second steward, not on it", () => {
    expect(code(as("stina", "steward"), "confirm", external)).toBe("own-registration");
    expect(code(as("sami", "steward"), "confirm", external)).toBe("named-on-permit");
    expect(code(as("outi", "steward"), "confirm", external)).toBe("allowed");
    // The registrant, not named on it, may activate once another steward confirmed it.
    expect(code(as("stina", "steward"), "activate", external)).toBe("allowed");
  });
});
