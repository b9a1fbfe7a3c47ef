"""Template filters for budget pages: chapter subtotals and signed variances, the French way."""

from django import template

from budgets.glossary import CHAPTER_TERMS, GLOSSARY
from budgets.models import FundingStatus
from core.money import format_euros, format_percent

register = template.Library()


@register.filter
def chapter_total(report, code):
    """Return the subtotal of chapter ``code`` from a ``BudgetReport``, with the amounts it leaves out."""
    subtotal = next((c for c in report.chapters if c.code == code), None)
    return subtotal.shown if subtotal else ""


@register.filter
def signed_euros(amount):
    """Render a variance in euros with its sign: ``+1 200 €``, ``−300 €``, ``0 €``."""
    if amount is None:
        return "—"
    text = format_euros(abs(amount))
    return ("+" + text) if amount > 0 else ("\u2212" + text) if amount < 0 else text


@register.filter
def signed_percent(share):
    """Render a variance ratio with its sign: ``+25,00 %``; ``—`` when nothing was forecast."""
    if share is None:
        return "—"
    text = format_percent(abs(share))
    return ("+" + text) if share > 0 else ("\u2212" + text) if share < 0 else text


@register.filter
def field_of(form, name):
    """Return the bound field ``name`` of ``form`` (for rows built from a list of names)."""
    return form[name]


@register.filter
def variance_of(variances, form):
    """Return the forecast → actual variance of the line a form row shows, if any (matched by identity)."""
    return form.spec.variance if variances is not None else None


@register.filter
def invalid(field, error_id):
    """Render a field marked invalid and described by its error message."""
    return field.as_widget(attrs={"aria-invalid": "true", "aria-describedby": error_id})


@register.filter
def placeholder(field, text):
    return field.as_widget(attrs={"placeholder": text})


@register.filter
def funding_label(value):

    return FundingStatus(value).label if value in FundingStatus.values else ""


@register.inclusion_tag("budgets/_glossary.html")
def glossary(key, prefix=""):
    """Show the plain-French help of term ``key`` of ``budgets.glossary`` in a ``<details>`` (none for an unknown key)."""
    return {"term": GLOSSARY.get(key), "key": key, "prefix": prefix}


@register.inclusion_tag("budgets/_glossary.html")
def chapter_glossary(code):
    """Show the help of the term that explains chapter ``code``, if one does."""
    key = CHAPTER_TERMS.get(code, "")
    return {"term": GLOSSARY.get(key), "key": key, "prefix": code}
