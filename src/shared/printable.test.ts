import { describe, expect, it } from "vitest";
import { firstUnsafeCharacter, printable } from "./printable.js";

describe("printable", () => {
  it("keeps ordinary text, accents and emoji as they are", () => {
    expect(printable("Nivelkipu – ÅÄÖ åäö 🦴 \"x\" 'y' \\z")).toBe(
      "Nivelkipu – ÅÄÖ åäö 🦴 \"x\" 'y' \\z",
    );
  });

  it("shows C0 and C1 controls, DEL, ESC, line separators and bidi controls as escapes", () => {
    expect(printable("a\u0000b\u0007c\u001b[31md\u007fe\u0085f\u009bg")).toBe(
      "a\\u{0}b\\u{7}c\\u{1b}[31md\\u{7f}e\\u{85}f\\u{9b}g",
    );
    expect(printable("x\ny\r\tz")).toBe("x\\u{a}y\\u{d}\\u{9}z");
    expect(printable("\u2028\u2029\u202a\u202e\u2066\u2069\u200e\u200f\u061c\u200b\ufeff")).toBe(
      "\\u{2028}\\u{2029}\\u{202a}\\u{202e}\\u{2066}\\u{2069}\\u{200e}\\u{200f}\\u{61c}\\u{200b}\\u{feff}",
    );
  });

  it("names the first character it would escape", () => {
    expect(firstUnsafeCharacter("plain text")).toBeUndefined();
    expect(firstUnsafeCharacter("bell\u0007 and esc\u001b")).toBe("U+0007");
    expect(firstUnsafeCharacter("rtl\u202e")).toBe("U+202E");
  });
});
