import { EN_FIRST_NAMES, EN_SURNAMES } from "./common-names-en.js";
import { INTL_FIRST_NAMES, INTL_SURNAMES } from "./common-names-intl.js";
import { nameKeys } from "./name-forms.js";

/**
 * Common first names and surnames in Finland (Finnish and Swedish), from the population
 * register's most frequent names, and in English (common-names-en.ts). The scrubber removes them
 * only in a name context: after a cue ("LL", "sh", "Potilas", "Puoliso", "Mrs") or beside another
 * capitalised word of which one is a common name, where they are names and not words.
 */
const FI_SV_FIRST_NAMES = `Maria Helena Johanna Anneli Kaarina Marjatta Anna Liisa Annikki Hannele
  Tuulikki Elina Sofia Emilia Aino Olivia Eveliina Aada Ella Venla Sanna Laura Katja Minna Päivi
  Tiina Riitta Sari Pirjo Leena Satu Heidi Jenni Noora Emma Iida Lotta Oona Merja Eija Kirsi Anu
  Marja Ritva Sirpa Tuula Arja Seija Irmeli Hilkka Aila Eila Elisa Julia Linnea Ilona Helmi Pihla
  Kerttu Siiri Ellen Kristiina Hanna Susanna Katariina Elisabet Inkeri Orvokki Sinikka Tellervo Raili
  Raija Terttu Kaija Marketta Pauliina Henna Jaana Kaisa Outi Piia Milla Salla Suvi Tanja Hanne
  Mervi Maarit Sirkka Aili Lempi Impi Martta Saara Vilma Aurora Lumi Enni Nella Veera Inka Ronja
  Kristina Ingrid Birgitta Margareta Elsa Ebba Matilda Ida Annika Camilla Karin Maja Wilma Alva Saga
  Astrid Britt Gunilla Ulla Ulrika Cecilia Agneta Kerstin Ingegerd Malin Sara Stina Klara Frida Elin Emelie Jessica
  Juhani Johannes Olavi Antero Tapani Kalevi Mikael Matti Timo Jari Kari Mika Pekka Juha Antti
  Markku Heikki Jukka Ville Janne Tuomas Lauri Eino Väinö Onni Leo Elias Oliver Eetu Aleksi Niko
  Teemu Petri Sami Risto Seppo Pentti Esa Arto Ilkka Hannu Jouni Marko Harri Raimo Erkki Veikko
  Eero Aleksanteri Joonas Jussi Toni Tommi Tero Vesa Jarmo Mauri Reijo Ari Asko Kalle Aarne Toivo
  Mikko Jani Jarkko Jyrki Kimmo Kai Lasse Mikael Olli Pasi Pertti Raili Rauno Sakari Simo Tapio
  Tuomo Unto Urho Vilho Aatu Eemeli Eelis Emil Hugo Iivari Onni Otto Paavo Topias Väinö Valtteri
  Veeti Joel Aapo Akseli Arttu Eemil Jesse Juho Konsta Lenni Luka Niilo Oskari Rasmus Sisu Viljami
  Erik Johan Karl Lars Anders Nils Gustav Henrik Fredrik Oskar Axel Viktor Max Jonas Björn Rasmus
  Hugo Emil Anton Lucas Isak Ludvig Alexander Daniel David Sebastian Filip Tobias Bengt Sven Göran
  Stig Åke Leif Kjell Ulf Per Mats Magnus Mattias Jan Peter Stefan Thomas Patrik Kristian Christer
  Pia Heli Marianne Nina`;

const FI_SV_SURNAMES = `Korhonen Virtanen Mäkinen Nieminen Mäkelä Hämäläinen Laine Heikkinen
  Koskinen Järvinen Lehtonen Lehtinen Saarinen Salminen Heinonen Niemi Heikkilä Kinnunen Salonen
  Turunen Salo Laitinen Tuominen Rantanen Karjalainen Jokinen Mattila Savolainen Lahtinen Ahonen
  Hiltunen Kettunen Leppänen Ojala Väisänen Leinonen Kallio Miettinen Hirvonen Pitkänen Lindholm
  Johansson Karlsson Nyman Holmström Lindström Björklund Lindqvist Eriksson Andersson Gustafsson
  Sjöberg Wikström Lundqvist Forsman Ekholm Grönroos Strömberg Blomqvist Backman Räsänen Anttila
  Manninen Laaksonen Peltonen Hakala Nurmi Lindroos Koivisto Seppälä Mustonen Aaltonen Toivonen
  Harju Rinne Huttunen Hyvönen Jääskeläinen Koponen Honkanen Kärkkäinen Rautiainen Lampinen Koski
  Peltola Sirviö Vainio Lundberg Nordström Meikäläinen Laakso Lindberg Nurminen Oksanen Mikkonen
  Partanen Ikonen Kokkonen Lappalainen Pesonen Halonen Markkanen Sundström Ruotsalainen Kauppinen
  Moilanen Suominen Hakkarainen Björkman Fagerström Forsberg Granlund Holm Lund Sundqvist Westerlund
  Nilsson Larsson Olsson Persson Svensson Jansson Pettersson Jonsson Lindgren Berg Engström Åberg`;

const words = (list: string) => list.split(/\s+/).filter(Boolean);

export const COMMON_FIRST_NAMES = new Set([
  ...words(FI_SV_FIRST_NAMES),
  ...EN_FIRST_NAMES,
  ...INTL_FIRST_NAMES,
]);
export const COMMON_SURNAMES = new Set([
  ...words(FI_SV_SURNAMES),
  ...EN_SURNAMES,
  ...INTL_SURNAMES,
]);

/** The keys (lower case, and accents folded, see name-forms.ts) of the common names. */
export const COMMON_FIRST_NAME_KEYS = new Set([...COMMON_FIRST_NAMES].flatMap(nameKeys));
export const COMMON_SURNAME_KEYS = new Set([...COMMON_SURNAMES].flatMap(nameKeys));

/**
 * Common names that are also ordinary words in Finnish, Swedish or English (onni "luck", toivo
 * "hope", anna "give", axel "shoulder", will, may, brown, white): written in lower case they are
 * the word, so they count only when capitalised.
 */
export const NAMES_THAT_ARE_WORDS = new Set(
  words(`onni aino helmi satu toivo lumi aurora ilona anna kari sisu kai per jan stig max leo
  laine koski niemi salo harju rinne nurmi kallio vainio laakso holm lund berg sara
  axel maja saga björn mark will grace joy rose may june bill pat art dean ray jack frank gene
  amber lily poppy kate joe roy bruce carl pia heli nina
  ali nur noor ama sepp saar tamm kask kukk minh anh
  brown white green black young king hill wood cook price hunt ward lane stone fox west long bell
  rice hall baker carter cooper turner parker walker miller taylor mason porter hunter grant gray
  ford mills rose reed cole wells shaw park silva black ray berry ross webb dunn hart
  kivi mäki lahti järvi saari kangas lehto aho virta honka koivu kuusi mänty tammi haapa paju
  kuru suo vaara susi karhu kurki lind ek gran björk sten ström`),
);
