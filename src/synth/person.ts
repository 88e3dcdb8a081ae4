import { checkCharacter } from "../identity/hetu.js";
import {
  AGE_BANDS,
  EMAIL_DOMAINS,
  FINNISH_FEMALE,
  FINNISH_MALE,
  FINNISH_SURNAMES,
  MOBILE_PREFIXES,
  MUNICIPALITIES,
  type Municipality,
  SWEDISH_FEMALE,
  SWEDISH_MALE,
  SWEDISH_SURNAMES,
} from "./reference/people.js";
import { Rng } from "./rng.js";
import { DAY, YEAR } from "./time.js";

export type Sex = "male" | "female";

export interface Relative {
  relation: "spouse" | "daughter" | "son" | "mother";
  given: string;
  family: string;
  phone: string;
}

/** One synthetic person, with the identifiers a real EHR holds about them. */
export interface Person {
  index: number;
  id: string;
  sex: Sex;
  /** Midnight UTC of the birth date. */
  birth: number;
  hetu: string;
  temporaryHetu: boolean;
  language: "fi" | "sv";
  given: string[];
  family: string;
  municipality: Municipality;
  street: string;
  postalCode: string;
  city: string;
  phone: string;
  email: string | null;
  relative: Relative;
  biobankConsent: boolean;
}

const CENTURY_1900 = ["-", "Y", "X", "W", "V", "U"] as const;
const CENTURY_2000 = ["A", "B", "C", "D", "E", "F"] as const;
const SIGNS = ["+", ...CENTURY_1900, ...CENTURY_2000];

/**
 * Hands out personal identity codes that are unique within a run. The first choice comes from
 * the person's own stream; a collision is resolved from a separate stream and remembered, so a
 * person regenerated later (for a daily increment) gets the same code.
 */
export class HetuAllocator {
  readonly #used = new Set<number>();
  readonly #overrides = new Map<number, string>();

  constructor(private readonly seed: number) {}

  allocate(
    index: number,
    firstChoice: string,
    birth: number,
    sex: Sex,
    temporary: boolean,
  ): string {
    if (!this.#used.has(hetuKey(firstChoice))) {
      this.#used.add(hetuKey(firstChoice));
      return firstChoice;
    }
    const rng = Rng.derive(this.seed, "hetu-collision", index);
    for (;;) {
      const candidate = makeHetu(rng, birth, sex, temporary);
      if (!this.#used.has(hetuKey(candidate))) {
        this.#used.add(hetuKey(candidate));
        this.#overrides.set(index, candidate);
        return candidate;
      }
    }
  }

  /** The code a person already given one has. */
  existing(index: number, firstChoice: string): string {
    return this.#overrides.get(index) ?? firstChoice;
  }
}

function hetuKey(hetu: string): number {
  return (
    (Number(hetu.slice(0, 6)) * SIGNS.length + SIGNS.indexOf(hetu[6] as string)) * 1000 +
    Number(hetu.slice(7, 10))
  );
}

function makeHetu(rng: Rng, birth: number, sex: Sex, temporary: boolean): string {
  const d = new Date(birth);
  const year = d.getUTCFullYear();
  const datePart =
    String(d.getUTCDate()).padStart(2, "0") +
    String(d.getUTCMonth() + 1).padStart(2, "0") +
    String(year % 100).padStart(2, "0");
  // Since 2023 new codes may use the extra signs; a small share of people have one.
  const sign =
    year >= 2000
      ? rng.chance(0.06)
        ? rng.pick(CENTURY_2000.slice(1))
        : "A"
      : year >= 1900
        ? rng.chance(0.06)
          ? rng.pick(CENTURY_1900.slice(1))
          : "-"
        : "+";
  const parity = sex === "male" ? 1 : 0;
  const base = temporary ? rng.int(450, 499) * 2 : rng.int(1, 449) * 2;
  const individual = String(base + parity).padStart(3, "0");
  return `${datePart}${sign}${individual}${checkCharacter(datePart, individual)}`;
}

