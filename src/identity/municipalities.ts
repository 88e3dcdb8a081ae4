/**
 * Place names: Finland's municipalities (in Finnish, and the Swedish names of bilingual ones),
 * and the larger towns of the other Nordic countries and the Baltics, where patients often come
 * from. A bracketed word after a name that is one of them is a place, not a nickname.
 */
export const FINNISH_MUNICIPALITIES = `Akaa Alajärvi Alavieska Alavus Asikkala Askola Aura Enonkoski
  Enontekiö Espoo Eura Eurajoki Evijärvi Forssa Haapajärvi Haapavesi Hailuoto Halsua Hamina
  Hankasalmi Hanko Harjavalta Hartola Hattula Hausjärvi Heinola Heinävesi Helsinki Hirvensalmi
  Hollola Huittinen Humppila Hyrynsalmi Hyvinkää Hämeenkyrö Hämeenlinna Ii Iisalmi Iitti
  Ikaalinen Ilmajoki Ilomantsi Imatra Inari Inkoo Isojoki Isokyrö Janakkala Joensuu Jokioinen
  Joroinen Joutsa Juuka Juupajoki Juva Jyväskylä Jämijärvi Jämsä Järvenpää Kaarina Kaavi
  Kajaani Kalajoki Kangasala Kangasniemi Kankaanpää Kannonkoski Kannus Karijoki Karkkila Karstula
  Karvia Kaskinen Kauhajoki Kauhava Kauniainen Kaustinen Keitele Kemi Kemijärvi Keminmaa Kempele
  Kerava Keuruu Kihniö Kinnula Kirkkonummi Kitee Kittilä Kiuruvesi Kivijärvi Kokemäki Kokkola
  Kolari Konnevesi Kontiolahti Korsnäs Koski Kotka Kouvola Kristiinankaupunki Kruunupyy Kuhmo
  Kuhmoinen Kuopio Kuortane Kurikka Kustavi Kuusamo Kyyjärvi Kärkölä Kärsämäki Lahti Laihia
  Laitila Lapinjärvi Lapinlahti Lappajärvi Lappeenranta Lapua Laukaa Lemi Lempäälä Leppävirta
  Lestijärvi Lieksa Lieto Liminka Liperi Lohja Loimaa Loppi Loviisa Luhanka Lumijoki Luoto
  Luumäki Maalahti Marttila Masku Merijärvi Merikarvia Miehikkälä Mikkeli Muhos Multia Muonio
  Mustasaari Muurame Mynämäki Myrskylä Mäntsälä Mänttä-Vilppula Mäntyharju Naantali Nakkila
  Nivala Nokia Nousiainen Nurmes Nurmijärvi Närpiö Orimattila Oripää Orivesi Oulainen Oulu
  Outokumpu Padasjoki Paimio Paltamo Parainen Parikkala Parkano Pelkosenniemi
  Pello Perho Pertunmaa Petäjävesi Pieksämäki Pielavesi Pietarsaari Pihtipudas Pirkkala
  Polvijärvi Pomarkku Pori Pornainen Porvoo Posio Pudasjärvi Pukkila Punkalaidun Puolanka
  Puumala Pyhtää Pyhäjoki Pyhäjärvi Pyhäntä Pyhäranta Pälkäne Pöytyä Raahe Raasepori Raisio
  Rantasalmi Ranua Rauma Rautalampi Rautavaara Rautjärvi Reisjärvi Riihimäki Ristijärvi
  Rovaniemi Ruokolahti Ruovesi Rusko Rääkkylä Saarijärvi Salla Salo Sastamala Sauvo Savitaipale
  Savonlinna Savukoski Seinäjoki Sievi Siikainen Siikajoki Siikalatva Siilinjärvi Simo Sipoo
  Siuntio Sodankylä Soini Somero Sonkajärvi Sotkamo Sulkava Suomussalmi Suonenjoki Sysmä
  Säkylä Taipalsaari Taivalkoski Taivassalo Tammela Tampere Tervo Tervola Teuva Tohmajärvi
  Toholampi Toivakka Tornio Turku Tuusniemi Tuusula Tyrnävä Ulvila Urjala Utajärvi Utsjoki
  Uurainen Uusikaarlepyy Uusikaupunki Vaala Vaasa Valkeakoski Vantaa Varkaus Vehmaa Vesanto
  Vesilahti Veteli Vieremä Vihti Viitasaari Vimpeli Virolahti Virrat Vöyri Ylitornio Ylivieska
  Ylöjärvi Ypäjä Ähtäri Äänekoski Ivalo Kilpisjärvi Levi Saariselkä Meilahti Tikkurila Leppävaara
  Maarianhamina`;

// Swedish names of bilingual municipalities and towns, read in Swedish and English notes.
export const SWEDISH_NAMES_IN_FINLAND = `Helsingfors Esbo Vanda Grankulla Åbo Tammerfors
  Uleåborg Vasa Karleby Jakobstad Nykarleby Närpes Kristinestad Kaskö Korsholm Malax Vörå
  Pedersöre Kronoby Larsmo Borgå Lovisa Sibbo Kyrkslätt Sjundeå Ingå Raseborg Ekenäs Hangö
  Karis Pargas Kimitoön Nådendal Reso Tavastehus Lahtis Björneborg Raumo Nyslott Villmanstrand
  Fredrikshamn Kotka Kajana Torneå Brahestad Nystad Mariehamn Jomala Lemland Finström Sund
  Saltvik Hammarland Eckerö`;

export const NORDIC_TOWNS = `Stockholm Göteborg Malmö Uppsala Västerås Örebro Linköping
  Helsingborg Jönköping Norrköping Lund Umeå Gävle Borås Södertälje Eskilstuna Halmstad Växjö
  Karlstad Sundsvall Östersund Trollhättan Luleå Kiruna Haparanda Skellefteå Piteå Kalmar
  Falun Visby Oslo Bergen Trondheim Stavanger Tromsø Kirkenes Köpenhamn København Copenhagen
  Aarhus Odense Aalborg Reykjavik Tallinn Tartu Pärnu Narva Riga Vilnius`;
