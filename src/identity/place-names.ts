import { finnishCaseForms } from "./finnish-inflection.js";
import { foldName } from "./name-forms.js";

/**
 * Towns whose names are also family names (Lahti, Salo, Kotka, Kemi …) and the words that make
 * a name a hospital's: a person called Lahti who "moved to Lahti" keeps the town in the text, as
 * does "Laakson sairaala". Only towns that are surnames matter here; the list is of Finnish
 * cities and towns and the larger Swedish ones.
 */
const TOWNS = `Lahti Salo Kotka Kemi Pori Raahe Hamina Hanko Forssa Loimaa Kuusamo Imatra Iisalmi
  Kauhava Laitila Virrat Kangasala Nokia Orivesi Ikaalinen Kauniainen Karkkila Lohja Loviisa
  Porvoo Kerava Vantaa Espoo Turku Tampere Oulu Vaasa Kokkola Seinäjoki Jyväskylä Kuopio Joensuu
  Mikkeli Savonlinna Kouvola Lappeenranta Rauma Uusikaupunki Naantali Parainen Kaarina Raisio
  Pietarsaari Kristiinankaupunki Kaskinen Närpiö Uusikaarlepyy Alavus Kurikka Lapua Ähtäri
  Jämsä Keuruu Saarijärvi Viitasaari Äänekoski Varkaus Pieksämäki Kitee Lieksa Nurmes Outokumpu
  Kajaani Kuhmo Suomussalmi Nivala Oulainen Haapajärvi Kalajoki Ylivieska Tornio Rovaniemi
  Kemijärvi Sodankylä Inari Ivalo Heinola Orimattila Hollola Riihimäki Hämeenlinna Hyvinkää
  Järvenpää Tuusula Sipoo Kirkkonummi Vihti Mäntsälä Akaa Valkeakoski Sastamala Huittinen
  Eura Harjavalta Kankaanpää Parkano Mänttä Kuusankoski Somero Paimio Mariehamn Maarianhamina
  Stockholm Göteborg Malmö Uppsala Umeå Luleå Gävle Örebro Västerås Linköping Lund Kiruna
  Haparanda Falun Borås Växjö Kalmar Karlstad Sundsvall Östersund`.split(/\s+/);

// Inner locative cases (in, from, into a town) after a verb of moving or living: "muuttanut
// Lahteen", "asuu Kotkassa". Alone they are a person's too ("Lahteen ei saatu yhteyttä").
const TOWN_FORMS = new Set(
  TOWNS.flatMap((town) => {
    const forms = finnishCaseForms(town);
    return [forms.illative, forms.inessive, forms.elative];
  }).map((w) => foldName(w)),
);
const TOWN_NAMES = new Set(TOWNS.map((w) => foldName(w)));

const MOVING_OR_LIVING =
  /(?:^|[^\p{L}])(?:muut\p{L}*|siirt\p{L}*|matkust\p{L}*|palan\p{L}*|palas\p{L}*|palaa|lähte\p{L}*|lähti|asu\p{L}*|kotoisin|syntyi|syntynyt|opiskelee|työskentelee)[ \t]+$/iu;

// Before a town's name in English and Swedish: "from Lahti", "till Kotka".
const PLACE_PREPOSITION = /(?:^|[^\p{L}])(?:from|to|in|at|near|via|till|från|i|mot|nära)[ \t]+$/iu;

// Words after which a name is an institution's or a company's: "Laakson sairaala",
// "Akademiska sjukhuset".
// A company's name goes on with its trade ("Pohjola Vakuutus", "Aktia Pankki", "Virtanen Oy").
const INSTITUTION =
  /^['’]?[ \t-]?(?:\p{L}*sairaala|terveyskeskus|terveysasema|kuntoutuskeskus|sjukhus|lasarett|vårdcentral|hälsocentral|hospital|clinic|klinik|infirmary|health centre|health center)/iu;
// Capitalised only: "Pohjolan vakuutusyhtiö" is Pohjola's insurer, "Pohjola Vakuutus" a company.
const COMPANY = /^[ \t]?(?:Vakuutus|Pankki|Försäkring|Bank|Insurance|Oyj?|Abp?|Ltd)(?![\p{L}])/u;

/** Whether the word at `start` is a town or an institution rather than a person's name. */
export function isPlaceUse(text: string, start: number, word: string): boolean {
  const key = foldName(word);
  const before = text.slice(Math.max(0, start - 24), start);
  if (TOWN_FORMS.has(key) && MOVING_OR_LIVING.test(before)) return true;
  if (TOWN_NAMES.has(key) && PLACE_PREPOSITION.test(before)) return true;
  const hyphen = word.indexOf("-");
  if (hyphen > 0 && INSTITUTION.test(word.slice(hyphen))) return true; // Aurora-sairaala
  return institutionAfter(text, start + word.length);
}

// An eponym's disease or sign after a name: "Bellin pareesi", "Bell's palsy", "Crohns sjukdom".
const EPONYM =
  /^[ \t]+(?:pareesi|halvaus|palsy|syndrome|syndrom|oireyhtymä|disease|sjukdom|tauti|taudin|taudista|sign|merkki|fenomeeni|phenomenon|fracture|murtuma|reflex|refleksi|test|testi|manoeuvre|maneuver)(?![\p{L}])/iu;

/** Whether the text at `end` goes on with a word for a hospital, a company or a disease. */
export function institutionAfter(text: string, end: number): boolean {
  const after = text.slice(end, end + 30);
  return INSTITUTION.test(after) || COMPANY.test(after) || EPONYM.test(after);
}
