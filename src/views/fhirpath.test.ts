import { describe, expect, it } from "vitest";
import { inlineConstants, referenceKey } from "./fhirpath.js";

describe("referenceKey", () => {
  it("takes the id of relative, absolute, versioned and urn references", () => {
    expect(referenceKey("Patient/123")).toBe("123");
    expect(referenceKey("Patient/123", "Patient")).toBe("123");
    expect(referenceKey("Patient/123", "Encounter")).toBeUndefined();
    expect(referenceKey("https://ehr.example/fhir/Patient/abc/_history/2", "Patient")).toBe("abc");
    expect(referenceKey("urn:uuid:9b0e2f4e-1c7d-4a8e-9f00-1234567890ab")).toBe(
      "9b0e2f4e-1c7d-4a8e-9f00-1234567890ab",
    );
    expect(referenceKey("urn:oid:1.2.3")).toBe("1.2.3");
    expect(referenceKey("urn:uuid:x", "Patient")).toBeUndefined();
    expect(referenceKey(undefined)).toBeUndefined();
    expect(referenceKey("#contained")).toBeUndefined();
  });
});

describe("inlineConstants", () => {
  it("writes typed literals and leaves strings, quoted identifiers and built-ins alone", () => {
    const constants = [
      { name: "d", valueDate: "2020-01-02" },
      { name: "s", valueString: "it's" },
      { name: "n", valueInteger: 3 },
      { name: "t", valueTime: "12:00:00" },
    ];
    expect(
      inlineConstants("a = %d and b = %s and c < %n and e = %t and '%d' = %rowIndex", constants),
    ).toBe("a = @2020-01-02 and b = 'it\\'s' and c < 3 and e = @T12:00:00 and '%d' = %rowIndex");
    expect(() => inlineConstants("a = %missing", constants)).toThrow(/%missing/);
  });
});
