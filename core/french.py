"""French grammar of names in printed sentences: « de la Métropole », « du Département ».

Dates and years have their own home, ``core.dates``.
"""

import re

#: Letters before which « de » elides to « d' »: vowels, accented vowels and the (mute) « h ».
_ELIDING = set("aeiouyhàâäéèêëîïôöùûüÿœæ")


def elides(word: str) -> bool:
    """Return True when an article or « de » before ``word`` elides (« l'Administratrice », « d'Harmonie »)."""
    return word[:1].lower() in _ELIDING


def with_preposition(preposition: str, name: str) -> str:
    """Return a name after « de » or « à » the French way, the one rule for every « de {name} ».

    « de la Métropole », « du Département » (de + le), « des Amis du Vieux Port » (de + les),
    « au Cercle » (à + le), « aux Amis » (à + les), « d'Échanges », « d'Harmonie » (de before a vowel or h).
    """
    name = name.strip()
    contracted = {("de", "le "): "du ", ("de", "les "): "des ", ("à", "le "): "au ", ("à", "les "): "aux "}
    for article in ("le ", "les "):
        if name.lower().startswith(article):
            return contracted[(preposition, article)] + name[len(article):]
    if preposition == "de" and elides(name):
        return f"d'{name}"
    return f"{preposition} {name}"


def count_of(count: int, singular: str, plural: str | None = None) -> str:
    """Return « 0 convention », « 1 convention », « 2 conventions »: in French, 0 and 1 take the singular."""
    return f"{count} {singular if abs(count) < 2 else (plural or singular + 's')}"


#: Latin phrases printed in italics (French typography: a Latin phrase not adopted into French
#: is set in italics; « au prorata », « via », « etc. » are French words and stay upright).
LATIN_PHRASES = (
    "intuitu personae", "prorata temporis", "a priori", "a posteriori", "a contrario", "a fortiori",
    "a minima", "ad hoc", "de facto", "de jure", "in fine", "in extenso", "stricto sensu", "lato sensu",
    "sine die", "sui generis", "mutatis mutandis", "ex ante", "ex post", "infra", "supra",
)
_LATIN = re.compile(r"(?<![\w-])(" + "|".join(re.escape(p).replace(r"\ ", " ") for p in LATIN_PHRASES) + r")(?![\w-])",
                    re.IGNORECASE)


def italicize_latin(html: str) -> str:
    """Return escaped text (or markup without these words in its tags) with each Latin phrase in ``<em>``.

    Called on text already escaped: the phrases hold no character that needs escaping.
    """
    return _LATIN.sub(r'<em class="latin">\1</em>', html)
