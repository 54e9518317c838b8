"""Word lists for implied identifiers (engine.quasi's clause pass): what a phrase about a
person must mention to single them out. Plain data; every entry lower case."""

from __future__ import annotations

import re


def _words(text: str) -> frozenset[str]:
    return frozenset(w.strip().lower() for w in text.split(";") if w.strip())


RELATIVES = _words("""
son;sons;daughter;daughters;child;children;kid;kids;boy;boys;girl;girls;baby;babies;toddler;
teenager;twin;twins;brother;brothers;sister;sisters;wife;husband;partner;fiancé;fiance;fiancée;
fiancee;mother;mum;mom;mam;ma;mummy;father;dad;daddy;pa;parents;stepson;stepdaughter;
stepfather;stepmother;stepdad;stepmum;grandson;granddaughter;grandchild;grandchildren;
grandkids;grandmother;grandma;gran;granny;nan;nana;nanna;grandfather;grandad;granddad;grandpa;
niece;nephew;aunt;auntie;uncle;cousin;mother-in-law;father-in-law;son-in-law;
daughter-in-law;sister-in-law;brother-in-law;in-laws;youngest;eldest;oldest;middle one;
little one;carer;widow;widower;ex-wife;ex-husband;ex;boyfriend;girlfriend;flatmate;lodger
""")

CONDITIONS = _words("""
dementia;alzheimer's;alzheimers;parkinson's;parkinsons;arthritis;rheumatoid arthritis;
osteoarthritis;osteoporosis;dyslexia;dyspraxia;dyscalculia;autism;autistic;asperger's;adhd;
add;ocd;ptsd;bipolar;schizophrenia;psychosis;depression;anxiety;agoraphobia;anorexia;bulimia;
epilepsy;epileptic;seizures;diabetes;diabetic;type 1;type 2;asthma;copd;emphysema;
cystic fibrosis;multiple sclerosis;ms;motor neurone disease;mnd;als;huntington's;crohn's;
colitis;ibs;coeliac;celiac;lupus;fibromyalgia;me;chronic fatigue;long covid;cancer;leukaemia;
leukemia;lymphoma;melanoma;tumour;tumor;chemo;chemotherapy;radiotherapy;dialysis;transplant;
stroke;heart attack;heart surgery;bypass;pacemaker;angina;heart condition;heart failure;
kidney failure;hiv;aids;hepatitis;cerebral palsy;spina bifida;muscular dystrophy;
down syndrome;down's syndrome;deaf;deafness;hard of hearing;blind;blindness;partially sighted;
visually impaired;sight loss;macular degeneration;glaucoma;cataracts;paralysed;paralyzed;
paraplegic;quadriplegic;tetraplegic;amputee;amputated;amputation;wheelchair user;
in a wheelchair;disabled;disability;learning disability;brain injury;head injury;concussion;
miscarriage;pregnant;pregnancy;ivf;infertility;menopause;endometriosis;sickle cell;
haemophilia;hemophilia;narcolepsy;tourette's;tinnitus;vertigo;migraines;sciatica;slipped disc;
hip replacement;knee replacement;surgery;operation;terminally ill;terminal;housebound;
bedbound;bed-bound;mental health;breakdown;sectioned;rehab;addiction;alcoholism;recovering
alcoholic;eating disorder;self-harm;stammer;stutter;speech impediment;mute;nonverbal;
non-verbal;allergy;anaphylaxis;nut allergy;coeliac disease;hearing loss;deaf-blind;dyslexic;
dyspraxic;asthmatic;anaemic;anemic;arthritic;schizophrenic;immunocompromised;
immunosuppressed;clinically vulnerable;shielding
""")
CONDITION_SUFFIXES = ("itis", "osis", "aemia", "emia", "oma", "pathy", "plegia", "plegic",
                      "syndrome", "disease", "disorder", "cancer", "injury", "ectomy")

