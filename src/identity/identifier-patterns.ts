/**
 * The one source of the identifier patterns: the ingest scrubber, free-text checks and the
 * release guard all build theirs from these cores. Cores use only syntax that JavaScript and RE2
 * (DuckDB's regex engine) read alike; each engine adds its own edges, since RE2 has no
 * look-behind.
 */

// Dashes people type or paste from word processors: hyphen, en and em dash, minus, small and
// full-width hyphen-minus. A hetu written with any of them is still the person's code.
export const UNICODE_DASHES = "\u2010-\u2015\u2212\uFE58\uFE63\uFF0D";

const DATE6 = "(?:0[1-9]|[12][0-9]|3[01])(?:0[1-9]|1[0-2])[0-9]{2}";

/** A hetu with its century sign or a dash, spaces allowed around it ("131052 -308T"). */
export const HETU_SEPARATED = `${DATE6}[ \\t]{0,2}[-+A-FU-Ya-fu-y${UNICODE_DASHES}][ \\t]{0,2}[0-9]{3}[0-9A-Ya-y]`;

/**
 * A hetu with no sign at all ("131052308T"), or a space typed in its place ("131052 308T").
 * Ten characters of digits are often something else, so the scrubber takes it only when the
 * check character validates; the guard, which cannot compute it, only when the check character
 * is a letter.
 */
export const HETU_UNSEPARATED = `(${DATE6})[ \t]?([0-9]{3})([0-9A-Ya-y])`;
const HETU_UNSEPARATED_LETTER = `${DATE6}[ \t]?[0-9]{3}[A-FHJ-NPR-Ya-fhj-npr-y]`;

/**
 * Phone numbers: Finnish (0x / (0x) / +358) and international (+CC) digit groups separated by
 * spaces or dashes, and US forms ((555) 123-4567, 555-123-4567, 1-800-555-0199, 555.123.4567).
 */
export const PHONE_CORE = [
  // Up to four groups after the area code: French numbers come in pairs (+33 6 12 34 56 78).
  "\\+[1-9][0-9]{0,2}[ -]?[0-9]{1,4}(?:[ -]?[0-9]{2,5}){1,4}",
  // The area code in brackets after the country code (+7 (495) 318-22-47, +44 (0)20 7946 0958).
  "\\+[1-9][0-9]{0,2} ?\\((?:0\\)[ -]?[0-9]{1,4}|[0-9]{1,4}\\))[ -]?[0-9]{2,5}(?:[ -]?[0-9]{2,5}){0,3}",
  // The 00 international prefix for the + (00358 40 123 4567): before the Finnish 0x form, which
  // would take its first digits only. No country code starts with 0.
  "00[1-9][0-9]{0,2}[ -]?[0-9]{1,4}(?:[ -]?[0-9]{2,5}){1,3}",
  // Swedish mobiles in pairs (0708-11 22 33, 0702 44 55 66) and a trunk zero in brackets
  // before the area code ((0)8 - 555 012 34): before the Finnish form, which ends a group early.
  "07[0-9]{2}[ -]?[0-9]{2,3}(?:[ -][0-9]{2}){2}",
  "\\(0\\)[0-9]{1,3} ?-? ?[0-9]{2,5}(?:[ -]?[0-9]{2,5}){0,3}",
  "(?:\\(0[0-9]{1,2}\\)|0[0-9]{1,2})(?:[ -]?[0-9]{2,5}){1,3}",
  "(?:1[ -])?(?:\\([0-9]{3}\\) ?|[0-9]{3}-)[0-9]{3}-[0-9]{4}",
  // US numbers with dots (555.123.4567): three groups of exactly 3, 3 and 4 digits, which no
  // date or version number written with dots has.
  "(?:1\\.)?[0-9]{3}\\.[0-9]{3}\\.[0-9]{4}",
].join("|");

export const EMAIL_CORE = "[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\\.[A-Za-z0-9-]+)*\\.[A-Za-z]{2,}";

