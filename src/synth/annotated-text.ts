/**
 * Text that knows where its identifiers are. Notes are assembled from fragments; an identifier
 * is marked when it is written, so its span is exact by construction and never searched for
 * afterwards (a search would find a surname inside a street name, or the wrong one of two).
 */

/** An identifier's place in a text: `text.slice(start, end)` is it. */
export interface AnnotatedSpan {
  start: number;
  end: number;
  /** HETU, NAME, PHONE, EMAIL, ADDRESS; any string, so the benchmark can grow new types. */
  type: string;
}

export interface Fragment {
  text: string;
  spans: AnnotatedSpan[];
}

/** An identifier value to be written into a fragment. */
export function ident(type: string, value: string): Fragment {
  return { text: value, spans: value ? [{ start: 0, end: value.length, type }] : [] };
}

/** A fragment with no identifiers. */
export function plain(text: string): Fragment {
  return { text, spans: [] };
}

/** Joins fragments with a separator, moving every span to its place in the joined text. */
export function joinFragments(parts: ReadonlyArray<Fragment | string>, separator = ""): Fragment {
  let text = "";
  const spans: AnnotatedSpan[] = [];
  parts.forEach((part, i) => {
    if (i > 0) text += separator;
    const f = typeof part === "string" ? plain(part) : part;
    for (const s of f.spans)
      spans.push({ start: s.start + text.length, end: s.end + text.length, type: s.type });
    text += f.text;
  });
  return { text, spans };
}

/**
 * A tagged template: plain strings and numbers are text, fragments keep their spans.
 * `t\`Potilas ${ident("NAME", name)}, hetu ${ident("HETU", code)}.\``
 */
export function t(strings: TemplateStringsArray, ...values: Array<Fragment | string | number>) {
  const parts: Array<Fragment | string> = [];
  strings.forEach((s, i) => {
    parts.push(s);
    const v = values[i];
    if (v !== undefined) parts.push(typeof v === "number" ? String(v) : v);
  });
  return joinFragments(parts);
}
