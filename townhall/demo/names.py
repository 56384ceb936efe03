"""Built-in name lists for the fictional council: first names by sex, birth era and heritage, surnames, nicknames.

The lists are plain tuples so they can be read, reviewed and reused (the identity team uses ``NICKNAMES``). Order
matters: earlier names in a list are drawn more often (see ``list_weights``), roughly as in ONS baby-name tables.
"""

from __future__ import annotations

import numpy as np

# Birth eras used to pick era-appropriate British first names: (first year, last year) inclusive.
BIRTH_ERAS: tuple[tuple[int, int], ...] = ((1900, 1949), (1950, 1969), (1970, 1989), (1990, 2004), (2005, 2030))

BRITISH_MALE_FIRST_NAMES: tuple[tuple[str, ...], ...] = (
    (  # born before 1950
        "John", "William", "George", "James", "Thomas", "Robert", "Kenneth", "Ronald", "Peter", "Arthur",
        "Frederick", "Albert", "Harold", "Edward", "Charles", "Frank", "Dennis", "Leslie", "Eric", "Stanley",
        "Norman", "Raymond", "Roy", "Donald", "Walter", "Alan", "Brian", "Derek", "Gordon", "Joseph",
        "Henry", "Ernest", "Alfred", "Douglas", "Leonard", "Sidney", "Cyril", "Bernard", "Reginald", "Herbert",
        "Geoffrey", "Victor", "Gerald", "Patrick", "Terence",
    ),
    (  # 1950-1969
        "David", "John", "Paul", "Mark", "Michael", "Stephen", "Andrew", "Peter", "Robert", "Ian",
        "Richard", "Gary", "Christopher", "Anthony", "Kevin", "Steven", "Alan", "Philip", "Martin", "Brian",
        "Graham", "Keith", "Nigel", "Colin", "Trevor", "Neil", "Simon", "Timothy", "Geoffrey", "Terence",
        "Kenneth", "Barry", "Malcolm", "Roger", "William", "James", "Thomas", "Raymond", "Derek", "Gordon",
        "Jonathan", "Nicholas", "Patrick", "Edward", "Lawrence",
    ),
    (  # 1970-1989
        "Paul", "David", "Mark", "James", "Andrew", "Richard", "Christopher", "Daniel", "Matthew", "Michael",
        "Stephen", "Lee", "Darren", "Jason", "Craig", "Wayne", "Dean", "Gareth", "Stuart", "Simon",
        "Jonathan", "Robert", "Steven", "Carl", "Anthony", "Neil", "Kevin", "Adam", "Thomas", "Benjamin",
        "Ryan", "Scott", "Jamie", "Ian", "Gary", "Martin", "Nicholas", "Peter", "John", "William",
        "Alexander", "Samuel", "Joseph", "Philip", "Edward",
    ),
    (  # 1990-2004
        "Thomas", "James", "Jack", "Daniel", "Joshua", "Matthew", "Ryan", "Luke", "Samuel", "Callum",
        "Adam", "Jordan", "Benjamin", "Liam", "Lewis", "Connor", "Harry", "Joseph", "Nathan", "Jake",
        "Alexander", "Oliver", "William", "Michael", "Kieran", "Bradley", "Jamie", "Christopher", "Aaron", "Dylan",
        "Charlie", "George", "Reece", "Kyle", "Owen", "Cameron", "Ethan", "Jacob", "Tyler", "Robert",
        "Andrew", "David", "Jonathan", "Edward", "Henry",
    ),
    (  # 2005 onwards
        "Oliver", "Jack", "Harry", "George", "Noah", "Charlie", "Jacob", "Alfie", "Freddie", "Oscar",
        "Leo", "Logan", "Archie", "Theo", "Thomas", "James", "Joshua", "William", "Henry", "Arthur",
        "Ethan", "Isaac", "Alexander", "Max", "Lucas", "Mason", "Harrison", "Finley", "Teddy", "Reggie",
        "Tommy", "Albie", "Edward", "Samuel", "Daniel", "Riley", "Dylan", "Jude", "Louie", "Elijah",
        "Joseph", "Sebastian", "Frederick", "Rory", "Stanley",
    ),
)

