// Written variants of identifiers that real notes hold (issue 16, part B). The identity code is
// the repo's synthetic 131052-308T.
export const DATES_AND_TIMES = [
  "1990-05-16",
  "1990-05-16 12:30:00",
  "2026-01-15T08:30:00Z",
  "16.5.1990",
  "16.05.1990",
  "12:30",
  "12.30",
  "08:00-09:30",
  "klo 08.05-09.15",
  "KAIVO-2026-0001",
  // Times after midnight start with 00, like the international prefix.
  "klo 00.15-00.45",
  "2026-01-15 00:05",
];
export const HETU_VARIANTS = [
  "131052-308T",
  "131052\u2013308T", // en dash
  "131052\u2014308T", // em dash
  "131052\u2212308T", // minus sign
  "131052\u2010308T", // hyphen
  "131052\u2011308T", // non-breaking hyphen
  "131052 -308T",
  "131052- 308T",
  "131052 - 308T",
  "131052308T",
  "131052-308t",
  "131052308t",
  // A space typed in place of the century sign: only with a valid check character.
  "131052 308T",
];
export const PHONE_VARIANTS = [
  "(040) 123 4567",
  "+358 40 123 4567",
  "+358401234567",
  "040-1234567",
  "040 123 4567",
  "(555) 123-4567",
  "555-123-4567",
  "+1 555 123 4567",
  "555.123.4567",
  "1-800-555-0199",
  // The 00 international prefix, and the area code in brackets after the country code.
  "00358 40 123 4567",
  "0046 70 123 45 67",
  "+7 (495) 123-45-67",
  "+44 (0)20 7946 0000",
];
// E-mail addresses as written and as written to dodge harvesters.
export const EMAIL_VARIANTS = [
  "anna.esimerkki@example.fi",
  "anna.esimerkki at example.com",
  "anna(at)example.fi",
  "anna.esimerkki [at] example [dot] fi",
  "anna.esimerkki AT example DOT com",
  "anna.esimerkki (at) example.com",
  "anna.esimerkki@example .com",
  "anna at gmail.com",
];
// "at" in sentences, with dots after it.
export const NOT_EMAILS = [
  "arrived at kela.fi today",
  "seen 12.3. at clinic. then home",
  "Kontrolli at 10.30 poliklinikalla.",
];
// Street addresses in Finnish, Swedish and English forms, post-office boxes, flats and apartments.
export const STREET_ADDRESS_VARIANTS = [
  "Mannerheimintie 12 A 5",
  // Streets named by their street word alone.
  "Esplanaden 22 C 41",
  "Bulevardi 14 B 22",
  "Kauppakatu 3 b 14",
  "Kauppakatu 3 b as. 14",
  "Storgatan 5",
  "Runebergsgatan 4 B 12",
  "Aleksanterinkatu 15",
  "Iso Roobertinkatu 3",
  "Itä-Pakilantie 7",
  "12 Main Street",
  "1600 Pennsylvania Ave NW",
  "221B Baker Street",
  "350 Fifth Avenue, Apt 4",
  "Apt 4",
  "Suite 210",
  "PL 123",
  "PB 45",
  "P.O. Box 12",
  "PO Box 1234",
  "Koivutie 7 as 12",
  "Rantakatu 3 A as. 4",
  "Lehtikuja 2 asunto 5",
  "Vasagatan 12 lgh 1201",
  "Storgatan 5, lgh. 1102",
  "Møllergata 4",
  "Flat 3",
  // Finland-Swedish "bost." flat, a US ordinal street with its apartment, a British flat before
  // the street, Estonian streets (mnt, tn) with house and flat.
  "Skolgatan 4 bost. 7",
  "210 East 86th Street, Apt 12C",
  "Flat 2, 9 Ashgrove Road",
  "Tartu mnt 14-3",
  "Kalevi tn 5",
  // A Finnish street in English order, with a British flat before it.
  "Flat 2, 14 Koivukatu",
  "7 Runebergsgatan",
];
// Finnish street words inflected in running text, with the number after.
export const INFLECTED_STREET_VARIANTS = [
  "Mannerheimintiellä 12",
  "Kauppakadulla 3",
  "Kauppakadun 3 B",
  "Koivukujalle 4",
  "Rantapolulta 2",
];
// Postal codes with their town: Finnish, Swedish, Norwegian, Danish, British and US forms.
export const POSTAL_TOWN_VARIANTS = [
  "00100 Helsinki",
  "00100 HELSINKI",
  "FI-00100 Helsinki",
  "02150 Espoo",
  "SE-111 22 Stockholm",
  "Springfield, IL 62704",
  "Cambridge, MA 02139",
  "MA 02139",
  "90210-1234",
  "Leeds LS1 4DY",
  "London SW1A 2AA",
  "Manchester, M1 1AE",
  "S-411 05 Göteborg",
  "N-0150 Oslo",
  "DK-2100 København",
];
// Numbers next to words that are not addresses: doses, weights, lab values, years, durations.
export const NOT_ADDRESSES = [
  "5 mg",
  "10 kg",
  "12 viikkoa",
  "Hb 134 g/l",
  "P-Krea 85 umol/l",
  "RR 140/90",
  "vuonna 2019 Helsingissä",
  "3 Tablets",
  "2 Times Daily",
  "Box 2 of the form",
  "Unit 5",
  "kontrolli 12345",
  "Annos 10 mg",
  "Vaihe T2 N0 M0",
  "Luokka IV 2A",
  // A year before a ward's genitive (tien, as a street's): no street in English order.
  "EPIKRIISI 03.03.2011 Sisätautien osasto",
];
// Record numbers after their label, in Finnish, Swedish and English.
export const RECORD_NUMBER_VARIANTS = [
  "Journalnr 20-44817",
  "journal nr: 31-90215",
  "Sairauskertomusnumero 1234567",
  "sairauskertomusnro: SK-88213",
  "Potilas-ID P4829104",
  "Patientnummer: 00123456",
  "MRN: 00123456",
  "Medical record no. 7788123",
  "NHS number 943 476 5919",
  // Cards, passports and insurance numbers; a -numero label in a case form.
  "Passport AB9920411",
  "Passin numero XP1234567",
  "Insurance policy no. ZZA-10293847",
  "Health card 1234-567-890-AB",
  "Vahinkonumero VK-2024-55310",
  "potilasnumerolla 4455667",
  "Asiakasnumero K-1234567",
  // A system's prefix of four letters, a record label in Finnish, a passport with a long group.
  "Potilaskertomus nro HUS-1234567",
  "försäkringsnummer ABCD-123456",
  "passnummer 12 3456789",
  // A German insurance number, its label in brackets.
  "(Krankenversichertennummer) B987654321",
];
// Labels without a number and numbers without a label.
export const NOT_RECORD_NUMBERS = [
  "Patient no longer smokes",
  "Potilas 2 vuotta sitten leikattu",
  "Lab 20-44817",
  "mRNA-1273",
  "Passport copied",
  "Asiakasnumero K-12",
];
