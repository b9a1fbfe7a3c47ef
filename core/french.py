"""French grammar of names in printed sentences: « de la Métropole », « du Département ».

Dates and years have their own home, ``core.dates``.
"""


def with_preposition(preposition: str, name: str) -> str:
    """Return « de la Métropole », « du Département », « à la Métropole », « au Département »."""
    contracted = {("de", "le "): "du ", ("de", "les "): "des ", ("à", "le "): "au ", ("à", "les "): "aux "}
    for article in ("le ", "les "):
        if name.lower().startswith(article):
            return contracted[(preposition, article)] + name[len(article):]
    return f"{preposition} {name}"
