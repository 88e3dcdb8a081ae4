import { describe, expect, it } from "vitest";
import { CATALOGS, chooseLang, LANGS, translator } from "./i18n.js";
import { en } from "./messages/en.js";
import { safeReturnPath } from "./paths.js";

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe("the portal's message catalogs", () => {
  it("have every key in fi, sv and en, none empty, with the same placeholders", () => {
    const keys = Object.keys(en);
    expect(keys.length).toBeGreaterThan(50);
    for (const lang of LANGS) {
      const catalog = CATALOGS[lang] as Record<string, string>;
      expect(Object.keys(catalog).sort(), lang).toEqual([...keys].sort());
      for (const key of keys) {
        const value = catalog[key] ?? "";
        expect(value.trim(), `${lang} ${key}`).not.toBe("");
        expect(placeholders(value), `${lang} ${key}`).toEqual(
          placeholders(en[key as keyof typeof en]),
        );
      }
    }
  });

  it("fills placeholders and leaves unknown ones visible", () => {
    expect(translator("en")("header.signedInAs", { user: "riku", role: "researcher" })).toBe(
      "Signed in as riku (researcher)",
    );
    expect(translator("sv")("page.title", {})).toBe("{page} · Kaivo");
  });
});

describe("the page's language", () => {
  it("is the cookie's, else the best Accept-Language the portal speaks, else Finnish", () => {
    expect(chooseLang("sv", "en")).toBe("sv");
    expect(chooseLang("de", "en-GB,en;q=0.9")).toBe("en");
    expect(chooseLang(undefined, "de-DE, en;q=0.5, sv;q=0.8")).toBe("sv");
    expect(chooseLang(undefined, "sv;q=0, en;q=0.1")).toBe("en");
    expect(chooseLang(undefined, "de, fr")).toBe("fi");
    expect(chooseLang(undefined, undefined)).toBe("fi");
  });
});

describe("the return path after sign-in", () => {
  it("is a portal page of this site, or the catalog", () => {
    expect(safeReturnPath("/portal/feasibility")).toBe("/portal/feasibility");
    expect(safeReturnPath("/portal/catalog?q=hba1c")).toBe("/portal/catalog?q=hba1c");
    for (const bad of [
      undefined,
      "",
      "//evil.example/portal",
      "/\\evil.example",
      "https://evil.example/portal",
      "javascript:alert(1)",
      "/api/permits",
      "portal/catalog",
      "/portal/../api/audit",
    ])
      expect(safeReturnPath(bad), String(bad)).toBe("/portal/catalog");
  });
});