BRITISH_FEMALE_FIRST_NAMES: tuple[tuple[str, ...], ...] = (
    (  # born before 1950
        "Margaret", "Mary", "Joan", "Patricia", "Dorothy", "Betty", "Jean", "Doris", "Irene", "Joyce",
        "Elizabeth", "Barbara", "Sheila", "Eileen", "Kathleen", "Audrey", "Maureen", "Sylvia", "Brenda", "Pamela",
        "Shirley", "Valerie", "June", "Edna", "Iris", "Marjorie", "Vera", "Winifred", "Gladys", "Hilda",
        "Elsie", "Ethel", "Florence", "Ivy", "Lilian", "Mavis", "Phyllis", "Rita", "Violet", "Beryl",
        "Dorothea", "Agnes", "Frances", "Josephine", "Gwendoline",
    ),
    (  # 1950-1969
        "Susan", "Linda", "Christine", "Margaret", "Janet", "Patricia", "Carol", "Elizabeth", "Mary", "Anne",
        "Jacqueline", "Karen", "Julie", "Deborah", "Tracey", "Sandra", "Gillian", "Helen", "Lesley", "Pauline",
        "Jennifer", "Wendy", "Alison", "Diane", "Angela", "Lorraine", "Elaine", "Denise", "Jane", "Sarah",
        "Catherine", "Beverley", "Kathleen", "Dawn", "Jean", "Marion", "Hazel", "Brenda", "Valerie", "Sheila",
        "Barbara", "Frances", "Josephine", "Rosemary", "Judith",
    ),
    (  # 1970-1989
        "Sarah", "Claire", "Emma", "Nicola", "Lisa", "Joanne", "Michelle", "Helen", "Rachel", "Laura",
        "Gemma", "Rebecca", "Kelly", "Louise", "Amanda", "Donna", "Samantha", "Stephanie", "Victoria", "Catherine",
        "Karen", "Julie", "Jennifer", "Elizabeth", "Natalie", "Lindsey", "Kirsty", "Zoë", "Katherine", "Angela",
        "Tracey", "Kerry", "Hayley", "Leanne", "Jodie", "Charlotte", "Amy", "Hannah", "Jacqueline", "Deborah",
        "Susan", "Alexandra", "Abigail", "Renée", "Naomi",
    ),
    (  # 1990-2004
        "Emily", "Jessica", "Sophie", "Chloe", "Lauren", "Hannah", "Charlotte", "Rebecca", "Amy", "Megan",
        "Bethany", "Olivia", "Ellie", "Holly", "Georgia", "Emma", "Katie", "Lucy", "Abigail", "Jade",
        "Shannon", "Courtney", "Danielle", "Samantha", "Natasha", "Laura", "Zoë", "Amber", "Eleanor", "Molly",
        "Grace", "Leah", "Rachel", "Jasmine", "Paige", "Naomi", "Stephanie", "Kayleigh", "Elizabeth", "Victoria",
        "Alexandra", "Isabelle", "Chloé", "Margaret", "Catherine",
    ),
    (  # 2005 onwards
        "Olivia", "Amelia", "Isla", "Ava", "Emily", "Sophia", "Grace", "Mia", "Poppy", "Ella",
        "Lily", "Evie", "Isabella", "Sophie", "Ivy", "Freya", "Harper", "Willow", "Isabelle", "Daisy",
        "Florence", "Rosie", "Millie", "Phoebe", "Charlotte", "Sienna", "Matilda", "Evelyn", "Eva", "Elsie",
        "Ruby", "Jessica", "Chloe", "Maisie", "Erin", "Scarlett", "Layla", "Zara", "Esmé", "Aurora",
        "Violet", "Margot", "Elizabeth", "Eleanor", "Abigail",
    ),
)

# Heritage groups pick the first-name and surname lists for a household; British lists are the default.
HERITAGES: tuple[str, ...] = (
    "british", "irish", "south_asian_muslim", "south_asian_hindu_sikh", "east_asian", "west_african",
    "east_african", "caribbean", "eastern_european", "southern_european", "arab",
)

