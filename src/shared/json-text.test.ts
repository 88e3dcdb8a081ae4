import { describe, expect, it } from "vitest";
import { ValidationError } from "./errors.js";
import { jsonErrorPlace, parseJsonText } from "./json-text.js";

describe("JSON errors", () => {
  it("gives the line and column of the first character that cannot be JSON", () => {
    expect(jsonErrorPlace("kaivo-secret")).toEqual({ line: 1, column: 1 });
    expect(jsonErrorPlace("12ab")).toEqual({ line: 1, column: 3 });
    // "n" could still be null; the "o" cannot.
    expect(jsonErrorPlace('{\n  "a": 1,\n  "b": nope\n}')).toEqual({ line: 3, column: 9 });
    expect(jsonErrorPlace('{"a": [1, 2,]}')).toEqual({ line: 1, column: 13 });
    // Cut short: the last character.
    expect(jsonErrorPlace('{"a": "unterminated')).toEqual({ line: 1, column: 19 });
  });

  it("never puts any of the text in the error", () => {
    let error: unknown;
    try {
      parseJsonText("c2VjcmV0LWtleS1ieXRlcw==", "keys/lake.key");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toBe("keys/lake.key is not valid JSON (line 1, column 1).");
  });

  it("reads a byte order mark as nothing", () => {
    expect(parseJsonText('\ufeff{"a": 1}', "x")).toEqual({ a: 1 });
  });
});