DEVICES = _words("""
hearing aid;hearing aids;cochlear implant;insulin pump;glucose monitor;cpap;cpap machine;
oxygen;oxygen concentrator;nebuliser;nebulizer;pacemaker;stoma;catheter;white cane;cane;
walking stick;walking frame;zimmer frame;crutches;wheelchair;power chair;powerchair;
mobility scooter;stairlift;stair lift;hoist;care alarm;pendant alarm;personal alarm;
alarm pendant;care alarm pendant;braille display;refreshable braille display;screen reader;
eye-gaze device;eye gaze device;communication aid;speech device;prosthetic;prosthesis;
artificial leg;guide dog;assistance dog;hearing dog;perching stool;commode;rollator;
shower chair;bath lift;grab rails;walker;tablet;phone;mobile;laptop;ipad;iphone;
kindle;nokia;blackberry;galaxy;pixel;watch;smartwatch;fitbit;console;playstation;xbox;
switch;camera;drone;e-bike;ebike;scooter;bike;bicycle;tandem;trike
""")
DEVICE_BRANDS = _words("""
apple;samsung;google;sony;huawei;motorola;oneplus;xiaomi;amazon;microsoft;lenovo;dell;hp;
asus;acer;nokia;oppo;honor;garmin;fitbit
""")
ASSISTIVE = _words("""
hearing aid;hearing aids;cochlear implant;insulin pump;glucose monitor;cpap;cpap machine;
oxygen concentrator;nebuliser;nebulizer;pacemaker;stoma;catheter;white cane;walking frame;
zimmer frame;crutches;wheelchair;power chair;powerchair;mobility scooter;stairlift;stair lift;
hoist;care alarm;pendant alarm;personal alarm;alarm pendant;care alarm pendant;braille display;
refreshable braille display;eye-gaze device;eye gaze device;communication aid;speech device;
prosthetic;prosthesis;artificial leg;guide dog;assistance dog;hearing dog;perching stool;commode;
rollator;shower chair;bath lift;grab rails;walker
""")

VEHICLES = _words("""
car;van;transit;motorhome;campervan;camper van;camper;caravan;tractor;lorry;truck;pickup;
pick-up;motorbike;motorcycle;moped;scooter;boat;narrowboat;canal boat;yacht;jet ski;
horsebox;minibus;taxi;cab;hearse;trailer;quad bike;land rover;range rover;estate;hatchback;
saloon;convertible;limo;limousine;bus
""")
VEHICLE_MAKES = _words("""
toyota;ford;honda;volkswagen;vw;bmw;audi;mercedes;nissan;vauxhall;opel;peugeot;renault;kia;
hyundai;tesla;volvo;skoda;fiat;mazda;subaru;jeep;land rover;range rover;mini;citroen;
chevrolet;chevy;dodge;lexus;porsche;jaguar;suzuki;mitsubishi;seat;cupra;dacia;alfa romeo;
saab;mg;smart;ferrari;lamborghini;bentley;rolls-royce;aston martin;maserati;harley;yamaha;
ducati;triumph;kawasaki;vespa;polestar;byd;massey ferguson;john deere;morris;austin;rover;
reliant;lada;trabant;swift;bailey;hymer;auto-trail;piaggio;royal enfield;lotus;daimler;
ssangyong;isuzu;iveco;scania;man;daf
""")
COLOURS = _words("""
red;blue;black;white;silver;grey;gray;green;yellow;orange;purple;gold;maroon;beige;brown;
bronze;burgundy;navy;pink;turquoise;cream;champagne;lime;teal
""")

