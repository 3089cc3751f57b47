/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "cf-zrtp-sas"

#include "cf-zrtp-sas.h"

/* z-base-32, RFC 6189 §5.1.6 */
static const char b32_alphabet[] = "ybndrfg8ejkmcpqxot1uwisza345h769";

/* PGP word list (Juola and Zimmermann), as RFC 6189 §5.1.6 uses it for B256:
 * [byte][0] is the two-syllable "even" word, [byte][1] the three-syllable "odd" word. */
static const char *const pgp_words[256][2] = {
	{"aardvark", "adroitness"},   /* 0x00 */
	{"absurd", "adviser"},	      /* 0x01 */
	{"accrue", "aftermath"},      /* 0x02 */
	{"acme", "aggregate"},	      /* 0x03 */
	{"adrift", "alkali"},	      /* 0x04 */
	{"adult", "almighty"},	      /* 0x05 */
	{"afflict", "amulet"},	      /* 0x06 */
	{"ahead", "amusement"},	      /* 0x07 */
	{"aimless", "antenna"},	      /* 0x08 */
	{"Algol", "applicant"},	      /* 0x09 */
	{"allow", "Apollo"},	      /* 0x0A */
	{"alone", "armistice"},	      /* 0x0B */
	{"ammo", "article"},	      /* 0x0C */
	{"ancient", "asteroid"},      /* 0x0D */
	{"apple", "Atlantic"},	      /* 0x0E */
	{"artist", "atmosphere"},     /* 0x0F */
	{"assume", "autopsy"},	      /* 0x10 */
	{"Athens", "Babylon"},	      /* 0x11 */
	{"atlas", "backwater"},	      /* 0x12 */
	{"Aztec", "barbecue"},	      /* 0x13 */
	{"baboon", "belowground"},    /* 0x14 */
	{"backfield", "bifocals"},    /* 0x15 */
	{"backward", "bodyguard"},    /* 0x16 */
	{"banjo", "bookseller"},      /* 0x17 */
	{"beaming", "borderline"},    /* 0x18 */
	{"bedlamp", "bottomless"},    /* 0x19 */
	{"beehive", "Bradbury"},      /* 0x1A */
	{"beeswax", "bravado"},	      /* 0x1B */
	{"befriend", "Brazilian"},    /* 0x1C */
	{"Belfast", "breakaway"},     /* 0x1D */
	{"berserk", "Burlington"},    /* 0x1E */
	{"billiard", "businessman"},  /* 0x1F */
	{"bison", "butterfat"},	      /* 0x20 */
	{"blackjack", "Camelot"},     /* 0x21 */
	{"blockade", "candidate"},    /* 0x22 */
	{"blowtorch", "cannonball"},  /* 0x23 */
	{"bluebird", "Capricorn"},    /* 0x24 */
	{"bombast", "caravan"},	      /* 0x25 */
	{"bookshelf", "caretaker"},   /* 0x26 */
	{"brackish", "celebrate"},    /* 0x27 */
	{"breadline", "cellulose"},   /* 0x28 */
	{"breakup", "certify"},	      /* 0x29 */
	{"brickyard", "chambermaid"}, /* 0x2A */
	{"briefcase", "Cherokee"},    /* 0x2B */
	{"Burbank", "Chicago"},	      /* 0x2C */
	{"button", "clergyman"},      /* 0x2D */
	{"buzzard", "coherence"},     /* 0x2E */
	{"cement", "combustion"},     /* 0x2F */
	{"chairlift", "commando"},    /* 0x30 */
	{"chatter", "company"},	      /* 0x31 */
	{"checkup", "component"},     /* 0x32 */
	{"chisel", "concurrent"},     /* 0x33 */
	{"choking", "confidence"},    /* 0x34 */
	{"chopper", "conformist"},    /* 0x35 */
	{"Christmas", "congregate"},  /* 0x36 */
	{"clamshell", "consensus"},   /* 0x37 */
	{"classic", "consulting"},    /* 0x38 */
	{"classroom", "corporate"},   /* 0x39 */
	{"cleanup", "corrosion"},     /* 0x3A */
	{"clockwork", "councilman"},  /* 0x3B */
	{"cobra", "crossover"},	      /* 0x3C */
	{"commence", "crucifix"},     /* 0x3D */
	{"concert", "cumbersome"},    /* 0x3E */
	{"cowbell", "customer"},      /* 0x3F */
	{"crackdown", "Dakota"},      /* 0x40 */
	{"cranky", "decadence"},      /* 0x41 */
	{"crowfoot", "December"},     /* 0x42 */
	{"crucial", "decimal"},	      /* 0x43 */
	{"crumpled", "designing"},    /* 0x44 */
	{"crusade", "detector"},      /* 0x45 */
	{"cubic", "detergent"},	      /* 0x46 */
	{"dashboard", "determine"},   /* 0x47 */
	{"deadbolt", "dictator"},     /* 0x48 */
	{"deckhand", "dinosaur"},     /* 0x49 */
	{"dogsled", "direction"},     /* 0x4A */
	{"dragnet", "disable"},	      /* 0x4B */
	{"drainage", "disbelief"},    /* 0x4C */
	{"dreadful", "disruptive"},   /* 0x4D */
	{"drifter", "distortion"},    /* 0x4E */
	{"dropper", "document"},      /* 0x4F */
	{"drumbeat", "embezzle"},     /* 0x50 */
	{"drunken", "enchanting"},    /* 0x51 */
	{"Dupont", "enrollment"},     /* 0x52 */
	{"dwelling", "enterprise"},   /* 0x53 */
	{"eating", "equation"},	      /* 0x54 */
	{"edict", "equipment"},	      /* 0x55 */
	{"egghead", "escapade"},      /* 0x56 */
	{"eightball", "Eskimo"},      /* 0x57 */
	{"endorse", "everyday"},      /* 0x58 */
	{"endow", "examine"},	      /* 0x59 */
	{"enlist", "existence"},      /* 0x5A */
	{"erase", "exodus"},	      /* 0x5B */
	{"escape", "fascinate"},      /* 0x5C */
	{"exceed", "filament"},	      /* 0x5D */
	{"eyeglass", "finicky"},      /* 0x5E */
	{"eyetooth", "forever"},      /* 0x5F */
	{"facial", "fortitude"},      /* 0x60 */
	{"fallout", "frequency"},     /* 0x61 */
	{"flagpole", "gadgetry"},     /* 0x62 */
	{"flatfoot", "Galveston"},    /* 0x63 */
	{"flytrap", "getaway"},	      /* 0x64 */
	{"fracture", "glossary"},     /* 0x65 */
	{"framework", "gossamer"},    /* 0x66 */
	{"freedom", "graduate"},      /* 0x67 */
	{"frighten", "gravity"},      /* 0x68 */
	{"gazelle", "guitarist"},     /* 0x69 */
	{"Geiger", "hamburger"},      /* 0x6A */
	{"glitter", "Hamilton"},      /* 0x6B */
	{"glucose", "handiwork"},     /* 0x6C */
	{"goggles", "hazardous"},     /* 0x6D */
	{"goldfish", "headwaters"},   /* 0x6E */
	{"gremlin", "hemisphere"},    /* 0x6F */
	{"guidance", "hesitate"},     /* 0x70 */
	{"hamlet", "hideaway"},	      /* 0x71 */
	{"highchair", "holiness"},    /* 0x72 */
	{"hockey", "hurricane"},      /* 0x73 */
	{"indoors", "hydraulic"},     /* 0x74 */
	{"indulge", "impartial"},     /* 0x75 */
	{"inverse", "impetus"},	      /* 0x76 */
	{"involve", "inception"},     /* 0x77 */
	{"island", "indigo"},	      /* 0x78 */
	{"jawbone", "inertia"},	      /* 0x79 */
	{"keyboard", "infancy"},      /* 0x7A */
	{"kickoff", "inferno"},	      /* 0x7B */
	{"kiwi", "informant"},	      /* 0x7C */
	{"klaxon", "insincere"},      /* 0x7D */
	{"locale", "insurgent"},      /* 0x7E */
	{"lockup", "integrate"},      /* 0x7F */
	{"merit", "intention"},	      /* 0x80 */
	{"minnow", "inventive"},      /* 0x81 */
	{"miser", "Istanbul"},	      /* 0x82 */
	{"Mohawk", "Jamaica"},	      /* 0x83 */
	{"mural", "Jupiter"},	      /* 0x84 */
	{"music", "leprosy"},	      /* 0x85 */
	{"necklace", "letterhead"},   /* 0x86 */
	{"Neptune", "liberty"},	      /* 0x87 */
	{"newborn", "maritime"},      /* 0x88 */
	{"nightbird", "matchmaker"},  /* 0x89 */
	{"Oakland", "maverick"},      /* 0x8A */
	{"obtuse", "Medusa"},	      /* 0x8B */
	{"offload", "megaton"},	      /* 0x8C */
	{"optic", "microscope"},      /* 0x8D */
	{"orca", "microwave"},	      /* 0x8E */
	{"payday", "midsummer"},      /* 0x8F */
	{"peachy", "millionaire"},    /* 0x90 */
	{"pheasant", "miracle"},      /* 0x91 */
	{"physique", "misnomer"},     /* 0x92 */
	{"playhouse", "molasses"},    /* 0x93 */
	{"Pluto", "molecule"},	      /* 0x94 */
	{"preclude", "Montana"},      /* 0x95 */
	{"prefer", "monument"},	      /* 0x96 */
	{"preshrunk", "mosquito"},    /* 0x97 */
	{"printer", "narrative"},     /* 0x98 */
	{"prowler", "nebula"},	      /* 0x99 */
	{"pupil", "newsletter"},      /* 0x9A */
	{"puppy", "Norwegian"},	      /* 0x9B */
	{"python", "October"},	      /* 0x9C */
	{"quadrant", "Ohio"},	      /* 0x9D */
	{"quiver", "onlooker"},	      /* 0x9E */
	{"quota", "opulent"},	      /* 0x9F */
	{"ragtime", "Orlando"},	      /* 0xA0 */
	{"ratchet", "outfielder"},    /* 0xA1 */
	{"rebirth", "Pacific"},	      /* 0xA2 */
	{"reform", "pandemic"},	      /* 0xA3 */
	{"regain", "Pandora"},	      /* 0xA4 */
	{"reindeer", "paperweight"},  /* 0xA5 */
	{"rematch", "paragon"},	      /* 0xA6 */
	{"repay", "paragraph"},	      /* 0xA7 */
	{"retouch", "paramount"},     /* 0xA8 */
	{"revenge", "passenger"},     /* 0xA9 */
	{"reward", "pedigree"},	      /* 0xAA */
	{"rhythm", "Pegasus"},	      /* 0xAB */
	{"ribcage", "penetrate"},     /* 0xAC */
	{"ringbolt", "perceptive"},   /* 0xAD */
	{"robust", "performance"},    /* 0xAE */
	{"rocker", "pharmacy"},	      /* 0xAF */
	{"ruffled", "phonetic"},      /* 0xB0 */
	{"sailboat", "photograph"},   /* 0xB1 */
	{"sawdust", "pioneer"},	      /* 0xB2 */
	{"scallion", "pocketful"},    /* 0xB3 */
	{"scenic", "politeness"},     /* 0xB4 */
	{"scorecard", "positive"},    /* 0xB5 */
	{"Scotland", "potato"},	      /* 0xB6 */
	{"seabird", "processor"},     /* 0xB7 */
	{"select", "provincial"},     /* 0xB8 */
	{"sentence", "proximate"},    /* 0xB9 */
	{"shadow", "puberty"},	      /* 0xBA */
	{"shamrock", "publisher"},    /* 0xBB */
	{"showgirl", "pyramid"},      /* 0xBC */
	{"skullcap", "quantity"},     /* 0xBD */
	{"skydive", "racketeer"},     /* 0xBE */
	{"slingshot", "rebellion"},   /* 0xBF */
	{"slowdown", "recipe"},	      /* 0xC0 */
	{"snapline", "recover"},      /* 0xC1 */
	{"snapshot", "repellent"},    /* 0xC2 */
	{"snowcap", "replica"},	      /* 0xC3 */
	{"snowslide", "reproduce"},   /* 0xC4 */
	{"solo", "resistor"},	      /* 0xC5 */
	{"southward", "responsive"},  /* 0xC6 */
	{"soybean", "retraction"},    /* 0xC7 */
	{"spaniel", "retrieval"},     /* 0xC8 */
	{"spearhead", "retrospect"},  /* 0xC9 */
	{"spellbind", "revenue"},     /* 0xCA */
	{"spheroid", "revival"},      /* 0xCB */
	{"spigot", "revolver"},	      /* 0xCC */
	{"spindle", "sandalwood"},    /* 0xCD */
	{"spyglass", "sardonic"},     /* 0xCE */
	{"stagehand", "Saturday"},    /* 0xCF */
	{"stagnate", "savagery"},     /* 0xD0 */
	{"stairway", "scavenger"},    /* 0xD1 */
	{"standard", "sensation"},    /* 0xD2 */
	{"stapler", "sociable"},      /* 0xD3 */
	{"steamship", "souvenir"},    /* 0xD4 */
	{"sterling", "specialist"},   /* 0xD5 */
	{"stockman", "speculate"},    /* 0xD6 */
	{"stopwatch", "stethoscope"}, /* 0xD7 */
	{"stormy", "stupendous"},     /* 0xD8 */
	{"sugar", "supportive"},      /* 0xD9 */
	{"surmount", "surrender"},    /* 0xDA */
	{"suspense", "suspicious"},   /* 0xDB */
	{"sweatband", "sympathy"},    /* 0xDC */
	{"swelter", "tambourine"},    /* 0xDD */
	{"tactics", "telephone"},     /* 0xDE */
	{"talon", "therapist"},	      /* 0xDF */
	{"tapeworm", "tobacco"},      /* 0xE0 */
	{"tempest", "tolerance"},     /* 0xE1 */
	{"tiger", "tomorrow"},	      /* 0xE2 */
	{"tissue", "torpedo"},	      /* 0xE3 */
	{"tonic", "tradition"},	      /* 0xE4 */
	{"topmost", "travesty"},      /* 0xE5 */
	{"tracker", "trombonist"},    /* 0xE6 */
	{"transit", "truncated"},     /* 0xE7 */
	{"trauma", "typewriter"},     /* 0xE8 */
	{"treadmill", "ultimate"},    /* 0xE9 */
	{"Trojan", "undaunted"},      /* 0xEA */
	{"trouble", "underfoot"},     /* 0xEB */
	{"tumor", "unicorn"},	      /* 0xEC */
	{"tunnel", "unify"},	      /* 0xED */
	{"tycoon", "universe"},	      /* 0xEE */
	{"uncut", "unravel"},	      /* 0xEF */
	{"unearth", "upcoming"},      /* 0xF0 */
	{"unwind", "vacancy"},	      /* 0xF1 */
	{"uproot", "vagabond"},	      /* 0xF2 */
	{"upset", "vertigo"},	      /* 0xF3 */
	{"upshot", "Virginia"},	      /* 0xF4 */
	{"vapor", "visitor"},	      /* 0xF5 */
	{"village", "vocalist"},      /* 0xF6 */
	{"virus", "voyager"},	      /* 0xF7 */
	{"Vulcan", "warranty"},	      /* 0xF8 */
	{"waffle", "Waterloo"},	      /* 0xF9 */
	{"wallet", "whimsical"},      /* 0xFA */
	{"watchword", "Wichita"},     /* 0xFB */
	{"wayside", "Wilmington"},    /* 0xFC */
	{"willow", "Wyoming"},	      /* 0xFD */
	{"woodlark", "yesteryear"},   /* 0xFE */
	{"Zulu", "Yucatan"},	      /* 0xFF */
};