function phoneNumber(rng: Rng): string {
  return `${rng.pick(MOBILE_PREFIXES)} ${rng.int(100, 999)} ${rng.int(1000, 9999)}`;
}

const ASCII: Record<string, string> = { ä: "a", ö: "o", å: "a", é: "e" };
function emailLocal(text: string): string {
  return text.toLowerCase().replace(/[äöåé]/g, (c) => ASCII[c] ?? c);
}

export interface PersonContext {
  seed: number;
  asOf: number;
  hetus: HetuAllocator;
}

/**
 * The person with a given index. `existing` regenerates a person created earlier in the run
 * (same identity code); otherwise the code is allocated now.
 */
export function makePerson(
  ctx: PersonContext,
  index: number,
  existing: boolean,
  bornAfter?: number,
): Person {
  const rng = Rng.derive(ctx.seed, "person", index);
  const id = rng.uuid();
  const sex: Sex = rng.chance(0.49) ? "male" : "female";
  const band = rng.weighted(AGE_BANDS.map(([from, share]) => [from, share] as const));
  const age = band + rng.float() * 10;
  let birth = Math.floor((ctx.asOf - age * YEAR) / DAY) * DAY;
  if (bornAfter !== undefined && birth < bornAfter) birth = bornAfter;
  const temporary = rng.chance(0.005);
  const firstChoice = makeHetu(rng, birth, sex, temporary);
  const hetu = existing
    ? ctx.hetus.existing(index, firstChoice)
    : ctx.hetus.allocate(index, firstChoice, birth, sex, temporary);

  const municipality = rng.weighted(MUNICIPALITIES.map((m) => [m, m.population] as const));
  const language = rng.chance(municipality.swedish) ? "sv" : "fi";
  const firstNames =
    language === "sv"
      ? sex === "male"
        ? SWEDISH_MALE
        : SWEDISH_FEMALE
      : sex === "male"
        ? FINNISH_MALE
        : FINNISH_FEMALE;
  const surnames = language === "sv" && rng.chance(0.7) ? SWEDISH_SURNAMES : FINNISH_SURNAMES;
  const given = [rng.pick(firstNames)];
  if (rng.chance(0.7)) {
    const second = rng.pick(firstNames);
    if (second !== given[0]) given.push(second);
  }
  const family = rng.pick(surnames);
  const street = `${rng.pick(municipality.streets)} ${rng.int(1, 60)}${rng.chance(0.5) ? ` ${rng.pick(["A", "B", "C"])} ${rng.int(1, 40)}` : ""}`;
  const relation = rng.pick(["spouse", "daughter", "son", "mother"] as const);
  const relativeNames =
    relation === "son" || (relation === "spouse" && sex === "female")
      ? language === "sv"
        ? SWEDISH_MALE
        : FINNISH_MALE
      : language === "sv"
        ? SWEDISH_FEMALE
        : FINNISH_FEMALE;
  const relative: Relative = {
    relation,
    given: rng.pick(relativeNames),
    family: relation === "spouse" && rng.chance(0.3) ? rng.pick(surnames) : family,
    phone: phoneNumber(rng),
  };
  return {
    index,
    id,
    sex,
    birth,
    hetu,
    temporaryHetu: temporary,
    language,
    given,
    family,
    municipality,
    street,
    postalCode: rng.pick(municipality.postalCodes),
    city: language === "sv" ? municipality.sv : municipality.fi,
    phone: phoneNumber(rng),
    email: rng.chance(0.35)
      ? `${emailLocal(given[0] as string)}.${emailLocal(family)}${rng.chance(0.3) ? rng.int(1, 99) : ""}@${rng.pick(EMAIL_DOMAINS)}`
      : null,
    relative,
    biobankConsent: rng.chance(0.25),
  };
}
