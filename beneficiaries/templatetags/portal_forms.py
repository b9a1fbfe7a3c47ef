"""Template helpers for accessible portal forms (templates/includes/form_errors.html, field.html)."""

from django import template

register = template.Library()


@register.simple_tag
def form_error_list(*forms):
    """Return ``(anchor, label, message)`` for every error of ``forms``, in field order.

    ``anchor`` is the id of the field's input (empty for errors about the whole form), so the
    summary at the top of the page links to the field concerned.
    """
    errors = []
    for form in forms:
        if not getattr(form, "errors", None):
            continue
        errors += [("", "", message) for message in form.non_field_errors()]
        for field in form:
            anchor = "" if field.is_hidden else field.id_for_label or field.auto_id
            errors += [(anchor, field.label, message) for message in field.errors]
    return errors
