/**
 * Short forms and nicknames of given names, Finnish, Swedish, English and Russian, from general
 * knowledge:
 * notes call people by the name they go by ("kutsutaan Jussiksi", "kallad Kalle", "Robert (Bob)
 * Whitaker"), which the Patient resource does not hold. Each line is a formal name and the forms
 * it goes by. Short forms that are also common words at a sentence start are left out (Will,
 * Art, Frank, Kit, Ed, Al, Ray; Swedish inga "none", lisa "relief"; Finnish ale "sale"), since a capitalised
 * word is enough for them to count.
 */
const TABLE = `
johannes: hannes jussi juha juho hannu hasse hans jukka
juhani: jussi juha juho jukka
juha: jussi
juho: jussi
juhana: jukka jussi
matti: masa matsku
mauri: masa
mikael: mikko mika miikka micke mikke
aleksanteri: santeri santtu aleksi aki alex
aleksi: aki
sakari: saku
sakarias: saku sakke
oskari: osku ossi
ossian: ossi
oskar: osku ogge
eemeli: eemi
tapani: tapsa teppo
tapio: tapsa
timo: timppa
petteri: pete petri
petri: pete
tuomas: tommi tomi tuomo
thomas: tom tommy tompa
tomas: tom tompa
henrik: heikki henke
vilhelm: ville
vilho: ville
kaarle: kalle
kaarlo: kalle
karl: kalle kalli
lauri: lasse
lars: lasse
laurentius: lauri lasse lars
nils: nisse
hans: hasse
gustav: gösta gurra
gustaf: gösta gurra
per: pelle
pertti: pertsa pertsi pera
bo: bosse boo
peter: pelle pete
sven: svenne
magnus: mange
ulf: uffe
fredrik: fredde fred
robert: bob rob bobby robbie bert robban
william: bill billy willie liam
richard: rick dick rich ricky
james: jim jimmy jamie
john: jack johnny
jonathan: jon jonny
michael: mike mick mickey
charles: charlie chuck chas
edward: eddie ted ned
joseph: joe joey
anthony: tony
christopher: chris
daniel: dan danny
matthew: matt
david: dave davy
andrew: andy drew
steven: steve
stephen: steve
benjamin: ben benny
samuel: sam sammy
nicholas: nick nicky
alexander: alex sandy
patrick: pat paddy
timothy: tim
henry: harry hank hal
gregory: greg
lawrence: larry
jeffrey: jeff
kenneth: ken kenny
donald: don donny
ronald: ron ronnie
gerald: gerry jerry
frederick: fred freddie
francis: frank
douglas: doug
philip: phil
eugene: gene
theodore: ted teddy theo
albert: bert
alfred: alf fred
walter: walt
harold: harry hal
leonard: len leo
vincent: vince
zachary: zach
joshua: josh
nathaniel: nate nathan
elisabet: lisa liisa liisi elsa lisbeth lisen betty
elisabeth: lisa liisa elsa lisbeth betty
elizabeth: liz beth betty lizzie eliza libby bess
elisa: liisa
liisa: lissu liisu liisi
maija: maikki maikku
margareta: maja greta maggan marketta reetta
margaretha: maja greta maggan
margaret: maggie meg peggy margie madge
marketta: reetta
katariina: kati katja kaisa kaija riina katri
katarina: kajsa karin kattis kata
catherine: kate katie cathy kathy
katherine: kate katie kathy
kathryn: kate katie kathy
kristiina: kirsi tiina krista
kristina: stina kicki tina
christina: chris chrissy tina
christine: chris chrissy
johanna: hanna jonna hanne
susanna: sanna susa sanni
sanna: sanni
susan: sue susie
anna: anu anni
anneli: anne
helena: leena elina lena hele
maria: maija marja mari maikki mia maja mimmi
birgitta: birgit britt bittan gittan
ingrid: inge
charlotta: lotta lotte
charlotte: lottie charlie
jennifer: jen jenny
patricia: pat patty trish
deborah: deb debbie
rebecca: becky becca
victoria: vicky tori
barbara: barb babs
dorothy: dotty
jacqueline: jackie
samantha: sam
abigail: abby
pamela: pam
judith: judy
cynthia: cindy
kimberly: kim
stephanie: steph
amanda: mandy
mary: molly polly
eleanor: ellie nell nora
helen: nell
daria: dasha
darja: dasha
aleksandr: sasha
aleksandra: sasha
natalia: natasha
natalja: natasha
jekaterina: katja
mihail: misha
dmitri: dima
vladimir: vova
ivan: vanja
`;

const related = new Map<string, Set<string>>();
const link = (a: string, b: string) => {
  const set = related.get(a) ?? new Set<string>();
  set.add(b);
  related.set(a, set);
};
for (const line of TABLE.split("\n")) {
  const [formal, shorts] = line.split(":");
  if (!formal || !shorts) continue;
  // One step both ways: a Jussi may be a Johannes, and a Johannes a Jussi; not Jussi to Juho.
  for (const short of shorts.trim().split(/\s+/)) {
    link(short, formal.trim());
    link(formal.trim(), short);
  }
}

/**
 * Every name of the table, formal and short: in a name context (after a title or relation word)
 * a short form is a name even when it is nobody's in the record ("neighbour Pat").
 */
export const TABLE_NAMES: ReadonlySet<string> = new Set(related.keys());

/** The names a given name (a key: lower case) is a short form of, or has as its short forms. */
export function nicknameRelatives(key: string): string[] {
  return [...(related.get(key) ?? [])];
}
