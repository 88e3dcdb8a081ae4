/**
 * Common first names and surnames in Finland (Finnish and Swedish), from the population
 * register's most frequent names. The scrubber removes them only next to a name cue ("LL", "sh",
 * "Potilas", "Puoliso", ...), where they are names and not words.
 */
export const COMMON_FIRST_NAMES = new Set(
  `Maria Helena Johanna Anneli Kaarina Marjatta Anna Liisa Annikki Hannele Tuulikki Elina Sofia
  Emilia Aino Olivia Eveliina Aada Ella Venla Sanna Laura Katja Minna Päivi Tiina Riitta Sari Pirjo
  Leena Satu Heidi Jenni Noora Emma Iida Lotta Oona Merja Eija Kirsi Anu Marja Ritva Sirpa Tuula
  Arja Seija Irmeli Hilkka Aila Eila Elisa Eveliina Julia Linnea Ilona Helmi Pihla Kerttu Siiri Ellen
  Kristina Ingrid Birgitta Margareta Elsa Ebba Matilda Ida Annika Camilla Karin Maja Wilma Alva Saga
  Juhani Johannes Olavi Antero Tapani Kalevi Mikael Matti Timo Jari Kari Mika Pekka Juha Antti
  Markku Heikki Jukka Ville Janne Tuomas Lauri Eino Väinö Onni Leo Elias Oliver Eetu Aleksi Niko
  Teemu Petri Sami Risto Seppo Pentti Esa Arto Ilkka Hannu Jouni Marko Harri Raimo Erkki Veikko
  Eero Aleksanteri Joonas Jussi Toni Tommi Tero Vesa Jarmo Mauri Reijo Ari Asko Kalle Aarne Toivo
  Erik Johan Karl Lars Anders Nils Gustav Henrik Fredrik Oskar Axel Viktor Max Jonas Björn Rasmus
  Hugo Emil Anton Lucas Isak Ludvig Alexander Daniel David Sebastian Filip Tobias`.split(/\s+/),
);

export const COMMON_SURNAMES = new Set(
  `Korhonen Virtanen Mäkinen Nieminen Mäkelä Hämäläinen Laine Heikkinen Koskinen Järvinen Lehtonen
  Lehtinen Saarinen Salminen Heinonen Niemi Heikkilä Kinnunen Salonen Turunen Salo Laitinen Tuominen
  Rantanen Karjalainen Jokinen Mattila Savolainen Lahtinen Ahonen Hiltunen Kettunen Leppänen Ojala
  Väisänen Leinonen Kallio Miettinen Hirvonen Pitkänen Lindholm Johansson Karlsson Nyman Holmström
  Lindström Björklund Lindqvist Eriksson Andersson Gustafsson Sjöberg Wikström Lundqvist Forsman
  Ekholm Grönroos Strömberg Blomqvist Backman Räsänen Anttila Manninen Laaksonen Peltonen Hakala
  Nurmi Lindroos Koivisto Seppälä Mustonen Aaltonen Toivonen Harju Rinne Huttunen Hyvönen Jääskeläinen
  Koponen Honkanen Kärkkäinen Rautiainen Lampinen Koski Peltola Sirviö Vainio Lundberg Nordström`.split(
    /\s+/,
  ),
);