// E-mail addresses written to dodge harvesters: "at" and "dot" in brackets, in words or in
// capitals, and stray spaces around "@" or before a dot. The top-level domain is in lower case.
const AT_MARKED = " ?[(\\[](?:at|AT)[)\\]] ?| ?@ ?";
const AT_WORD = " (?:at|AT) ";
const DOT_SEP = " ?\\.| ?[(\\[](?:dot|DOT)[)\\]] ?| (?:dot|DOT) ";
const LABEL = "[A-Za-z0-9-]+";
const OBFUSCATED_DOMAIN = `${LABEL}(?:(?:${DOT_SEP})${LABEL})*(?:${DOT_SEP})[a-z]{2,6}`;
// "at" as a plain word is English: only with a local part no sentence has (a dot, underscore,
// digit) or a common mail provider after it ("arrived at kela.fi" is not an address).
const MAIL_PROVIDERS =
  "gmail|hotmail|outlook|live|yahoo|icloud|me|protonmail|proton|kolumbus|luukku|suomi24|elisanet|saunalahti|welho|telia|netti|msn|aol|gmx|mail";

/**
 * An obfuscated e-mail address (name at gmail.com, name(at)outlook.com, name [at] kolumbus [dot]
 * fi, name AT gmail DOT com, name@gmail .com).
 */
export const OBFUSCATED_EMAIL_CORE = [
  `[A-Za-z0-9._%+-]+(?:${AT_MARKED})${OBFUSCATED_DOMAIN}`,
  `[A-Za-z0-9%+-]*[._0-9][A-Za-z0-9._%+-]*${AT_WORD}${OBFUSCATED_DOMAIN}`,
  `[A-Za-z0-9._%+-]+${AT_WORD}(?:${MAIL_PROVIDERS})(?:(?:${DOT_SEP})${LABEL})*(?:${DOT_SEP})[a-z]{2,6}`,
  // "dot" written as a word is no sentence's: "callum dot reid at gmail dot com", "amelia at
  // bennett dot co dot uk".
  `${LABEL}(?: (?:dot|DOT) ${LABEL})+${AT_WORD}${OBFUSCATED_DOMAIN}`,
  `[A-Za-z0-9._%+-]+${AT_WORD}${LABEL}(?: (?:dot|DOT) ${LABEL})* (?:dot|DOT) [a-z]{2,6}`,
].join("|");

// Letters as the address patterns see them (capitals first): Finnish, Swedish and common accents.
const UPPER = "A-ZÅÄÖÉÜØÆÕ";
const LOWER = "a-zåäöéüßøæõ";

// Finnish street words with their genitive and local cases (Mannerheimintiellä 12, Kauppakadun 3),
// and Swedish ones. Bare words such as "plan" (behandlingsplan 2) are left out for precision.
const FI_STREET_WORDS = [
  "tie tien tiellä tielle tieltä",
  "katu kadun kadulla kadulle kadulta",
  "kuja kujan kujalla kujalle kujalta",
  "polku polun polulla polulle polulta",
  "väylä väylän väylällä väylälle väylältä",
  "kaari kaaren kaarella kaarelle kaarelta",
  "rinne rinteen rinteellä rinteelle rinteeltä",
  "raitti raitin raitilla raitille raitilta",
  "tori torin torilla torille torilta",
  "aukio aukion aukiolla aukiolle aukiolta",
  "ranta rannan rannalla rannalle rannalta",
  "mäki mäen mäellä mäelle mäeltä",
  "esplanadi esplanadin esplanadilla esplanadille esplanadilta",
  "bulevardi bulevardin bulevardilla bulevardille bulevardilta",
].flatMap((forms) => forms.split(" "));
const SV_STREET_WORDS =
  "gatan gata vägen väg gränd gränden stigen allén backen torget platsen kajen esplanaden bulevarden svängen sväng";
const STREET_WORDS = [...FI_STREET_WORDS, ...SV_STREET_WORDS.split(" ")]
  // Longest first: alternation takes the first that fits.
  .sort((a, b) => b.length - a.length)
  .join("|");
const NORDIC_PREFIX =
  "Iso|Pikku|Vanha|Uusi|Itäinen|Läntinen|Pohjoinen|Eteläinen|Stora|Lilla|Gamla|Norra|Södra|Östra|Västra";
