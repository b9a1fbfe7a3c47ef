"""Build the POST data of an admin change page from its rendered forms, as a browser would send it."""

from django import forms


def _form_data(form) -> dict:
    data = {}
    for bound in form:
        value = bound.value()
        widget = bound.field.widget
        if isinstance(widget, forms.CheckboxInput):
            if value:
                data[bound.html_name] = "on"
            continue
        if value is None:
            data[bound.html_name] = ""
            continue
        formatted = widget.format_value(value)
        data[bound.html_name] = "" if formatted is None else formatted
    return data


def change_form_data(response, **overrides) -> dict:
    """Return what the admin change page in ``response`` would post, with ``overrides`` applied."""
    context = response.context
    data = _form_data(context["adminform"].form)
    for inline in context["inline_admin_formsets"]:
        formset = inline.formset
        data.update(_form_data(formset.management_form))
        for form in formset.forms:
            data.update(_form_data(form))
    data.update(overrides)
    return data
