import { describe, expect, it } from "vitest";
import { shiftDatesInText } from "./note-dates.js";

const shift = (text: string, days: number, noteDate?: string) =>
  shiftDatesInText(text, days, { noteDate });

/** The text after the shift, asserting every date in it was shifted. */
const shifted = (text: string, days: number, noteDate?: string) => {
  const r = shift(text, days, noteDate);
  expect(r.unshiftable, text).toBe(0);
  return r.text;
};

describe("shiftDatesInText: Finnish numeric dates", () => {
  it("shifts d.m.yyyy and dd.mm.yyyy, keeping the note's zero padding", () => {
    expect(shifted("Käynti 5.3.2020 poliklinikalla.", 10)).toBe("Käynti 15.3.2020 poliklinikalla.");
    expect(shifted("REU POLIKLINIKKAKÄYNTI 05.03.2020 HUS", -7)).toBe(
      "REU POLIKLINIKKAKÄYNTI 27.02.2020 HUS",
    );
    // One padded date makes the note's style: 15.12.2020 is written 05.01.2021 beside it.
    expect(shifted("05.03.2020 ja 15.12.2020.", 21)).toBe("26.03.2020 ja 05.01.2021.");
    const r = shift("Alkanut 1.2.2020, kontrolli 3.4.2021.", 3);
    expect(r).toEqual({
      text: "Alkanut 4.2.2020, kontrolli 6.4.2021.",
      shifted: 2,
      unshiftable: 0,
    });
  });

  it("gets month and year edges and leap days right", () => {
    expect(shifted("31.12.2019", 1)).toBe("1.1.2020");
    expect(shifted("1.1.2020", -1)).toBe("31.12.2019");
    expect(shifted("28.2.2020", 1)).toBe("29.2.2020");
    expect(shifted("28.2.2021", 1)).toBe("1.3.2021");
    expect(shifted("29.2.2020", 365)).toBe("28.2.2021");
    expect(shifted("1.3.2000", -1)).toBe("29.2.2000");
    expect(shifted("1.3.1900", -1)).toBe("28.2.1900");
    expect(shifted("30.4.2020", 1)).toBe("1.5.2020");
    expect(shifted("5.3.2020", 0)).toBe("5.3.2020");
  });

  it("shifts two-digit years, unless the century decides the answer", () => {
    expect(shifted("Leikattu 12.5.19.", 10)).toBe("Leikattu 22.5.19.");
    expect(shifted("31.12.99", 1)).toBe("1.1.00");
    // 1900 is a common year, 2000 a leap year: 28.2.00 + 1 is 1.3. or 29.2.
    expect(shift("28.2.00", 1)).toMatchObject({ text: "28.2.00", unshiftable: 1 });
  });

  it("shifts d.m. without a year when the year cannot change the answer, or from the note's date", () => {
    expect(shifted("Kontrolli 15.4. klo 10.", 10, "2020-03-01")).toBe("Kontrolli 25.4. klo 10.");
    expect(shifted("Kontrolli 15.4. klo 10.", 10)).toBe("Kontrolli 25.4. klo 10.");
    expect(shifted("Seuraava 20.12., sitten 3.1. labrat", 14)).toBe(
      "Seuraava 3.1., sitten 17.1. labrat",
    );
    // Across the end of February the year matters: the note's date says which.
    expect(shifted("kontrolli 25.2. klo 8", 5, "2020-01-10")).toBe("kontrolli 1.3. klo 8");
    expect(shifted("kontrolli 25.2. klo 8", 5, "2021-01-10")).toBe("kontrolli 2.3. klo 8");
    // A note in December means the coming February.
    expect(shifted("kontrolli 25.2. klo 8", 5, "2019-12-20")).toBe("kontrolli 1.3. klo 8");
  });

  it("counts d.m. as unshiftable where it cannot be done safely", () => {
    // No year and the shift crosses the end of February.
    expect(shift("kontrolli 25.2. klo 8", 5)).toMatchObject({
      text: "kontrolli 25.2. klo 8",
      shifted: 0,
      unshiftable: 1,
    });
    // 29.2. with a note date more than half a year from any leap day.
    expect(shift("syntynyt 29.2. aamulla", 1, "2022-08-01").unshiftable).toBe(1);
    // At the end of a sentence a day and month cannot be told from a decimal ("Hb 12.5.").
    expect(shift("Kontrolli 15.4. Potilas voi hyvin.", 3).unshiftable).toBe(1);
    expect(shift("Kontrolli 15.4.", 3).unshiftable).toBe(1);
    // A range's open start ("1.–3.5.2020") has no month of its own.
    expect(shift("Osastolla 1.–3.5.2020.", 3)).toMatchObject({
      text: "Osastolla 1.–3.5.2020.",
      unshiftable: 1,
    });
  });

  it("counts a date-shaped mention that is no calendar date as unshiftable", () => {
    expect(shift("31.4.2020", 1)).toMatchObject({ text: "31.4.2020", unshiftable: 1 });
    expect(shift("29.2.2021", 1).unshiftable).toBe(1);
    expect(shift("2020-02-30", 1).unshiftable).toBe(1);
    // Slashed dates read both ways: 3 April or March 4.
    expect(shift("seen 3/4/2020", 1)).toMatchObject({ text: "seen 3/4/2020", unshiftable: 1 });
    expect(shift("seen 3/4/20", 1).unshiftable).toBe(1);
  });
});

