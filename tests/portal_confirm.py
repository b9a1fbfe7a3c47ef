"""Tests' helper: press « Confirmer » on a portal confirmation page (its form of class « confirm-actions »)."""

import re

CONFIRM_FORM = re.compile(r'<form method="post"[^>]*class="confirm-actions"[^>]*>(.*?)</form>', re.S)
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


def confirm(client, response, **changes):
    """Post the confirmation form of ``response`` (a confirmation page) back to its URL; return the followed reply."""
    page = response.content.decode()
    assert "Vous allez" in page, page
    form = CONFIRM_FORM.search(page).group(1)
    data = {name: value.replace("&#x27;", "'").replace("&amp;", "&") for name, value in HIDDEN.findall(form)
            if name != "csrfmiddlewaretoken"}
    data.update(changes)
    path = response.request["PATH_INFO"]
    if response.request.get("QUERY_STRING"):
        path += "?" + response.request["QUERY_STRING"]
    return client.post(path, data, follow=True)
