import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixtureLake } from "../../test/support/fixture-lake.js";
import { loadNotes, type Note } from "../../test/support/note-loads.js";
import { tempDir } from "../../test/support/stores.js";
import type { Home } from "../home/home.js";
import { Lake } from "../lake/lake.js";
import { sql } from "../lake/sql.js";
import { TOKEN_PATTERN } from "../lake/word-index.js";
import { type ControlStore, openControlStore } from "../store/control-store.js";
import { cohortContext, materialise } from "./cohort-service.js";
import { compileCohort } from "./compile.js";
import type { CohortContext } from "./context.js";
import { parseDefinition } from "./definition.js";
import { isWholeRun, tokenPattern, vocabularyPattern } from "./word-match.js";

describe("a contains word's lookup in the vocabulary", () => {
  it("takes the longest run of letters, anchored where the word has a separator", () => {
    expect(tokenPattern("nivelkipu")).toBe("nivelkipu");
    expect(tokenPattern("joint pain")).toBe("joint$");
    expect(tokenPattern("CRP-arvo")).toBe("^arvo");
    expect(tokenPattern("kipu, ja turvotus")).toBe("^turvotus");
    expect(tokenPattern(" ja ")).toBe("^ja$");
    expect(tokenPattern("Ödeema")).toBe("Ödeema");
    // Letters it cannot vouch for break a run without anchoring it.
    expect(tokenPattern("İstanbul")).toBe("stanbul");
    expect(tokenPattern("Σίσυφος")).toBeUndefined();
    expect(tokenPattern("—")).toBeUndefined();
    expect(vocabularyPattern(["kipu", "Σ"])).toBeUndefined();
    expect(vocabularyPattern(["kipu", "KIPU", "joint pain"])).toBe("(?i)(kipu|KIPU|joint$)");
  });

  it("holds only letters RE2 tokenises as letters, and anchors only at what it never does", async () => {
    const tmp = tempDir("kaivo-word-match-");
    const lake = await Lake.open((await fixtureLake(tmp.dir, {})) as Home);
    try {
      const chars = Array.from({ length: 0x250 }, (_, i) => String.fromCodePoint(i + 1));
      const letters = chars.filter((c) => tokenPattern(c) === c);
      const separators = chars.filter((c) => tokenPattern(`a${c}`) === "a$");
      expect(letters).toContain("ä");
      expect(letters).not.toContain("İ");
      expect(separators).toContain(" ");
      const token = `^${TOKEN_PATTERN.slice(0, -1)}$`;
      const [r] = await lake.query(
        sql`select len(list_filter(${letters}::varchar[], x -> not regexp_matches(x, ${token}))) bad_letters,
          len(list_filter(${separators}::varchar[], x -> regexp_matches(x, ${`(?i)${token}`}))) bad_separators`,
      );
      expect(r).toEqual({ bad_letters: "0", bad_separators: "0" });
    } finally {
      lake.close();
      tmp.remove();
    }
  });
});

