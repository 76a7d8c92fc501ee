"""Danish, Norwegian and German names and places, with their own letters, for realistic extracts."""

FIRST_NAMES = (
    "Søren", "Mette", "Jørgen", "Åse", "Bjørn", "Sigrid", "Frederik", "Ingrid", "Mads", "Kirsten",
    "Ærling", "Øystein", "Solveig", "Håkon", "Ragnhild", "Jürgen", "Jörg", "Björn", "Lena", "Günther",
    "Käthe", "Uwe", "Sabine", "Lukas", "Anneliese", "Mathias", "Freja", "Nils", "Astrid", "Maximilian",
)
LAST_NAMES = (
    "Jørgensen", "Sørensen", "Hansen", "Nielsen", "Bækgaard", "Læsø", "Østergaard", "Dahl", "Håland",
    "Strøm", "Aasen", "Bråten", "Müller", "Schröder", "Weiß", "Groß", "Köhler", "Schäfer", "Jäger",
    "Böhm", "Krüger", "Fuß", "Lindqvist", "Åberg", "Kjærsgaard",
)
LOCATIONS = ("København", "Aarhus", "Tromsø", "Bærum", "Oslo", "München", "Köln", "Düsseldorf", "Göttingen", "Ålborg")
EMAIL_DOMAINS = ("example.dk", "example.no", "example.de")

_FOLD = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def ascii_fold(text: str) -> str:
    """How a mail system would spell a name in an address."""
    return text.lower().translate(_FOLD)
