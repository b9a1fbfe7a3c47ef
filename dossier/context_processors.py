"""Template context of every page's footer: the accessibility status RGAA asks every page to show."""

from dossier.accessibility import CONFORMITY


def accessibility(request):
    return {"accessibility_conformity": CONFORMITY}