HERITAGE_FIRST_NAMES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # heritage: (male names, female names)
    "irish": (
        ("Seán", "Patrick", "Michael", "Declan", "Ciarán", "Conor", "Pádraig", "Liam", "Eoin", "Niall",
         "Brendan", "Kieran", "Aidan", "Colm", "Dermot", "Fergal", "Cormac", "Donal", "Ronan", "Kevin"),
        ("Siobhán", "Aoife", "Niamh", "Róisín", "Sinéad", "Mairéad", "Bríd", "Orla", "Caoimhe", "Eileen",
         "Bridget", "Maeve", "Clodagh", "Deirdre", "Gráinne", "Aisling", "Ciara", "Nuala", "Sorcha", "Mary"),
    ),
    "south_asian_muslim": (
        ("Muhammad", "Mohammed", "Ali", "Ahmed", "Imran", "Tariq", "Asif", "Bilal", "Usman", "Hamza",
         "Zain", "Ibrahim", "Yusuf", "Adam", "Omar", "Hassan", "Abdul", "Shahid", "Kamran", "Rizwan",
         "Faisal", "Zubair", "Arif", "Nadeem", "Sajid"),
        ("Fatima", "Ayesha", "Aisha", "Maryam", "Zainab", "Amina", "Hira", "Sana", "Nadia", "Samina",
         "Rukhsana", "Shazia", "Nasreen", "Farzana", "Salma", "Yasmin", "Sadia", "Khadija", "Hafsa", "Iqra",
         "Noor", "Anum", "Tahira", "Rubina", "Shabana"),
    ),
    "south_asian_hindu_sikh": (
        ("Raj", "Amit", "Sanjay", "Vijay", "Rajesh", "Sunil", "Ravi", "Arjun", "Rohan", "Aarav",
         "Dev", "Karan", "Harpreet", "Gurpreet", "Jaspal", "Manjit", "Sandeep", "Vikram", "Anil", "Deepak",
         "Nikhil", "Krishna", "Jaswinder", "Kuldip", "Hardeep"),
        ("Priya", "Anjali", "Sunita", "Neha", "Pooja", "Kavita", "Meera", "Asha", "Deepa", "Nisha",
         "Simran", "Harjit", "Kiran", "Amrit", "Rupinder", "Anika", "Divya", "Shreya", "Leela", "Parminder",
         "Sonia", "Rekha", "Jasvir", "Manpreet", "Hema"),
    ),
    "east_asian": (
        ("Wei", "Jun", "Hao", "Ming", "Jian", "Lei", "Kevin", "Michael", "Daniel", "David",
         "Chi Keung", "Ka Wai", "Tian", "Yong", "Bo"),
        ("Mei", "Li", "Xin", "Yan", "Hui", "Ying", "Jing", "Xiu", "Grace", "Jennifer",
         "Wing Yee", "Man Yee", "Ling", "Qing", "Fang"),
    ),
    "west_african": (
        ("Emmanuel", "Samuel", "Daniel", "David", "Chinedu", "Oluwaseun", "Kwame", "Kofi", "Tunde", "Femi",
         "Chukwuemeka", "Joseph", "Isaac", "Obinna", "Yaw", "Segun", "Kwabena", "Olumide", "Ifeanyi", "Michael"),
        ("Grace", "Blessing", "Chioma", "Ngozi", "Adaeze", "Folake", "Abena", "Ama", "Esther", "Precious",
         "Favour", "Joy", "Funmilayo", "Amara", "Faith", "Mercy", "Comfort", "Adwoa", "Temitope", "Oluwadamilola"),
    ),
    "east_african": (
        ("Abdi", "Mohamed", "Ahmed", "Abdirahman", "Hassan", "Yusuf", "Tendai", "Tatenda", "Farai", "Tafadzwa",
         "Tesfaye", "Dawit", "Joseph", "Brian", "Kennedy"),
        ("Hodan", "Fadumo", "Amina", "Sahra", "Hibo", "Nyasha", "Rutendo", "Chipo", "Tsitsi", "Ruth",
         "Miriam", "Selam", "Hana", "Faith", "Wanjiru"),
    ),
    "caribbean": (
        ("Marcus", "Tyrone", "Delroy", "Winston", "Leroy", "Clive", "Errol", "Jermaine", "Andre", "Dwayne",
         "Junior", "Lloyd", "Trevor", "Kemar", "Jerome", "Nathaniel", "Curtis", "Devon", "Carlton", "Michael"),
        ("Marcia", "Beverley", "Yvonne", "Sonia", "Paulette", "Simone", "Keisha", "Shanice", "Tanisha", "Jasmine",
         "Claudette", "Hyacinth", "Janelle", "Natalie", "Patricia", "Jacqueline", "Monique", "Donna", "Maxine",
         "Pearl"),
    ),
    "eastern_european": (
        ("Piotr", "Krzysztof", "Tomasz", "Paweł", "Michał", "Łukasz", "Marcin", "Jakub", "Kamil", "Mateusz",
         "Andrei", "Mihai", "Bogdan", "Darius", "Jonas", "Mantas", "Tomáš", "Marek", "Jan", "Adrian"),
        ("Anna", "Katarzyna", "Agnieszka", "Magdalena", "Joanna", "Małgorzata", "Monika", "Natalia", "Aleksandra",
         "Zuzana", "Ioana", "Elena", "Andreea", "Ieva", "Justyna", "Ewa", "Kristina", "Marta", "Oksana", "Daria"),
    ),
    "southern_european": (
        ("José", "João", "António", "Luís", "Marco", "Giuseppe", "Luca", "Pierre", "François", "Jérôme",
         "Sébastien", "Miguel", "Alejandro", "Nuno", "Andrea", "Matteo", "Carlos", "Javier", "Rui", "Stefano"),
        ("María", "Ana", "Inês", "Lucía", "Giulia", "Francesca", "Chloé", "Céline", "Amélie", "Renée",
         "Sofia", "Beatriz", "Carmen", "Chiara", "Elena", "Hélène", "Joana", "Marta", "Noémie", "Paola"),
    ),
    "arab": (
        ("Ahmed", "Mohammed", "Omar", "Khalid", "Youssef", "Karim", "Ali", "Hassan", "Mustafa", "Tariq",
         "Samir", "Walid", "Nabil", "Rami", "Ziad"),
        ("Fatima", "Layla", "Noor", "Mariam", "Hana", "Rania", "Yasmin", "Salma", "Leila", "Amira",
         "Dina", "Huda", "Lina", "Rana", "Sara"),
    ),
}