// A flat's word: Finnish "as", "as.", "asunto", Swedish "lgh" (lägenhet), "bost." (bostad,
// as Finland-Swedish addresses write it).
const FLAT = "(?:as\\.?|asunto|lgh\\.?|lägenhet|bost\\.?|bostad)";
// House number, staircase and flat: 12, 12a, 12-14, 12 A 5, 3 b as. 14, 14 as 3, 4 lgh 1102.
// A Swedish floor after the number: "61 2 tr" (trappor), "4 3 vån".
const NORDIC_NUMBER = `[0-9]{1,4}[a-hA-H]?(?:[-–][0-9]{1,4})?(?: [A-Ha-h](?: (?:${FLAT} ?)?[0-9]{1,3})?)?(?:,? ${FLAT} ?[0-9]{1,4})?(?: [0-9]{1,2} ?(?:tr|trappor|vån)\\.?)?`;
// After a prefix the street word may stand alone (Norra Esplanaden 8, Stora Torget 2).
const STREET_WORDS_ALONE = STREET_WORDS.split("|")
  .map((w) => `${(w[0] as string).toUpperCase()}${w.slice(1)}`)
  .join("|");
// Streets named by their street word alone, in Helsinki and elsewhere (Esplanaden 22, Bulevardi 14).
const STREETS_BY_WORD =
  "Esplanadi|Esplanadin|Esplanadilla|Esplanaden|Bulevardi|Bulevardin|Bulevardilla|Bulevarden";
const NORDIC_STREET = `(?:(?:${NORDIC_PREFIX}) (?:${STREET_WORDS_ALONE}|${STREET_WORDS})|(?:${STREETS_BY_WORD})|(?:(?:${NORDIC_PREFIX}) )?[${UPPER}][${LOWER}]+(?:-[${UPPER}]?[${LOWER}]+)*(?:${STREET_WORDS})) ${NORDIC_NUMBER}`;
// "Dr" and "Pl" are left out: in notes they are mostly a title and a plural.
const EN_STREET_WORDS =
  "Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Court|Ct|Place|Way|Terrace|Circle|Parkway|Pkwy|Highway|Hwy|Square|Sq|Close|Crescent|Gardens|Grove|Hill|Mews|Row|Walk|Rise|Green";
const UNIT = "(?:Apt|Apartment|Suite|Flat)\\.? ?#?[0-9]{1,5}[A-Za-z]?";
// Street names are words or ordinals (West 57th Street); a British flat comes first (Flat 3,
// 14 Elmwood Road), an American apartment after.
const EN_STREET = `(?:${UNIT},? )?[0-9]{1,5}[A-Za-z]? (?:(?:N|S|E|W|North|South|East|West)\\.? )?(?:[A-Z][a-z]+ |[0-9]{1,3}(?:st|nd|rd|th) ){1,3}(?:${EN_STREET_WORDS})\\.?(?: (?:NW|NE|SW|SE|N|S|E|W))?(?:,? ${UNIT})?`;
// A Finnish or Swedish street written in English order, a British flat before it (Flat 4,
// 17 Tehtaankatu): for notes written in English. Only the street word's nominative and numbers
// of up to three digits: "2011 Sisätautien osasto" is a year and a ward.
const NOMINATIVE_STREET_WORDS = [
  ..."tie katu kuja polku väylä kaari rinne raitti tori aukio ranta mäki esplanadi".split(" "),
  ...SV_STREET_WORDS.split(" "),
]
  .sort((a, b) => b.length - a.length)
  .join("|");
const NORDIC_STREET_EN_ORDER = `(?:${UNIT},? )?[0-9]{1,3}[a-hA-H]? [${UPPER}][${LOWER}]+(?:-[${UPPER}]?[${LOWER}]+)*(?:${NOMINATIVE_STREET_WORDS})`;
// Estonian streets: a name, then the street word or its abbreviation, house and flat (Narva mnt
// 7-12, Pärnu maantee 22, Kalevi tn 5): for patients from Estonia.
const ET_STREET = `[${UPPER}][${LOWER}]+ (?:mnt|maantee|tn|tänav|pst|puiestee)\\.? [0-9]{1,4}[a-hA-H]?(?:[-–/][0-9]{1,4})?`;
const PO_BOX = "(?:PL|PB|P\\.? ?O\\.? ?Box|Postilokero|Postbox) ?[0-9]{1,5}";
// "Box 45" alone is as often a form's box: a box only with its postal code and town after it
// (Box 45, 10601 Ekenäs), taken with them as one address.
const TOWN_WORD = "[A-ZÅÄÖÉÜØÆÕ][a-zåäöéüßøæõ]+";
const BOX_WITH_POSTAL = `Box [0-9]{1,5},? (?:(?:FI|SE?)-)?[0-9]{3} ?[0-9]{2} {1,2}${TOWN_WORD}`;

