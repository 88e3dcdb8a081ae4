/**
 * Common given names and surnames in English-speaking countries (the US, the UK and Ireland),
 * written from general knowledge: the few hundred most frequent, with the Hispanic, Asian and Irish
 * surnames frequent there. Eponyms among them (Wilson, Turner, Bell) count only in a name context.
 */
export const EN_FIRST_NAMES = `James John Robert Michael William David Richard Joseph Thomas Charles
  Christopher Daniel Matthew Anthony Mark Donald Steven Paul Andrew Joshua Kenneth Kevin Brian George
  Timothy Ronald Edward Jason Jeffrey Ryan Jacob Gary Nicholas Eric Jonathan Stephen Larry Justin
  Scott Brandon Benjamin Samuel Gregory Alexander Frank Patrick Raymond Jack Dennis Jerry Tyler Aaron
  Jose Adam Nathan Henry Douglas Zachary Peter Kyle Ethan Walter Noah Jeremy Christian Keith Roger
  Terry Gerald Harold Sean Austin Carl Arthur Lawrence Dylan Jesse Jordan Bryan Billy Joe Bruce
  Gabriel Logan Albert Willie Alan Juan Wayne Elijah Randy Roy Vincent Ralph Eugene Russell Bobby
  Mason Philip Louis Liam Lucas Harry Oliver Charlie Alfie Freddie Archie Theo Oscar Leo Arlo Finn
  Connor Callum Declan Cian Ciaran Seamus Sean Niall Eoin Rory Mary Patricia Jennifer Linda Elizabeth
  Barbara Susan Jessica Sarah Karen Lisa Nancy Betty Margaret Sandra Ashley Kimberly Emily Donna
  Michelle Carol Amanda Dorothy Melissa Deborah Stephanie Rebecca Sharon Laura Cynthia Kathleen Amy
  Angela Shirley Anna Brenda Pamela Emma Nicole Helen Samantha Katherine Christine Debra Rachel
  Carolyn Janet Catherine Maria Heather Diane Ruth Julie Olivia Joyce Virginia Victoria Kelly Lauren
  Christina Joan Evelyn Judith Megan Andrea Cheryl Hannah Jacqueline Martha Gloria Teresa Ann Sara
  Madison Frances Kathryn Janice Jean Abigail Alice Judy Sophia Julia Denise Amber Doris Marilyn
  Danielle Beverly Isabella Theresa Diana Natalie Brittany Charlotte Marie Kayla Alexis Lori Ava Mia
  Amelia Isla Poppy Freya Grace Lily Evie Sophie Chloe Ella Siobhan Aoife Niamh Saoirse Ciara Orla
  Kate Katie Jane Jenny Susie Maggie Molly Bridget Eileen Maureen Kathy Peggy Wendy Tracy Stacy`
  .split(/\s+/)
  .filter(Boolean);

export const EN_SURNAMES = `Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez
  Martinez Hernandez Lopez Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez
  Thompson White Harris Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott
  Torres Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts
  Gomez Phillips Evans Turner Diaz Parker Cruz Edwards Collins Reyes Stewart Morris Morales Murphy
  Cook Rogers Gutierrez Ortiz Morgan Cooper Peterson Bailey Reed Kelly Howard Ramos Kim Cox Ward
  Richardson Watson Brooks Chavez Wood James Bennett Gray Mendoza Ruiz Hughes Price Alvarez Castillo
  Sanders Patel Myers Long Ross Foster Jimenez Powell Jenkins Perry Russell Sullivan Bell Coleman
  Butler Henderson Barnes Gonzales Fisher Vasquez Simmons Romero Jordan Patterson Alexander Hamilton
  Graham Reynolds Griffin Wallace Moreno West Cole Hayes Bryant Herrera Gibson Ellis Tran Medina
  Aguilar Stevens Murray Ford Castro Marshall Owens Harrison Fernandez McDonald Woods Washington
  Kennedy Wells Vargas Henry Chen Freeman Webb Tucker Guzman Burns Crawford Olson Simpson Porter
  Hunter Gordon Mendez Silva Shaw Snyder Mason Dixon Munoz Hunt Hicks Holmes Palmer Wagner Black
  Robertson Boyd Rose Stone Salazar Fox Warren Mills Meyer Rice Schmidt Garza Daniels Ferguson
  Nichols Stephens Soto Weaver Ryan Gardner Payne Grant Dunn Kelley Spencer Hawkins Arnold Pierce
  Vazquez Hansen Peters Santos Hart Bradley Knight Elliott Cunningham Duncan Armstrong Hudson Carroll
  Lane Riley Andrews Alvarado Ray Delgado Berry Perkins Hoffman Johnston Matthews Pena Richards
  Contreras Willis Carpenter Lawrence Sandoval Nunez Wong Wang Li Zhang Liu Singh Shah Khan Ali
  Ahmed Hussain Taylor Davies Evans Thomas Roberts Walsh Byrne O'Brien O'Connor
  O'Sullivan O'Neill O'Reilly Doyle McCarthy McLaughlin MacDonald McKenzie Campbell Stewart Murray
  Fraser Reid Ross Paterson Kerr Quinn Gallagher Kavanagh Brennan Fitzgerald Lynch`
  .split(/\s+/)
  .filter(Boolean);