BRITISH_SURNAMES: tuple[str, ...] = (
    "Smith", "Jones", "Williams", "Taylor", "Brown", "Davies", "Evans", "Wilson", "Thomas", "Johnson",
    "Roberts", "Robinson", "Thompson", "Wright", "Walker", "White", "Edwards", "Hughes", "Green", "Hall",
    "Lewis", "Harris", "Clarke", "Jackson", "Wood", "Turner", "Martin", "Cooper", "Hill", "Ward",
    "Morris", "Moore", "Clark", "Lee", "King", "Baker", "Harrison", "Morgan", "Allen", "James",
    "Scott", "Phillips", "Watson", "Davis", "Parker", "Price", "Bennett", "Young", "Griffiths", "Mitchell",
    "Kelly", "Cook", "Carter", "Richardson", "Bailey", "Collins", "Bell", "Shaw", "Miller", "Cox",
    "Richards", "Marshall", "Anderson", "Simpson", "Ellis", "Adams", "Wilkinson", "Foster", "Chapman", "Powell",
    "Webb", "Rogers", "Gray", "Mason", "Hunt", "Campbell", "Matthews", "Owen", "Palmer", "Holmes",
    "Mills", "Barnes", "Knight", "Lloyd", "Butler", "Russell", "Barker", "Fisher", "Stevens", "Jenkins",
    "Murray", "Dixon", "Harvey", "Graham", "Pearson", "Fletcher", "Gibson", "Howard", "Andrews", "Stewart",
    "Elliott", "Reynolds", "Saunders", "Payne", "Fox", "Ford", "Pearce", "Day", "Brooks", "West",
    "Lawrence", "Cole", "Atkinson", "Bradley", "Spencer", "Dawson", "Ball", "Burton", "Watts", "Rose",
    "Booth", "Perry", "Grant", "Wells", "Armstrong", "Francis", "Rees", "Hayes", "Hart", "Hudson",
    "Newman", "Barrett", "Webster", "Hunter", "Gregory", "Carr", "Lowe", "Page", "Marsh", "Riley",
    "Dunn", "Woods", "Parsons", "Berry", "Stone", "Reid", "Holland", "Hawkins", "Harding", "Porter",
    "Robertson", "Newton", "Oliver", "Reed", "Kennedy", "Williamson", "Bird", "Gardner", "Dean", "Lane",
    "Cooke", "Bates", "Henderson", "Parry", "Burgess", "Bishop", "Walton", "Burns", "Nicholson", "Shepherd",
    "Ross", "Cross", "Long", "Freeman", "Warren", "Nicholls", "Hamilton", "Sutton", "McDonald", "Yates",
    "Hodgson", "Robson", "Curtis", "Hopkins", "Harper", "Coleman", "Watkins", "Moss", "Chambers", "Griffin",
    "Sharp", "Hardy", "Wheeler", "Potter", "Osborne", "Johnston", "Gordon", "Wallace", "George", "Jordan",
    "Hutchinson", "Rowe", "Burke", "May", "Pritchard", "Gilbert", "Willis", "Higgins", "Read", "Miles",
    "Stevenson", "Stephenson", "Hammond", "Arnold", "Buckley", "Walters", "Hewitt", "Barber", "Nelson", "Slater",
    "Austin", "Whitehead", "Mann", "Frost", "Lambert", "Stephens", "Blake", "Lynch", "Goodwin", "Barton",
    "Woodward", "Thomson", "Cunningham", "Barnett", "Baxter", "Clayton", "Nash", "Greenwood", "Jennings", "Holt",
    "Kemp", "Poole", "Bond", "Stokes", "Tucker", "Davidson", "Fowler", "Heath", "Norman", "Middleton",
    "Lawson", "Banks", "French", "Stanley", "Jarvis", "Gibbs", "Ferguson", "Hayward", "Carroll", "Atkins",
    "Ashworth", "Butterworth", "Schofield", "Whittaker", "Ramsbottom", "Entwistle", "Haworth", "Ogden", "Crompton",
    "Hargreaves", "Lomax", "Pilkington", "Kershaw", "Heywood", "Holden", "Greenhalgh", "Sutcliffe", "Lord",
    # double-barrelled, hyphenated and spaced surnames that standardisers must keep together
    "Smith-Jones", "Taylor-Brown", "Clarke-Evans", "Harper-Reid", "Ashworth-Hill", "Bennett-Price",
    "Vaughan-Thomas", "Owen-Jones", "Davies-Cooke", "Wynne Jones", "St John", "D'Arcy", "Fox-Hughes",
    "Lloyd-Morgan", "Heath-Stubbs",
)