JOBS = _words("""
nurse;midwife;doctor;gp;surgeon;consultant;paramedic;pharmacist;dentist;vet;optician;
physio;physiotherapist;therapist;counsellor;psychologist;psychiatrist;carer;care worker;
social worker;teacher;head teacher;headteacher;headmaster;headmistress;lecturer;professor;
tutor;teaching assistant;librarian;caretaker;janitor;cleaner;firefighter;police officer;
policeman;policewoman;pc;detective;sergeant;inspector;constable;prison officer;soldier;
sailor;marine;pilot;flight attendant;cabin crew;driver;bus driver;train driver;taxi driver;
lorry driver;delivery driver;postman;postwoman;postie;courier;solicitor;barrister;lawyer;
paralegal;judge;magistrate;clerk;accountant;auditor;engineer;architect;surveyor;electrician;
plumber;builder;joiner;carpenter;roofer;plasterer;decorator;mechanic;locksmith;blacksmith;
gardener;groundskeeper;head groundskeeper;gamekeeper;farmer;shepherd;fisherman;chef;cook;
baker;butcher;fishmonger;waiter;waitress;barista;bartender;barman;barmaid;landlord;landlady;
publican;manager;director;ceo;founder;owner;chairman;secretary;receptionist;administrator;
cashier;shop assistant;analyst;developer;programmer;designer;editor;journalist;reporter;
photographer;presenter;actor;actress;singer;musician;organist;choirmaster;footballer;coach;
referee;vicar;priest;pastor;minister;rabbi;imam;chaplain;curate;verger;mayor;councillor;
mp;senator;governor;ambassador;diplomat;scientist;researcher;student;apprentice;intern;
volunteer;warden;ranger;lifeguard;lollipop lady;lollipop man;dinner lady;childminder;nanny;
au pair;hairdresser;barber;beautician;tattooist;undertaker;funeral director;estate agent;
optometrist;radiographer;sonographer;porter;security guard;bouncer;dj;translator;interpreter;
official;civil servant;officer;commander;captain;lieutenant;general;colonel;major;governor;
prosecutor;notary;bailiff;registrar;postmaster;postmistress;sub-postmaster;shopkeeper;
veteran;activist;campaigner;rep;shop steward
""")
JOB_SUFFIXES = ("smith", "keeper", "master", "mistress", "monger", "ologist", "ician", "wright",
                "teacher", "worker", "officer", "driver", "maker", "farmer", "grapher")

EVENT_WORDS = re.compile(
    r"(?i)\b(?:died|killed|injured|hurt|burgled|burglary|robbed|mugged|stabbed|attacked|"
    r"assaulted|kidnapped|abducted|shot|found\s+the\s+body|gave\s+evidence|testified|"
    r"witness(?:ed)?|gave\s+birth|sinkhole|swallowed|collapsed|flooded|flood|fire|burned|"
    r"burnt|explosion|crash|derail\w*|accident|featured|interviewed|came\s+over\s+from|"
    r"emigrated|immigrated|fled|refugee|asylum|deported|adopted|brought\s+him\s+home|"
    r"brought\s+her\s+home|won|lottery|jackpot|triplets|quadruplets|survived|rescued|"
    r"struck\s+by|hit\s+by|evacuated|lost\s+(?:my|our|his|her)\s+(?:home|house|leg|arm|sight|"
    r"job|business)|went\s+viral|on\s+(?:the\s+)?(?:news|telly|tv|radio)|in\s+the\s+papers?|"
    r"magazine|scandal|tribunal|inquest|funeral|widowed|divorced|eloped|centenary|100th)\b"
)
HISTORY_WORDS = re.compile(
    r"(?i)\b(?:bail|ccj|county\s+court\s+judgm?ent|debt\s+collectors?|bailiffs?|detention|"
    r"detained|remand|remanded|custody|convicted|conviction|sentenced|sentence|prison|jail|"
    r"gaol|probation|parole|tagged|tag|arrested|charged|cautioned|acquitted|pleaded|pled|"
    r"evicted|eviction|repossessed|bankrupt|bankruptcy|iva|insolvency|redundant|sacked|"
    r"dismissed|suspended|struck\s+off|disciplinary|grievance|tribunal|complaints?|"
    r"ombudsman|claims?|appeal(?:ed)?|unsubscribed|cancelled|chased|called|rang|phoned|"
    r"emailed|written|wrote|complained|spoke\s+to|been\s+(?:a\s+)?customer|customer\s+since|"
    r"member\s+since|since\s+(?:19|20)\d\d|times)\b"
)

