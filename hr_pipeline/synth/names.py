"""Danish, Norwegian and German names, places, e-mail domains and phone numbers.

They carry æ ø å ä ö ü ß on purpose: extracts must survive them in UTF-8. Names never equal a
place, skill or course, so a name found anywhere in the warehouse is a leak, not a coincidence.
"""

from __future__ import annotations

COUNTRIES = ("dk", "no", "de")

# Per country: (female, male) given names; the last entries of each are shared by the others.
FIRST_NAMES_BY_COUNTRY = {
    "dk": (("Mette", "Kirsten", "Freja", "Astrid", "Sofie", "Ida", "Maja", "Birgitte", "Lærke", "Signe"),
           ("Søren", "Jørgen", "Frederik", "Mads", "Rasmus", "Anders", "Mikkel", "Jens", "Bjørn", "Kasper")),
    "no": (("Åse", "Sigrid", "Ingrid", "Solveig", "Ragnhild", "Kari", "Marit", "Tove", "Sunniva", "Gro"),
           ("Øystein", "Håkon", "Ærling", "Nils", "Eirik", "Ståle", "Geir", "Trond", "Sindre", "Pål")),
    "de": (("Käthe", "Sabine", "Anneliese", "Lena", "Jülide", "Mareike", "Jana", "Dörte", "Ursula", "Katrin"),
           ("Jürgen", "Jörg", "Günther", "Uwe", "Lukas", "Maximilian", "Matthias", "Björn", "Tobias", "Rüdiger")),
}
LAST_NAMES_BY_COUNTRY = {
    "dk": ("Jørgensen", "Sørensen", "Hansen", "Nielsen", "Bækgaard", "Østergaard", "Kjærsgaard", "Mølgaard",
           "Thygesen", "Brøndum", "Lauritsen", "Skovgård"),
    "no": ("Håland", "Strøm", "Aasen", "Bråten", "Sæther", "Løvås", "Bjørnstad", "Haugen", "Nygård",
           "Ødegård", "Kvåle", "Fjeldstad"),
    "de": ("Müller", "Schröder", "Weiß", "Groß", "Köhler", "Schäfer", "Jäger", "Böhm", "Krüger", "Fuß",
           "Meißner", "Hölzl"),
}
# Where people live (candidates' `city`) and where the firm has offices (`location`).
CITIES_BY_COUNTRY = {
    "dk": ("København", "Aarhus", "Odense", "Aalborg", "Grenå", "Næstved", "Køge", "Helsingør"),
    "no": ("Oslo", "Bergen", "Tromsø", "Trondheim", "Bærum", "Bodø", "Lillestrøm", "Ålesund"),
    "de": ("München", "Köln", "Düsseldorf", "Göttingen", "Lübeck", "Würzburg", "Nürnberg", "Gräfelfing"),
}
OFFICES = ("København", "Aarhus", "Oslo", "Tromsø", "München", "Köln")
OFFICE_SHARE = (0.30, 0.12, 0.18, 0.05, 0.22, 0.13)
EMAIL_DOMAINS = ("example.dk", "example.no", "example.de")
PRIVATE_EMAIL_DOMAINS = ("example.com", "example.net", "example.org")  # the `unmatched_hire` defect's addresses
# How each country writes a mobile number; each # is a digit.
PHONE_FORMATS = {"dk": "+45 ## ## ## ##", "no": "+47 ### ## ###", "de": "+49 15# #### ####"}

# Flat tuples, indexed by the simulation: names of a country and gender lie in one contiguous slice.
FIRST_NAMES = tuple(n for c in COUNTRIES for g in FIRST_NAMES_BY_COUNTRY[c] for n in g)
LAST_NAMES = tuple(n for c in COUNTRIES for n in LAST_NAMES_BY_COUNTRY[c])
CITIES = tuple(n for c in COUNTRIES for n in CITIES_BY_COUNTRY[c])
FIRST_PER_GENDER = len(FIRST_NAMES_BY_COUNTRY["dk"][0])
LAST_PER_COUNTRY = len(LAST_NAMES_BY_COUNTRY["dk"])
CITIES_PER_COUNTRY = len(CITIES_BY_COUNTRY["dk"])
OFFICE_COUNTRY = tuple(next(i for i, c in enumerate(COUNTRIES) if o in CITIES_BY_COUNTRY[c]) for o in OFFICES)

_FOLD = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def ascii_fold(text: str) -> str:
    """How a mail system spells a name in an address."""
    return text.lower().translate(_FOLD)