HERITAGE_SURNAMES: dict[str, tuple[str, ...]] = {
    "irish": (
        "O'Brien", "O'Sullivan", "Murphy", "Kelly", "O'Connor", "McCarthy", "Byrne", "Ryan", "Walsh", "Doyle",
        "O'Neill", "Gallagher", "Fitzgerald", "O'Reilly", "McLaughlin", "Quinn", "Brennan", "Flanagan", "Kavanagh",
        "O'Donnell", "Nolan", "Duffy", "Ó Briain", "MacNamara", "Mc Govern",
    ),
    "south_asian_muslim": (
        "Khan", "Ahmed", "Hussain", "Ali", "Akhtar", "Mahmood", "Iqbal", "Rahman", "Miah", "Uddin",
        "Islam", "Shah", "Malik", "Butt", "Chaudhry", "Qureshi", "Rashid", "Aziz", "Karim", "Hossain",
        "Javed", "Anwar", "Sheikh", "Mirza", "Raja",
    ),
    "south_asian_hindu_sikh": (
        "Patel", "Singh", "Sharma", "Kumar", "Shah", "Gill", "Sandhu", "Mistry", "Parmar", "Chauhan",
        "Joshi", "Mehta", "Desai", "Bhatt", "Sidhu", "Dhillon", "Thakkar", "Rana", "Gupta", "Chopra",
        "Solanki", "Bains", "Grewal", "Pandya", "Lad",
    ),
    "east_asian": (
        "Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou",
        "Chan", "Wong", "Lee", "Cheung", "Lam", "Ng", "Ho", "Leung", "Tang", "Nguyen",
    ),
    "west_african": (
        "Okonkwo", "Okafor", "Adeyemi", "Mensah", "Owusu", "Boateng", "Asante", "Nwosu", "Eze", "Adebayo",
        "Oyelaran", "Osei", "Ogunleye", "Babatunde", "Kamara", "Conteh", "Bangura", "Adjei", "Okoro", "Afolabi",
    ),
    "east_african": (
        "Mohamed", "Abdi", "Hassan", "Ali", "Farah", "Warsame", "Chikwanha", "Moyo", "Ndlovu", "Mwangi",
        "Tesfaye", "Kariuki", "Mutasa", "Osman", "Yusuf",
    ),
    "caribbean": (
        "Campbell", "Williams", "Brown", "Thompson", "Johnson", "Clarke", "Francis", "Reid", "Grant", "Walker",
        "Edwards", "Henry", "Bailey", "Richards", "Lewis", "Morgan", "Hylton", "Bryan", "McKenzie", "Gayle",
    ),
    "eastern_european": (
        "Nowak", "Kowalski", "Kowalska", "Wiśniewski", "Wójcik", "Kamiński", "Lewandowski", "Zieliński",
        "Szymański", "Popescu", "Ionescu", "Popa", "Kazlauskas", "Petrauskas", "Novák", "Dvořák", "Horváth",
        "Nagy", "Kovács", "Jankowski", "Mazur", "Krawczyk", "Dumitru", "Stan", "Baranowski",
    ),
    "southern_european": (
        "García", "Fernández", "Rodríguez", "Silva", "Santos", "Pereira", "Ferreira", "Rossi", "Russo", "Esposito",
        "Bianchi", "Dubois", "Lefèvre", "Moreau", "Costa", "Martínez", "Gonçalves", "Romano", "De Souza", "D'Souza",
    ),
    "arab": (
        "Al-Masri", "Haddad", "Mansour", "Nasser", "Saleh", "Farouk", "Abdullah", "Al-Sayed", "Hamdan", "Khalil",
        "El-Amin", "Al-Rashid", "Youssef", "Ibrahim", "Suleiman",
    ),
}

# Women's surnames in some South Asian families are not the husband's (e.g. Begum, Bibi, Kaur).
FEMALE_HERITAGE_SURNAMES: dict[str, tuple[str, ...]] = {
    "south_asian_muslim": ("Begum", "Bibi", "Khatun"),
    "south_asian_hindu_sikh": ("Kaur",),
}

