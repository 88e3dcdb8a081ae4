import { afterAll, describe, expect, it } from "vitest";
import { fixtureLake } from "../../test/support/fixture-lake.js";
import { loadNotes } from "../../test/support/note-loads.js";
import { tempDir } from "../../test/support/stores.js";
import { Lake } from "./lake.js";
import { sql } from "./sql.js";
import { fold, indexedColumns, TOKEN_PATTERN } from "./word-index.js";

const tmp = tempDir("kaivo-word-index-");
afterAll(() => tmp.remove());

let n = 0;
async function freshLake(rows: Parameters<typeof fixtureLake>[1] = {}) {
  const home = await fixtureLake(`${tmp.dir}/${++n}`, rows);
  return Lake.open(home);
}

/** Every (record, version, word) the index holds, and what tokenising the note rows gives. */
async function postingsAndNotes(lake: Lake) {
  const postings =
    await lake.query(sql`select p.record_key || '@' || p.load_from || '-' || coalesce(p.load_to::varchar, '') || ':' || v.word as x
    from _search.postings p join _search.vocabulary v using (word_id) order by 1`);
  const expected =
    await lake.query(sql`select distinct record_key || '@' || load_from || '-' || coalesce(load_to::varchar, '') || ':' || lower(t) as x
    from (select *, unnest(regexp_extract_all(text, ${TOKEN_PATTERN})) t from clinical.note) order by 1`);
  return { postings: postings.map((r) => String(r.x)), expected: expected.map((r) => String(r.x)) };
}

describe("the note word index", () => {
  it("is kept by each load's transaction, versioned exactly like its notes", async () => {
    const lake = await freshLake();
    try {
      await loadNotes(lake, 2, [
        {
          key: "a",
          pseudoId: "P1",
          day: "2020-01-01",
          text: "Nivelkipu ja TURVOTUS, [NIMI] soitti.",
        },
        { key: "b", pseudoId: "P2", day: "2020-01-02", text: "Ledbesvär; joint-pain" },
        { key: "c", pseudoId: "P3", day: "2020-01-03", text: "Ei valituksia." },
      ]);
      // b changes, c is deleted, d is new, a stays.
      await loadNotes(
        lake,
        3,
        [
          {
            key: "a",
            pseudoId: "P1",
            day: "2020-01-01",
            text: "Nivelkipu ja TURVOTUS, [NIMI] soitti.",
          },
          { key: "b", pseudoId: "P2", day: "2020-01-02", text: "Ledvärk" },
          { key: "d", pseudoId: "P4", day: "2020-01-04", text: null },
        ],
        ["c"],
      );
      const { postings, expected } = await postingsAndNotes(lake);
      expect(postings).toEqual(expected);
      expect(postings).toContain("b@2-3:ledbesvär");
      expect(postings).toContain("b@3-:ledvärk");
      expect(postings).toContain("c@2-3:valituksia");
      expect(postings).toContain("a@2-:nimi");
      // The scrubbed placeholder is all an identifier left behind.
      expect(postings.filter((p) => p.startsWith("a@"))).toEqual(
        ["ja", "nimi", "nivelkipu", "soitti", "turvotus"].map((w) => `a@2-:${w}`),
      );
      expect(await indexedColumns(lake)).toEqual([
        { tableId: 1, registry: "clinical", table: "note", column: "text" },
      ]);
    } finally {
      lake.close();
    }
  });

  it("indexes a lake from before it whole, every version, at its next load", async () => {
    const lake = await freshLake({
      "clinical.note": [
        {
          record_key: "old",
          pseudo_id: "P1",
          event_date: "2019-01-01",
          text: "Vanha nivelkipu",
          load_to: 1,
        },
        { record_key: "old", pseudo_id: "P1", event_date: "2019-01-01", text: "Uusi selkäkipu" },
      ],
    });
    try {
      expect(await indexedColumns(lake)).toEqual([]);
      await loadNotes(lake, 2, [
        { key: "new", pseudoId: "P2", day: "2020-01-01", text: "Polvi kipeä" },
      ]);
      const { postings, expected } = await postingsAndNotes(lake);
      expect(postings).toEqual(expected);
      expect(postings).toContain("old@1-1:vanha");
      expect(postings).toContain("old@1-:selkäkipu");
      expect(postings).toContain("new@2-:kipeä");
    } finally {
      lake.close();
    }
  });

  it("a rolled-back load leaves the index as it was", async () => {
    const lake = await freshLake();
    try {
      await loadNotes(lake, 2, [{ key: "a", pseudoId: "P1", day: "2020-01-01", text: "yksi" }]);
      const before = await postingsAndNotes(lake);
      // A load whose record fails after the merge's work: the same transaction is rolled back.
      await lake.query(sql`insert into main._loads values (3, 'x', 'x', 'x', 'x', '{}')`);
      await expect(
        loadNotes(lake, 3, [{ key: "a", pseudoId: "P1", day: "2020-01-01", text: "kaksi" }]),
      ).rejects.toThrow();
      expect(await postingsAndNotes(lake)).toEqual(before);
    } finally {
      lake.close();
    }
  });
});

/**
 * The index's exactness rests on facts about DuckDB's RE2 and lower(), checked here over every
 * code point so a DuckDB upgrade that changes them fails this test rather than a count.
 */
describe("the tokeniser's letters", () => {
  it("are closed under case folding, and the fold keeps each one matching itself", async () => {
    const lake = await freshLake();
    try {
      await lake.query(
        sql`create temp table cp as select i, chr(i::int) as ch from range(1, 1114112) t(i) where i < 55296 or i > 57343`,
      );
      const token = `^${TOKEN_PATTERN.slice(0, -1)}$`;
      const [outside] = await lake.query(
        sql`select count(*) n from cp where not regexp_matches(ch, ${token}) and regexp_matches(ch, ${`(?i)${token}`})`,
      );
      expect(Number(outside?.n)).toBe(0);
      const folded = await lake.query(
        sql`select i, f from (select *, ${fold(sql`ch`)} as f from cp) where regexp_matches(ch, ${token}) and (length(f) <> 1
          or not regexp_matches(f, ${token})
          or not regexp_matches(f, '(?i)^' || regexp_replace(ch, '([\\.^$|?*+()\\[\\]{}])', '\\\\\\1', 'g') || '$'))`,
      );
      expect(folded).toEqual([]);
      // lower() alone would fail for İ only: the fold keeps it.
      const [i] = await lake.query(
        sql`select lower('İ') = 'i' as lowered, ${fold(sql`'İstanbul'`)} as folded`,
      );
      expect(i).toEqual({ lowered: true, folded: "İstanbul" });
    } finally {
      lake.close();
    }
  });
});