describe("shiftDatesInText: ISO dates", () => {
  it("shifts yyyy-mm-dd, with or without a time, leaving the time of day", () => {
    expect(shifted("Otettu 2020-02-28.", 1)).toBe("Otettu 2020-02-29.");
    expect(shifted("2019-12-31T23:30:00+02:00", 1)).toBe("2020-01-01T23:30:00+02:00");
    expect(shifted("at 2021-03-01 08:15", -1)).toBe("at 2021-02-28 08:15");
  });
});

describe("shiftDatesInText: written months", () => {
  it("shifts Finnish day-month-year and day-month", () => {
    expect(shifted("Leikattu 5. toukokuuta 2020.", 30)).toBe("Leikattu 4. kesäkuuta 2020.");
    expect(shifted("31. joulukuuta 2019 alkaen", 1)).toBe("1. tammikuuta 2020 alkaen");
    expect(shifted("Kontrolli 5. toukokuuta klo 9", -5)).toBe("Kontrolli 30. huhtikuuta klo 9");
    expect(shifted("28. helmikuuta 2020", 1)).toBe("29. helmikuuta 2020");
  });

  it("shifts a Finnish month and year as the middle of that month would be", () => {
    expect(shifted("Aloitettu toukokuussa 2020.", 10)).toBe("Aloitettu toukokuussa 2020.");
    expect(shifted("Aloitettu toukokuussa 2020.", 20)).toBe("Aloitettu kesäkuussa 2020.");
    expect(shifted("Joulukuussa 2019 todettu", 17)).toBe("Tammikuussa 2020 todettu");
    expect(shifted("tammikuu 2020", -15)).toBe("joulukuu 2019");
  });

  it("shifts Swedish dates", () => {
    expect(shifted("Opererad 5 maj 2020.", 30)).toBe("Opererad 4 juni 2020.");
    expect(shifted("den 31 december 2019", 1)).toBe("den 1 januari 2020");
    expect(shifted("återbesök 5 maj kl 9", 3)).toBe("återbesök 8 maj kl 9");
    expect(shifted("insatt i mars 2020", 20)).toBe("insatt i april 2020");
    expect(shifted("Maj 2020 påbörjat", -20)).toBe("April 2020 påbörjat");
    // A capitalised month with a day is still a day, not a month and year.
    expect(shifted("5 Maj 2020", 20)).toBe("25 Maj 2020");
    expect(shifted("28 Februari 2020", 2)).toBe("1 Mars 2020");
  });

  it("shifts English dates in both orders, with ordinals and short names", () => {
    expect(shifted("Seen on May 5, 2020.", 30)).toBe("Seen on June 4, 2020.");
    expect(shifted("Seen on 5 May 2020.", 30)).toBe("Seen on 4 June 2020.");
    expect(shifted("on the 1st of March 2021", -1)).toBe("on the 28th of February 2021");
    expect(shifted("Dec 31, 2019", 1)).toBe("Jan 1, 2020");
    expect(shifted("Sept. 30 2020", 1)).toBe("Oct. 1 2020");
    expect(shifted("follow-up March 3rd", 20)).toBe("follow-up March 23rd");
    expect(shifted("Started in May 2020.", 20)).toBe("Started in June 2020.");
    expect(shifted("Feb 28, 2020", 1)).toBe("Feb 29, 2020");
  });

  it("counts a written day-month without a year as unshiftable when the year decides", () => {
    expect(shift("follow-up February 25", 5).unshiftable).toBe(1);
    expect(shift("återbesök 25 februari kl 8", 5).unshiftable).toBe(1);
    expect(shifted("återbesök 25 februari kl 8", 5, "2021-02-01")).toBe("återbesök 2 mars kl 8");
  });
});

describe("shiftDatesInText: what is not a date", () => {
  it("leaves versions, decimals, times, doses, counts and phone-like numbers alone", () => {
    for (const text of [
      "Ohjelmaversio 1.2.3 käytössä.",
      "versio 10.2.15.3",
      "Hb 12.5 g/l, CRP 3",
      "klo 12.30 ja klo 8.15.",
      "klo 10.05. jälkeen, kello 9.12. aamulla, kl. 8.10. på morgonen",
      "Metformiini 2.5 mg x 2",
      "Annos 0,5 mg.",
      "Puh. 040 123 4567, 09 471 12345",
      "IP 192.168.1.1",
      "62-vuotias nainen.",
      "62-årig man, 62 år.",
      "A 62-year-old woman, aged 62.",
      "Potilas may 2020 tablets",
      "vuonna 2020 aloitettu",
      "In 2019 she moved.",
      "toukokuussa aloitettu",
      "DAS28 2,61, HAQ 0,75.",
      "RR 135/85",
    ]) {
      expect(shift(text, 10), text).toEqual({ text, shifted: 0, unshiftable: 0 });
    }
  });

  it("refuses a shift that is not a whole number of days", () => {
    expect(() => shift("5.3.2020", 1.5)).toThrow(/whole number of days/);
  });
});

describe("shiftDatesInText: a whole note", () => {
  it("moves every date by the same shift and leaves the age", () => {
    const note =
      "SIS EPIKRIISI 05.03.2020 HUS Meilahti\n\n62-vuotias mies. Tullut 1.3.2020, kotiutettu 4.3.2020. Metformiini aloitettu toukokuussa 2019. Kontrolli 15.4. klo 9.\n\nLL Virtanen\n";
    const r = shift(note, -10, "2020-03-05");
    expect(r).toEqual({
      text: "SIS EPIKRIISI 24.02.2020 HUS Meilahti\n\n62-vuotias mies. Tullut 20.02.2020, kotiutettu 23.02.2020. Metformiini aloitettu toukokuussa 2019. Kontrolli 05.04. klo 9.\n\nLL Virtanen\n",
      shifted: 5,
      unshiftable: 0,
    });
  });
});
