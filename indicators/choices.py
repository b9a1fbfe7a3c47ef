"""The choices of indicator definitions and the names of a figure's parts, shared by the models and the rules."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ValueType(models.TextChoices):
    COUNT = "count", _("Nombre")
    AMOUNT = "amount", _("Montant (€)")
    PERCENTAGE = "percentage", _("Pourcentage")
    TEXT = "text", _("Texte")


class Role(models.TextChoices):
    MAIN = "main", _("Indicateur")
    BAND = "band", _("Tranche (la somme des tranches égale le total)")
    OF_WHICH = "of_which", _("Dont (partie du total)")


PART_LABELS = {
    "total": _("Total"), "women": _("Femmes"), "men": _("Hommes"), "not_stated": _("Non renseigné"), "text": _("Réponse"),
}