char *
cf_zrtp_sas_b32 (guint32 sasvalue)
{
	char *out = g_malloc (CF_ZRTP_SAS_B32_LEN + 1);

	for (guint i = 0; i < CF_ZRTP_SAS_B32_LEN; i++)
		out[i] = b32_alphabet[(sasvalue >> (27 - 5 * i)) & 0x1f];
	out[CF_ZRTP_SAS_B32_LEN] = '\0';
	return out;
}

const char *
cf_zrtp_pgp_word (guint8 byte, gboolean odd)
{
	return pgp_words[byte][odd ? 1 : 0];
}

char *
cf_zrtp_sas_b256 (guint32 sasvalue)
{
	return g_strdup_printf ("%s %s",
				cf_zrtp_pgp_word ((guint8)(sasvalue >> 24), FALSE),
				cf_zrtp_pgp_word ((guint8)(sasvalue >> 16), TRUE));
}

char *
cf_zrtp_security_code (const guint8 sashash[32])
{
	guint64 group[4];

	g_return_val_if_fail (sashash != NULL, NULL);

	for (guint i = 0; i < G_N_ELEMENTS (group); i++) {
		guint64 v = 0;

		for (guint j = 0; j < 5; j++)
			v = (v << 8) | sashash[5 * i + j];
		group[i] = v % 100000;
	}
	return g_strdup_printf ("%05" G_GUINT64_FORMAT " %05" G_GUINT64_FORMAT
				" %05" G_GUINT64_FORMAT " %05" G_GUINT64_FORMAT,
				group[0],
				group[1],
				group[2],
				group[3]);
}