/**
 * Street addresses: Finnish and Swedish street names with a house number (Mannerheimintie 12 A 5,
 * Runebergsgatan 4 B 12, Mannerheimintiellä 12), English ones (221B Baker Street, 1600
 * Pennsylvania Ave NW), apartments and post-office boxes (Apt 4, PL 123, P.O. Box 12).
 */
export const STREET_ADDRESS_CORE = [
  NORDIC_STREET,
  EN_STREET,
  NORDIC_STREET_EN_ORDER,
  ET_STREET,
  UNIT,
  BOX_WITH_POSTAL,
  PO_BOX,
].join("|");

const TOWN = `[${UPPER}](?:[${LOWER}]+(?:-[${UPPER}][${LOWER}]+)?|[${UPPER}]+)`;
const US_STATES =
  "AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC";
// Without a town before them, states that are also common words or abbreviations (ID, IN, OR,
// ME, OK, HI, OH, PA, MS, CO) are not taken: "ID 12345" is a number, not an address.
const US_STATES_ALONE = US_STATES.split(" ")
  .filter((s) => !"ID IN OR ME OK HI OH PA MS CO".includes(s))
  .join("|");
const ZIP = "[0-9]{5}(?:-[0-9]{4})?";
// A UK postcode: outward code (BS2, SW1A, M1) and inward code (0JP).
const UK_POSTCODE = "[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][ABD-HJLNP-UW-Z]{2}";

/**
 * Postal codes with their town: Finnish (00100 Helsinki, FI-00100 Helsinki), Swedish with the
 * country prefix (SE-111 22 Stockholm; without it "140 90" is as often a blood pressure),
 * Norwegian and Danish with theirs (N-0150 Oslo, DK-2100 København), British (Bristol BS2 0JP), US
 * (Springfield, IL 62704; MA 02139) and a ZIP+4 alone (90210-1234).
 */
export const POSTAL_TOWN_CORE = [
  `(?:FI-)?[0-9]{5} {1,2}${TOWN}`,
  `S(?:E)?-[0-9]{3} ?[0-9]{2} {1,2}${TOWN}`,
  // Norway and Denmark: four digits, with the country prefix (N-0150 Oslo, DK-2100 København).
  `(?:NO?|DK)-[0-9]{4} {1,2}${TOWN}`,
  // The UK: the town before the postcode (Bristol BS2 0JP, London SW1A 1AA).
  `${TOWN},? ${UK_POSTCODE}`,
  `(?:[A-Z][a-z]+ ){0,2}[A-Z][a-z]+, (?:${US_STATES.replaceAll(" ", "|")}) ${ZIP}`,
  `(?:${US_STATES_ALONE}) ${ZIP}`,
  "[0-9]{5}-[0-9]{4}",
].join("|");

/**
 * Anatomy and care words built like street names (sappitie "bile duct", aortankaari "aortic arch",
 * hoitopolku "care pathway"): stems, so that inflected forms are covered too.
 */
export const NOT_STREET_STEMS = [
  ..."sappitie hengitystie virtsatie kyyneltie ilmatie".split(" "),
  ..."aortankaar hammaskaar kylkikaar nikamankaar hoitopol palvelupol kuntoutuspol potilaspol".split(
    " ",
  ),
];
const anyCaseFirst = (stem: string) =>
  `[${(stem[0] as string).toUpperCase()}${stem[0]}]${stem.slice(1)}`;

/**
 * What looks like an address but is not, for the release guard to blank before it looks: the
 * words above, a measurement (9 mm, 3,2 cm) and a code-and-word followed by a number (a lab list:
 * WBC 12000 Platelets 250000). The scrubber checks the same things around each match.
 */
export const NOT_ADDRESS_CORE = [
  `[${UPPER}${LOWER}]*(?:${NOT_STREET_STEMS.map(anyCaseFirst).join("|")})[${LOWER}]*`,
  "[0-9]+(?:[,.][0-9]+)? ?(?:mm|cm|ml|mg|kg|dl|m|l|g|%)(?:[^A-Za-z]|$)",
  `[0-9]{5} {1,2}${TOWN} [0-9]`,
].join("|");

/**
 * A street of any name with its house number, written right before a postal code and town
 * ("Sammonkatu 15 C 23, " before "33540 Tampere"): the postal code says it is an address even
 * when the street word is none the street patterns know. Matched against the text before the
 * postal code, so it ends there.
 */