# The grammar pass (engine.quasi_grammar): nouns that make a place phrase particular, military
# ranks and units, businesses a person runs, origin, and what can befall a person's property.
FACILITIES = _words("""
clinic;hospital;surgery;practice;school;academy;college;university;uni;nursery;station;depot;
branch;office;store;shop;factory;plant;warehouse;mine;farm;church;mosque;synagogue;temple;
prison;court;council;hotel;restaurant;pub;bar;gym;centre;center;library;museum;ward;unit;
lab;laboratory;firm;agency;airport;port;base;embassy;municipality;ministry;directorate;
department;newspaper;magazine;bakery;market;village;parish;hospice;care home;garage;mill;
brigade;regiment;division;army;navy;police;gendarmerie;bar association;bank;surgery;yard
""")
RANKS = _words("""
private;corporal;lance corporal;sergeant;staff sergeant;lieutenant;second lieutenant;
first lieutenant;lieutenant colonel;captain;major;colonel;brigadier;general;commander;
admiral;conscript;soldier;contract soldier;serviceman;servicewoman;paratrooper;marine;gendarme;
sapper;gunner;cadet;commando;ensign;warrant officer;non-commissioned officer;reservist;
rifleman;guardsman;airman;seaman;sailor;border guard;military officer;army officer
""")
UNITS = _words("""
army;navy;air force;gendarmerie;police;military police;guard;forces;armed forces;brigade;
regiment;battalion;division;unit;corps;fleet;marines;command;company;platoon;squadron;base;
garrison;border guard;national guard;special forces;reserve;militia;barracks
""")
BUSINESSES = _words("""
business;shop;bakery;restaurant;cafe;café;pub;bar;farm;firm;company;garage;salon;hotel;
guesthouse;b&b;kiosk;stall;market stall;takeaway;pharmacy;surgery;practice;school;nursery;
workshop;factory;studio;gallery;bookshop;newsagent;post office;petrol station;car wash;
launderette;butcher's;florist;clinic;gym;club;charity;dairy;vineyard;orchard;fishing boat
""")
NOT_NATIONAL = _words("""
team;teams;park;parks;lottery;insurance;service;health;grid;curriculum;debt;minimum;average;
holiday;anthem;court;courts;law;authorities;security;guard;guidelines;rail;trust;gallery;
museum;library;bank;newspaper;press;television;broadcaster;championship;league;airline
""")
RELIGIONS = _words("""
Jehovah's Witness;Muslim;Catholic;Roman Catholic;Protestant;Orthodox Christian;Jew;Sikh;
Hindu;Buddhist;Alevi;Baptist;Evangelical;Mormon;Quaker;Pentecostal;Scientologist;
Rastafarian;Yazidi;Druze;Copt;Coptic Christian;Sunni;Shia;Shiite;Ahmadi;Bahá'í;Baha'i
""")
PROPERTY = _words("""
house;home;flat;apartment;land;farm;shop;premises;property;car;van;business;village;office;
livestock;cattle;sheep;crops;orchard;fields;field;barn;garden;restaurant;factory;studio;
boat;lorry;truck;motorbike;bike;caravan;plot;estate;cottage;hotel;newspaper;warehouse
""")
LOSS_VERBS = _words("""
destroyed;burned;burnt;burned down;burnt down;demolished;expropriated;confiscated;seized;
searched;raided;looted;flooded;stolen;damaged;bombed;shelled;razed;evacuated;broken into;
burgled;set on fire;set fire to;repossessed;requisitioned;nationalised;nationalized;occupied;
vandalised;vandalized;ransacked;torched;wrecked;bulldozed;written off
""")
ROLE_NOUNS = _words("""
member;chairman;chairwoman;chair;president;vice-president;leader;deputy;spokesman;
spokeswoman;spokesperson;representative;treasurer;headman;elder;commissioner;trustee
""")

