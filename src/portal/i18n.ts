import { en, type MessageKey, type Messages } from "./messages/en.js";
import { fi } from "./messages/fi.js";
import { sv } from "./messages/sv.js";

export const LANGS = ["fi", "sv", "en"] as const;
export type Lang = (typeof LANGS)[number];
export const LANG_COOKIE = "lang";

export const CATALOGS: Record<Lang, Messages> = { fi, sv, en };

export const isLang = (value: string | undefined): value is Lang =>
  (LANGS as readonly string[]).includes(value ?? "");

/**
 * The page's language: the `lang` cookie the switch sets, else the first of the browser's
 * Accept-Language (by q) that the portal speaks, else Finnish.
 */
export function chooseLang(cookie: string | undefined, acceptLanguage: string | undefined): Lang {
  if (isLang(cookie)) return cookie;
  const wanted = (acceptLanguage ?? "")
    .split(",")
    .map((part, order) => {
      const [tag = "", ...params] = part.trim().split(";");
      const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
      return {
        lang: tag.trim().toLowerCase().split("-")[0],
        q: q === undefined ? 1 : Number(q),
        order,
      };
    })
    .filter((w) => w.q > 0)
    .sort((a, b) => b.q - a.q || a.order - b.order);
  return wanted.map((w) => w.lang).find(isLang) ?? "fi";
}

export type Translate = (key: MessageKey, values?: Record<string, string | number>) => string;

/** A catalog's lookup, filling `{name}` placeholders (values are escaped where they render). */
export function translator(lang: Lang): Translate {
  const messages = CATALOGS[lang];
  return (key, values = {}) =>
    messages[key].replace(/\{(\w+)\}/g, (whole, name: string) =>
      name in values ? String(values[name]) : whole,
    );
}
