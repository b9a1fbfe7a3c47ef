"""Requests refused before any view: what no page of ours can mean."""

from django.core.exceptions import BadRequest


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