# The register pass (engine.quasi_registers): how job words end (an agent noun: "supervisor",
# "adviser", "miner", "pharmacist") and the words with those endings that are not jobs; what a
# named institution ends with; dealings with an organisation that can be counted; sanctions;
# parts of the body; person nouns an origin adjective goes with ("a Hazara woman").
AGENT_ENDINGS = ("er", "or", "ist", "ician", "man", "ant", "dent", "wright", "smith")
NOT_AGENTS = _words("""
customer;user;member;subscriber;caller;holder;account holder;buyer;shopper;passenger;visitor;
winner;sufferer;survivor;supporter;follower;viewer;listener;reader;borrower;partner;mother;
father;brother;sister;daughter;grandmother;grandfather;stepfather;stepmother;other;another;
number;letter;order;matter;water;manner;winter;summer;corner;paper;computer;router;charger;
printer;folder;cover;error;door;floor;colour;color;behaviour;neighbour;favour;honour;labour;
harbour;mirror;monitor;motor;tractor;junior;senior;minor;sponsor;donor;debtor;creditor;
tenant;applicant;claimant;complainant;defendant;occupant;participant;migrant;immigrant;
entrant;inhabitant;descendant;pregnant;important;relevant;significant;constant;distant;
instant;restaurant;elephant;plant;grant;giant;want;resident;accident;incident;president of;
woman;human;german;roman;gentleman;foreigner;stranger;teenager;toddler;never;rather;either;
whether;together;however;after;under;over;ever;later;better;consumer;newcomer;outsider;elder;
river;dinner;chapter;quarter;border;disorder;speaker;heater;boiler;cooker;dryer;freezer;
washer;blender;sticker;counter;voucher;filter;meter;timer;list;wrist;twist;fist;exist;assist;
insist;resist;playlist;checklist;shortlist;waitlist;christian;guardian;civilian;vegetarian;
offender;prisoner;murderer;carrier;trainer;lodger;flatmate;fighter;answer;
power;tower;flower;shower;finger;hunger;danger;anger;fever;liver;cancer;tumour;tremor;
trailer;container;cylinder;calendar;register;trigger;ladder;leather;weather;feather;tender
""")
INSTITUTIONS = _words("""
primary;trust;ltd;limited;plc;group;services;society;association;foundation;partnership;
infirmary;colliery;steelworks;works;campus;authority;hospice;sixth form;call centre;
distribution centre;leisure centre;medical centre;health centre;job centre;jobcentre
""")
DEALINGS = _words("""
complaints;grievances;warnings;claims;appointments;calls;phone calls;letters;emails;visits;
reports;convictions;cautions;offences;arrests;sanctions;referrals;admissions;applications;
appeals;fines;absences;incidents;exclusions;suspensions;missed payments;messages;chasers;
requests;refunds;replacements;assessments;hospital admissions;sick days;tribunals;hearings;
evictions;court cases;claims for;chargebacks;disputes;fraud claims;grievance meetings;
falls;seizures;fits;operations;miscarriages;strokes;episodes;relapses;overdoses;
hospital stays;a&e visits
""")
SANCTIONS = _words("""
warning;written warning;final warning;caution;reprimand;sanction;fine;ban;penalty;suspension;
exclusion;notice to quit;eviction notice;section 21;section 8;improvement plan;
disciplinary;conviction;community order;restraining order;injunction;asbo;cbo;
fixed penalty
""")
BODY_PARTS = _words("""
arm;arms;leg;legs;wrist;wrists;ankle;ankles;hip;hips;knee;knees;shoulder;shoulders;back;neck;
spine;skull;jaw;nose;ribs;rib;collarbone;collar bone;pelvis;elbow;elbows;hand;hands;foot;feet;
finger;fingers;thumb;toe;toes;eye;eyes;teeth;tooth;cheekbone;eye socket;kneecap;shin;heel
""")
PERSON_NOUNS = _words("""
man;woman;men;women;boy;girl;boys;girls;family;families;couple;refugee;refugees;
asylum seeker;asylum seekers;widow;widower;convert;mother;father;teenager;youth;
student;students;worker;workers
""")
COURSES = _words("""
course;programme;program;degree;register;driving;work;duty;post;job;role;practice;premises;
profession;team;club;league;union;bar;site;placement;exams;studies;training;class
""")
# Event words common enough to need a person right before them (engine.quasi_clauses).
COMMON_EVENTS = frozenset({"fire", "flood", "crash", "accident", "explosion", "won", "featured",
                           "magazine", "funeral", "tribunal"})