export const STREET_BEFORE_POSTAL = new RegExp(
  `(?<![${UPPER}${LOWER}0-9])(?:[${UPPER}][${LOWER}]+ )?[${UPPER}][${LOWER}]+(?:-[${UPPER}]?[${LOWER}]+)* ${NORDIC_NUMBER},[ \t]{1,2}$`,
  "u",
);

/** A Swedish postal code and town without the prefix: taken only right after a street address. */
export const SE_POSTAL_TOWN_CORE = `[0-9]{3} [0-9]{2} {1,2}${TOWN}`;

/** A US social security number written with dashes (123-45-6789). */
export const SSN_CORE = "[0-9]{3}-[0-9]{2}-[0-9]{4}";

const CODE_EDGE = "0-9A-Za-z";
const WORD_EDGE = `0-9A-Za-z${UPPER}${LOWER}`;
// A digit group right after a date or time mark (1990-05-16, 16.05.1990, 08:00-09:30) is part of
// the date or time: phone numbers neither start after nor run into one of these.
const DATE_MARKS = ".,:/-";
// Characters of an e-mail's local part: an obfuscated address starts after none of them.
const EMAIL_LOCAL = "A-Za-z0-9._%+-";

/** JavaScript patterns (global) for scanning and replacing. */
export const JS_PATTERNS = {
  hetuSeparated: () => new RegExp(`(?<![${CODE_EDGE}])${HETU_SEPARATED}(?![${CODE_EDGE}])`, "g"),
  hetuUnseparated: () =>
    new RegExp(`(?<![${CODE_EDGE}])${HETU_UNSEPARATED}(?![${CODE_EDGE}])`, "g"),
  phone: () =>
    new RegExp(
      // A mark before the number only after a word's letters: a label written on ("puh:040…",
      // "tel:070-…"), not a date or a time (12.04, 10:30).
      `(?<![${CODE_EDGE}])(?<!(?:^|[^A-Za-zåäöÅÄÖ])[${DATE_MARKS}])(?:${PHONE_CORE})(?![${CODE_EDGE}]|[${DATE_MARKS}][0-9])`,
      "g",
    ),
  email: () => new RegExp(EMAIL_CORE, "g"),
  obfuscatedEmail: () =>
    new RegExp(`(?<![${EMAIL_LOCAL}])(?:${OBFUSCATED_EMAIL_CORE})(?![A-Za-z0-9-])`, "g"),
  // The look-ahead (a number within two words) spares the street-word alternation most words.
  streetAddress: () =>
    new RegExp(
      `(?<![${WORD_EDGE}])(?=[0-9]|[^\\s0-9]+ ?#?[0-9]|[^\\s0-9]+ [^\\s0-9]+ ?[0-9])(?:${STREET_ADDRESS_CORE})(?![${WORD_EDGE}])`,
      "g",
    ),
  // Not run into a date or another number: 16.05.1990 is no postal code.
  postalTown: () =>
    new RegExp(`(?<![${WORD_EDGE}.,:/-])(?:${POSTAL_TOWN_CORE})(?![${WORD_EDGE}]|-[0-9])`, "g"),
  ssn: () => new RegExp(`(?<![${CODE_EDGE}-])${SSN_CORE}(?![${CODE_EDGE}]|-[0-9])`, "g"),
};

const re2Edged = (core: string, edge: string, marks = "") => {
  const after = marks ? `|[${marks}]($|[^0-9])` : "";
  return `(^|[^${edge}${marks}])(${core})($|[^${edge}${marks}]${after})`;
};

/** The same patterns in RE2 syntax, for DuckDB's regexp_matches: edges are explicit groups. */
export const RE2_PATTERNS = {
  hetu: re2Edged(`${HETU_SEPARATED}|${HETU_UNSEPARATED_LETTER}`, CODE_EDGE),
  phone: re2Edged(PHONE_CORE, CODE_EDGE, DATE_MARKS),
  email: `${EMAIL_CORE}|(^|[^${EMAIL_LOCAL}])(${OBFUSCATED_EMAIL_CORE})($|[^A-Za-z0-9-])`,
  streetAddress: re2Edged(STREET_ADDRESS_CORE, WORD_EDGE),
  notAddress: NOT_ADDRESS_CORE,
  postalTown: re2Edged(POSTAL_TOWN_CORE, WORD_EDGE, ".,:/-"),
};
