from django import template

from core.admin_wording import add_title
from core.french import with_preposition

register = template.Library()


@register.filter
def de(name):
    """« de » before a name: ``{{ beneficiary.name|de }}`` → « des Amis du Vieux Port », « d'Harmonie »."""
    return with_preposition("de", str(name))


@register.filter(name="a")
def a_(name):
    """« à » before a name: ``{{ beneficiary.name|a }}`` → « aux Amis du Vieux Port », « au Cercle »."""
    return with_preposition("à", str(name))


@register.filter
def add_label(verbose_name):
    """The « add » button of a list: ``{{ cl.opts.verbose_name|add_label }}`` → « Ajouter une convention d'objectifs »."""
    return add_title(verbose_name)