# Formal first name -> common nicknames and short forms. The identity team reuses this to match "Bill" to "William".
NICKNAMES: dict[str, tuple[str, ...]] = {
    "William": ("Bill", "Billy", "Will", "Willie", "Liam"),
    "Robert": ("Bob", "Bobby", "Rob", "Robbie", "Bert"),
    "Margaret": ("Peggy", "Maggie", "Meg", "Madge", "Marge"),
    "Elizabeth": ("Liz", "Beth", "Lizzie", "Betty", "Libby", "Eliza"),
    "Richard": ("Dick", "Rick", "Rich", "Richie"),
    "James": ("Jim", "Jimmy", "Jamie"),
    "John": ("Jack", "Johnny"),
    "Michael": ("Mike", "Mick", "Mickey"),
    "Christopher": ("Chris", "Kit"),
    "Anthony": ("Tony",),
    "Edward": ("Ed", "Eddie", "Ted", "Ned"),
    "Thomas": ("Tom", "Tommy"),
    "Joseph": ("Joe", "Joey"),
    "Daniel": ("Dan", "Danny"),
    "David": ("Dave", "Davy"),
    "Stephen": ("Steve",),
    "Steven": ("Steve",),
    "Andrew": ("Andy", "Drew"),
    "Matthew": ("Matt",),
    "Nicholas": ("Nick", "Nicky"),
    "Samuel": ("Sam", "Sammy"),
    "Benjamin": ("Ben", "Benny"),
    "Alexander": ("Alex", "Sandy", "Xander"),
    "Alexandra": ("Alex", "Lexi", "Sandra"),
    "Catherine": ("Kate", "Cathy", "Kath", "Katie"),
    "Katherine": ("Kate", "Kathy", "Katie"),
    "Kathleen": ("Kath", "Kathy"),
    "Patricia": ("Pat", "Patsy", "Trish"),
    "Patrick": ("Pat", "Paddy"),
    "Jennifer": ("Jen", "Jenny"),
    "Rebecca": ("Becky", "Becca"),
    "Victoria": ("Vicky", "Tori"),
    "Susan": ("Sue", "Susie"),
    "Deborah": ("Debbie", "Deb"),
    "Dorothy": ("Dot", "Dolly", "Dottie"),
    "Frederick": ("Fred", "Freddie"),
    "Albert": ("Bert", "Al"),
    "Alfred": ("Alf", "Alfie"),
    "Henry": ("Harry", "Hal"),
    "Harold": ("Harry",),
    "Charles": ("Charlie", "Chas"),
    "Lawrence": ("Larry", "Laurie"),
    "Leonard": ("Len", "Lenny"),
    "Kenneth": ("Ken", "Kenny"),
    "Ronald": ("Ron", "Ronnie"),
    "Donald": ("Don", "Donnie"),
    "Gerald": ("Gerry",),
    "Terence": ("Terry",),
    "Timothy": ("Tim",),
    "Philip": ("Phil",),
    "Peter": ("Pete",),
    "Raymond": ("Ray",),
    "Samantha": ("Sam",),
    "Jacqueline": ("Jackie",),
    "Christine": ("Chris", "Chrissie"),
    "Pamela": ("Pam",),
    "Barbara": ("Babs", "Barb"),
    "Josephine": ("Jo", "Josie"),
    "Joanne": ("Jo",),
    "Mary": ("Molly", "Polly"),
    "Sarah": ("Sally",),
    "Helen": ("Nell",),
    "Eleanor": ("Ellie", "Nell"),
    "Abigail": ("Abi", "Abby"),
    "Jessica": ("Jess",),
    "Isabella": ("Bella", "Izzy"),
    "Isabelle": ("Izzy",),
    "Olivia": ("Liv",),
    "Amelia": ("Millie",),
    "Emily": ("Em",),
    "Gillian": ("Jill",),
    "Valerie": ("Val",),
    "Beverley": ("Bev",),
    "Jonathan": ("Jon", "Jonny"),
    "Oliver": ("Ollie",),
    "Frances": ("Fran",),
    "Theodore": ("Theo",),
    "Walter": ("Wally",),
    "Gregory": ("Greg",),
    "Nathan": ("Nate",),
    "Florence": ("Flo",),
    "Winifred": ("Winnie",),
    "Gwendoline": ("Gwen",),
    "Stanley": ("Stan",),
    "Bernard": ("Bernie",),
    "Douglas": ("Doug",),
    "Geoffrey": ("Geoff",),
    "Malcolm": ("Mal",),
    "Lesley": ("Les",),
    "Leslie": ("Les",),
    "Sidney": ("Sid",),
    "Reginald": ("Reg", "Reggie"),
    "Stephanie": ("Steph",),
    "Natalie": ("Nat",),
    "Natasha": ("Tash",),
    "Danielle": ("Dani",),
    "Zachary": ("Zac",),
    "Callum": ("Cal",),
    "Muhammad": ("Mo",),
    "Mohammed": ("Mo",),
    "Oluwaseun": ("Seun",),
    "Oluwadamilola": ("Dami",),
    "Funmilayo": ("Funmi",),
    "Chukwuemeka": ("Emeka",),
    "Małgorzata": ("Gosia",),
    "Katarzyna": ("Kasia",),
    "Aleksandra": ("Ola",),
}

# Spellings of the same name that different systems record; not nicknames, but linkage must treat them alike.
NAME_SPELLING_VARIANTS: tuple[tuple[str, ...], ...] = (
    ("Muhammad", "Mohammed", "Mohammad", "Mohamed"),
    ("Stephen", "Steven"),
    ("Catherine", "Katherine", "Kathryn"),
    ("Philip", "Phillip"),
    ("Zoë", "Zoe"),
    ("Chloé", "Chloe"),
    ("Renée", "Renee"),
    ("Esmé", "Esme"),
    ("Seán", "Sean", "Shaun", "Shawn"),
    ("Siobhán", "Siobhan"),
    ("José", "Jose"),
    ("Isabelle", "Isobel", "Isabel"),
    ("Lesley", "Leslie"),
    ("Geoffrey", "Jeffrey"),
    ("Tracey", "Tracy"),
)


def formal_names_for(nickname: str) -> tuple[str, ...]:
    """The formal first names a nickname can stand for, e.g. 'Alex' -> ('Alexander', 'Alexandra')."""
    wanted = nickname.strip().casefold()
    return tuple(formal for formal, short in NICKNAMES.items() if wanted in (name.casefold() for name in short))


def list_weights(count: int, steepness: float = 0.5) -> np.ndarray:
    """Zipf-like drawing weights for a list of ``count`` names, so the first names are the most common."""
    weights = 1.0 / np.arange(1, count + 1) ** steepness
    return weights / weights.sum()


