from django import template

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
