"""Requests refused before any view: what no page of ours can mean."""

import re

from django.core.exceptions import BadRequest
from django.shortcuts import render


class RejectNulCharactersMiddleware:
    """Answer 400 to a URL or query string holding a NUL character.

    No page of ours takes one, and PostgreSQL refuses it in any text it is given: a forged
    ``?status=%00`` on an admin list, or ``%00`` in an admin URL, would otherwise reach a query
    and end in a server error. (Form fields refuse it on their own: Django's CharField does.)
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or any("\x00" in key or "\x00" in "".join(values)
                                         for key, values in request.GET.lists()):
            raise BadRequest("NUL character in the URL")
        return self.get_response(request)


#: What no field of our forms takes: NUL and the other C0 controls but tab and line breaks, DEL,
#: the C1 controls, and the bidirectional embeddings, overrides and isolates (U+202A to U+202E,
#: U+2066 to U+2069) that make a text display otherwise than it reads (« Trojan Source »).
UNREADABLE_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_FORM_BODIES = ("application/x-www-form-urlencoded", "multipart/form-data")


class RejectUnreadableFormInputMiddleware:
    """Answer the French 400 page to a form holding a control or bidirectional character.

    Such a character is never typed, at most pasted by mistake: stored, it would print as
    garbage in the agreement's PDF, make the spreadsheet exports fail (no XLSX cell may hold
    one) and, for NUL, end in a server error on PostgreSQL, which refuses it in any text. One
    check for every form, its field names and values alike, before any view. (Uploaded files'
    names need none: Django drops the characters that do not print.)
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method == "POST" and request.content_type in _FORM_BODIES and self._unreadable(request):
            return render(request, "400.html", {"unreadable_characters": True}, status=400)
        return self.get_response(request)

    @staticmethod
    def _unreadable(request) -> bool:
        return any(UNREADABLE_CHARACTERS.search(text)
                   for key, values in request.POST.lists() for text in (key, *values))