STREET_NAME_STEMS: tuple[str, ...] = (
    "Mill", "Church", "Station", "Park", "Victoria", "Oak", "Albert", "Queen's", "King's", "Chapel",
    "School", "Manor", "Grange", "Moss", "Brook", "Bridge", "Market", "Hollins", "Green", "Meadow",
    "Orchard", "Springfield", "Beech", "Ash", "Elm", "Willow", "Birch", "Cedar", "Holly", "Hawthorn",
    "Rowan", "Alder", "Hazel", "Laburnum", "Lilac", "Primrose", "Clover", "Heather", "Fern", "Bracken",
    "Cross", "Canal", "Wharf", "Lock", "Foundry", "Cotton", "Weavers", "Spinners", "Tannery", "Forge",
    "Railway", "Tram", "Union", "Peel", "Gladstone", "Disraeli", "Nelson", "Wellington", "Trafalgar", "Waterloo",
    "Stanley", "Derby", "Lancaster", "York", "Chester", "Buxton", "Bolton", "Bury", "Rochdale", "Oldham",
    "Ashbury", "Millbrook", "Thornley", "Harwood", "Kersal", "Whitfield", "Redbank", "Greenside", "Fairfield",
    "Broadway", "Highfield", "Lowfield", "Westwood", "Eastwood", "Northgate", "Southgate", "Ridge", "Hillside",
    "Valley", "Riverside", "Lakeside", "Moorside", "Heathside", "Brookside", "Parkside", "Fieldside", "Clough",
    "Dingle", "Dale", "Fold", "Croft", "Barn", "Farm", "Windmill", "Mount", "Prospect", "Grosvenor",
    "Cavendish", "Clarendon", "Devonshire", "Pembroke", "Beaumont", "Belgrave", "Cambridge", "Oxford", "Warwick",
    "Salisbury", "Rutland", "Sandown", "Kenilworth", "Ashfield", "Birchfield", "Oakfield", "Rosefield",
    "Mayfield", "Summerfield", "Woodfield", "Brookfield", "Sunnybank", "Rosebank", "Greenbank", "Moorfield",
    "St Anne's", "St Mary's", "St Peter's", "St John's", "St Mark's", "St Paul's", "St Michael's", "St Luke's",
    "Abbey", "Priory", "Minster", "Deanery", "Rectory", "Vicarage", "Glebe", "Castle", "Tower", "Beacon",
    "Lime", "Sycamore", "Chestnut", "Poplar", "Larch", "Pine", "Yew", "Maple", "Hornbeam", "Juniper",
    "Kingfisher", "Heron", "Swallow", "Lapwing", "Curlew", "Skylark", "Wren", "Robin", "Linnet", "Plover",
    "Hampden", "Milton", "Byron", "Shelley", "Keats", "Wordsworth", "Tennyson", "Chaucer", "Dickens", "Brontë",
    "Gaskell", "Pankhurst", "Lowry", "Dalton", "Brindley", "Arkwright", "Crompton", "Hargreaves", "Kay", "Tootal",
)

STREET_SUFFIXES: tuple[str, ...] = (
    "Road", "Street", "Lane", "Avenue", "Close", "Drive", "Grove", "Way", "Crescent", "Terrace",
    "Gardens", "Place", "Walk", "Court", "Rise", "View", "Mews", "Row",
)

# How other systems abbreviate street types in free-text addresses.
STREET_SUFFIX_ABBREVIATIONS: dict[str, str] = {
    "Road": "Rd", "Street": "St", "Lane": "Ln", "Avenue": "Ave", "Close": "Cl", "Drive": "Dr", "Grove": "Gr",
    "Crescent": "Cres", "Terrace": "Terr", "Gardens": "Gdns", "Place": "Pl", "Court": "Ct",
}

WARD_NAMES: tuple[str, ...] = (
    "Millbrook", "St Anne's", "Hollins Green", "Thornley", "Harwood", "Kersal Vale", "Whitfield", "Redbank",
    "Greenside", "Fairfield", "Highfield", "Westwood", "Brookside", "Moorside", "Clough End", "Dale Park",
    "Ashbury Central", "Ashbury Old Town", "Canal Side", "Foundry", "Weavers", "Spinners Fold", "Tannery",
    "Victoria Park", "Queen's Park", "King's Hill", "Abbey Fields", "Priory", "Castle Hill", "Beacon Hill",
    "Oakwood", "Beechwood", "Elmfield", "Rowan Heath", "Hawthorn", "Birchwood", "Willow Bank", "Alder Moss",
    "Heaton Fold", "Summerseat", "Ramsden", "Lumb Brook", "Crowther", "Pennington", "Blackshaw", "Whitelees",
    "Netherton", "Upperby", "Low Moor", "High Crompton", "Shawfield", "Bradley Fold", "Ainsworth", "Birtle",
    "Hollinwood", "Ashton Vale", "Greenmount", "Tottington Brook", "Walshaw", "Holcombe", "Edenfield", "Turnside",
    "Cherry Tree", "Bank Top", "Mill Hill", "Daisy Nook", "Fernhill", "Hopwood", "Stakehill", "Slattocks",
    "St Mary's", "St Peter's", "St John's", "Hallfold", "Lowerfold", "Newbold", "Kirkholt", "Belfield",
    "Smallbridge", "Firgrove", "Wardle", "Calderbrook", "Littleborough Lakes", "Hurstead", "Syke", "Healey",
    "Spotland", "Falinge", "Norden", "Bamford", "Castleton", "Balderstone", "Deeplish", "Newhey", "Milnrow",
    "Pennybridge", "Thornham", "Sudden", "Marland",
)

