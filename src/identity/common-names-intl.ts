/**
 * Common given names and surnames of people who live in Finland and Sweden with roots elsewhere
 * (Somali, Arabic, Persian and Kurdish, West African, Russian, Ukrainian and Estonian, Polish,
 * Dutch, Turkish, Vietnamese, South Asian), written from general knowledge: interpreters, relatives and patients
 * bear them, and without them "tulkki Fatima Warsame" is no name context. Like the other common
 * names they count only in a name context (common-names.ts). Names that are ordinary words in
 * Finnish, Swedish or English (Said, Hawa, Nur, Ali as a prefix) are either left out or listed
 * among the words there.
 */
export const INTL_FIRST_NAMES = `Abdirahman Abdullahi Abdi Abdullah Abdulkadir Ahmed Ahmad Mohamed
  Mohammed Muhammad Mohammad Mahamed Hassan Hussein Husein Ibrahim Ismail Yusuf Omar Osman
  Abukar Farah Mustafa Khalid Karim Tariq Bilal Hamza Amir Reza Ali Mehdi Hamid Hossein Dariush
  Navid Kaveh Babak Arash Farid Jamal Samir Nabil Rashid Walid Yasin Yassin Idris Anwar Faisal
  Fatima Fadumo Amina Aisha Asha Halima Hodan Hibaaq Ayaan Ayan Sahra Zahra Maryam Mariam Khadija
  Hawo Ikran Ubah Sagal Nasra Layla Leila Yasmin Nour Noor Rania Hiba Huda Samira Soraya Shirin
  Parisa Azadeh Maryam Nasrin Roya Zeynep Elif Ayse Emine Mehmet Mustafa Ahmet Emre Murat Kemal
  Kwame Kofi Kojo Kwabena Kwaku Yaw Kweku Abena Akua Ama Adjoa Afua Esi Efua Yaa Akosua Chinedu
  Chukwuemeka Emeka Obinna Ngozi Chioma Adaeze Oluwaseun Olusegun Babatunde Adebayo Folake
  Funmilayo Yetunde Aminata Fatou Mariama Ousmane Moussa Mamadou Ibrahima Seydou Cheikh Aliou
  Piotr Pawel Paweł Krzysztof Tomasz Marcin Grzegorz Wojciech Katarzyna Agnieszka Malgorzata
  Małgorzata Magdalena Joanna Ewa Zofia Dorota Jerzy Andrzej Stanislaw Stanisław Bartosz Lukasz
  Łukasz Dmitri Dmitry Sergei Sergey Aleksandr Vladimir Igor Oleg Yuri Nikolai Andrei Olga
  Tatiana Tatjana Svetlana Natalia Natalja Irina Yelena Jelena Ljudmila Galina Nadezhda Oksana
  Kadri Kadi Triin Kertu Liis Maarja Piret Tiiu Tõnu Toomas Jaan Priit Andrus Indrek
  Pieter Piet Joost Maarten Willem Wim Sander Bram Sjoerd Joris Lotte Femke Sanne Anouk
  Minh Thanh Huong Linh Quang Tuan Anh Trang Thao
  Olena Oleksandr Oleksii Andrii Serhii Mykola Mykhailo Volodymyr Taras Bohdan Yaroslav Iryna
  Olha Nataliia Tetiana Yuliia Kateryna Viktoriia Anastasiia Halyna Liudmyla
  Abdikarim Abdiaziz Abdiweli Funmi Rohit Rahul Amit Anil Sunil Vijay Ravi Arjun Sanjay Priya
  Pooja Anjali Sunita Deepa Neha Kavita Lakshmi`
  .split(/\s+/)
  .filter(Boolean);

export const INTL_SURNAMES = `Warsame Mohamud Abdi Jama Hirsi Farah Egal Omar Hassan Ahmed Ali Yusuf
  Osman Noor Nur Aden Adan Hussein Ibrahim Mohamed Rahimi Hosseini Ahmadi Mohammadi Karimi
  Jafari Rezaei Moradi Hashemi Sadeghi Rostami Azizi Kazemi Haddad Khalil Mansour Saleh Nasser
  Hamdan Darwish Yilmaz Kaya Demir Sahin Celik Yildiz Ozturk Aydin Osei Mensah Boateng Owusu
  Asante Appiah Agyeman Darko Okafor Okeke Okonkwo Eze Nwosu Adeyemi Adebayo Okoro Diallo Traore
  Toure Keita Ndiaye Diop Kowalski Kowalska Nowak Wisniewski Wiśniewski Wojcik Wójcik Kaminski
  Kamiński Lewandowski Zielinski Zieliński Szymanski Dabrowski Dąbrowski Ivanov Ivanova Petrov
  Petrova Smirnov Smirnova Kuznetsov Popov Sokolov Volkov Tamm Saar Sepp Mägi Kask Kukk Rebane
  Ilves Pärn Koppel Jansen Janssen Visser Smit Bakker Meijer Mulder Dekker Hendriks
  Pham Tran Hoang Phan Vu Dang Bui Ngo Duong
  Shevchenko Kovalenko Bondarenko Tkachenko Kravchenko Melnyk Boiko Kovalchuk Oliinyk Shevchuk
  Polishchuk Lysenko Marchenko Savchenko Rudenko Moroz
  Sharma Patel Singh Kumar Gupta Reddy Nair Iyer Chaudhary Mehta`
  .split(/\s+/)
  .filter(Boolean);