/** A small seeded generator (mulberry32): the same notes every run. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = [
  "Nivelkipu",
  "nivelkivut",
  "NIVELKIPUJA",
  "ledbesvär",
  "Ledbesvären",
  "joint",
  "pain",
  "Joint-pain",
  "polyarthritis",
  "Polyartriitti",
  "kipu",
  "selkäkipu",
  "päänsärky",
  "turvotus",
  "ödeema",
  "Ödem",
  "Hyvä",
  "yleisvointi",
  "CRP-arvo",
  "CRP",
  "café",
  "CAFÉ",
  "cafe",
  "naïve",
  "Müller",
  "größe",
  "GRÖẞE",
  "Straße",
  "ÅBO",
  "åbo",
  "ja",
  "och",
  "and",
  "[NIMI]",
  "[HETU]",
  "e\u0301lan",
  "élan",
  "Σίσυφος",
  "ΣΊΣΥΦΟΣ",
  "ıi",
  "İstanbul",
  "x2",
  "3.5",
  "K",
  "Ångström",
  "ſeptember",
  "kipuja",
  "Kipu",
];
const SEPARATORS = [" ", " ", " ", ", ", ". ", "-", "/", "\n", "; ", " (", ") ", " — ", "…", "_"];

function notes(rand: () => number, count: number, prefix: string): Note[] {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)] as T;
  return Array.from({ length: count }, (_, i) => {
    const n = 1 + Math.floor(rand() * 12);
    let text = pick(WORDS);
    for (let k = 1; k < n; k++) text += pick(SEPARATORS) + pick(WORDS);
    return {
      key: `${prefix}${i}`,
      pseudoId: `P${i}`,
      day: `20${10 + (i % 15)}-0${1 + (i % 9)}-1${i % 10}`,
      text: rand() < 0.03 ? null : text,
    };
  });
}

const QUERIES: string[][] = [
  ...WORDS.map((w) => [w]),
  ...[
    "kipu",
    "ivel",
    "vär",
    "ÄR",
    "ödee",
    "Ö",
    "ä",
    "a",
    "joint pain",
    "JOINT PAIN",
    "int pa",
    "joint-pain",
    "pain, tur",
    "u, t",
    "CRP-a",
    "-arvo",
    "rp-",
    ".5",
    "3.5",
    "é",
    "e",
    "e\u0301",
    "ß",
    "ss",
    "ẞ",
    "Σ",
    "σίσ",
    "ς",
    "İ",
    "i",
    "I",
    "ı",
    "x",
    "—",
    " ",
    "kipu ja",
    "ja kipu",
    "[nimi]",
    "nimi]",
    "k",
    "k",
    "s",
    "S",
    "ſ",
    "å",
    "Å",
    "Å",
    "_",
    "kipu_",
    "(",
    "oint",
    "arthritis",
    "ARTHRIT",
    "nivelkipuja ",
    " och ",
    "ja ja",
    "cafe",
    "naive",
  ].map((w) => [w]),
  ["nivelkipu", "nivelkivut", "ledbesvär", "joint pain", "polyarthritis"],
  ["ödeema", "Σ"],
  ["e", "ä", "ö"],
  ["k", "pain, ", "3.5"],
];

describe("contains through the word index", () => {
  const tmp = tempDir("kaivo-word-paths-");
  let home: Home;
  let store: ControlStore;
  beforeAll(async () => {
    home = await fixtureLake(tmp.dir, {});
    store = await openControlStore(home);
    const lake = await Lake.open(home);
    try {
      const rand = random(17);
      const first = notes(rand, 400, "n");
      await loadNotes(lake, 2, first);
      // Load 3 rewrites a quarter of the notes, deletes some and adds new ones.
      const changed = notes(rand, 100, "n").map((n, i) => ({ ...n, key: `n${i * 4}` }));
      await loadNotes(
        lake,
        3,
        [...first.filter((_, i) => i % 4 !== 0), ...changed, ...notes(rand, 50, "m")],
        first.filter((_, i) => i % 7 === 1).map((n) => n.key),
      );
    } finally {
      lake.close();
    }
  });
  afterAll(async () => {
    await store.close();
    tmp.remove();
  });

  async function members(lake: Lake, words: string[], ctx: CohortContext) {
    const def = parseDefinition({
      name: "notes",
      entry: {
        events: { table: "clinical.note", where: [{ column: "text", contains: words }] },
        occurrence: "all",
      },
    });
    const compiled = compileCohort(def, ctx);
    await materialise(lake, compiled);
    const rows = await lake.query(
      sql`select pseudo_id || ' ' || index_date as m from cohort_members order by 1`,
    );
    return { sql: compiled.sql.compile().text, members: rows.map((r) => String(r.m)) };
  }

  it("finds exactly the notes a full scan finds, at every snapshot", async () => {
    const lake = await Lake.open(home, { readOnly: true });
    try {
      let nonEmpty = 0;
      let indexed = 0;
      for (const snapshot of [2, 3]) {
        const plain = parseDefinition({
          name: "notes",
          entry: { events: { table: "clinical.note" } },
        });
        const ctx = await cohortContext(lake, store, plain, snapshot);
        expect([...(ctx.wordIndex ?? new Map()).keys()]).toEqual(["clinical.note.text"]);
        const scan = { ...ctx, wordIndex: undefined };
        for (const words of QUERIES) {
          const withIndex = await members(lake, words, ctx);
          const withScan = await members(lake, words, scan);
          expect(withScan.sql).not.toContain("_search");
          const uses = vocabularyPattern(words) !== undefined;
          expect(withIndex.sql.includes("_search.postings"), words.join("|")).toBe(uses);
          // Words of letters only are answered by the index alone: no text is read.
          expect(withIndex.sql.includes("regexp_matches(case"), words.join("|")).toBe(
            uses && !words.every(isWholeRun),
          );
          expect(withIndex.members, `${words.join("|")} at ${snapshot}`).toEqual(withScan.members);
          if (withScan.members.length > 0) nonEmpty++;
          if (uses) indexed++;
        }
      }
      // The comparison means something: most queries find notes, and most use the index.
      expect(nonEmpty).toBeGreaterThan(QUERIES.length);
      expect(indexed).toBeGreaterThan(QUERIES.length * 1.5);
    } finally {
      lake.close();
    }
  });
});