WARD_NAME_QUALIFIERS: tuple[str, ...] = ("", " North", " South", " East", " West", " Central", " Park", " Village")

BLOCK_NAME_STEMS: tuple[str, ...] = (
    "Alder", "Beech", "Cedar", "Hazel", "Rowan", "Willow", "Lime", "Poplar", "Sycamore", "Maple",
    "Kingfisher", "Heron", "Swallow", "Wren", "Lapwing", "Curlew", "Weaver", "Spinner", "Foundry", "Canal",
    "Mill", "Victoria", "Albert", "Peel", "Nelson", "Gladstone", "Pankhurst", "Lowry", "Dalton", "Brindley",
)
BLOCK_NAME_SUFFIXES: tuple[str, ...] = ("Court", "House", "Heights", "Tower", "Lodge", "Point", "Mill", "Apartments")

BUSINESS_NAME_STEMS: tuple[str, ...] = (
    "Ashbury", "Millbrook", "Northgate", "Pennine", "Red Rose", "Canal Side", "Victoria", "Riverside", "Oakwood",
    "Kingfisher", "Cotton", "Foundry", "Market", "Station", "Bridge", "Castle", "Beacon", "Brookside", "Moorland",
    "Highfield", "Crown", "Globe", "Star", "Phoenix", "Anchor", "Lion", "Swan", "Unicorn", "Royal", "Central",
)

BUSINESS_KINDS: dict[str, tuple[str, ...]] = {
    "Shop": ("Convenience Store", "Hardware", "Florist", "Pharmacy", "Bakery", "Butchers", "Newsagents", "Vape Shop",
             "Barbers", "Hair Studio", "Nail Bar", "Charity Shop", "Phone Repairs", "Opticians", "Bookshop"),
    "Office": ("Accountants", "Solicitors", "Lettings", "Estate Agents", "Insurance Brokers", "Recruitment",
               "Architects", "IT Services", "Dental Practice", "Physiotherapy"),
    "Warehouse": ("Logistics", "Distribution", "Storage", "Wholesale", "Removals"),
    "Workshop": ("Motors", "Joinery", "Engineering", "Fabrications", "Tyres", "Print Works", "Upholstery"),
    "Restaurant": ("Café", "Kitchen", "Tandoori", "Pizzeria", "Fish Bar", "Grill", "Noodle Bar", "Tea Rooms"),
    "Public house": ("Arms", "Inn", "Tavern", "Hotel"),
    "Hotel": ("Guest House", "Hotel", "Lodge"),
}

BUSINESS_LEGAL_SUFFIXES: tuple[str, ...] = ("Ltd", "Limited", "& Sons", "& Co", "LLP", "", "", "")

LANDLORD_COMPANY_NAMES: tuple[str, ...] = (
    "Pennine Lettings Ltd", "Redbank Property Management Ltd", "Ashbury Homes (Rentals) Ltd", "Northgate Estates Ltd",
    "Millbrook Residential Ltd", "Canal Side Lettings", "Urban Nest Property Ltd", "Kingfisher Housing Ltd",
    "Castle Lettings & Management", "Brookside Property Services Ltd", "Moorland Homes Ltd", "Oakwood Rentals Ltd",
)

SCHOOL_NAMES: tuple[str, ...] = (
    "St Anne's CE Primary School", "Millbrook Primary School", "Hollins Green Community Primary", "Thornley Academy",
    "Harwood Park Primary", "Redbank Infant and Junior School", "Whitfield Primary School", "Greenside Primary",
    "St Mary's RC Primary School", "Fairfield Primary Academy", "Highfield Primary School", "Westwood Primary",
    "Brookside Primary School", "Moorside Community Primary", "Canal Side Primary", "Victoria Park Primary",
    "Queen's Park Primary School", "Oakwood Primary School", "Beechwood Primary", "Castle Hill Primary",
    "Ashbury High School", "Millbrook Academy", "St Peter's RC High School", "Kersal Vale Community College",
    "Thornley High School", "Ashbury Grammar School", "Harwood Park Academy", "Beacon Hill School",
)

COUNCIL_BUILDING_KINDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Town Hall", ("Council Chamber", "Reception", "Office Floor 1", "Office Floor 2", "Committee Room", "Basement")),
    ("Library", ("Lending Library", "Children's Library", "Study Room", "Staff Room")),
    ("Leisure Centre", ("Sports Hall", "Gym", "Changing Rooms", "Pool Hall", "Reception")),
    ("Community Centre", ("Main Hall", "Kitchen", "Meeting Room")),
    ("Depot", ("Workshop", "Office", "Mess Room")),
    ("Children's Centre", ("Nursery Room", "Family Room", "Office")),
    ("Customer Service Centre", ("Front Desk", "Interview Rooms", "Back Office")),
)
