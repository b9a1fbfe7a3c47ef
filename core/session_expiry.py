"""A form sent after the session expired is not lost: it is carried out once its author logs in again.

Without this, somebody who spent twenty minutes on a budget and clicks « Enregistrer » after
their session expired would land on the login page and lose everything they typed. Instead:

1. The refused POST — an anonymous request that the view answered with a redirect to a login
   page, after the CSRF check passed — is kept in the new (anonymous) session under its path,
   without its CSRF token, passwords or files. Nothing is saved; the login page says why.
2. Django's ``login()`` keeps the session's data. When its author comes back to that path (the
   login's ``next``), the kept POST is replayed to the view as if just sent: saved if valid,
   shown again with its errors if not; a form based on a version somebody else has changed since
   is refused by the optimistic lock as usual. Permissions are checked again by the view.
3. Only the same person gets it back, and soon: while logged in, a signed cookie names the user;
   the kept form records that name and is dropped if somebody else logs in on the same browser,
   or if its author comes back to the page more than two hours later.
"""

import json
import time
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.http import QueryDict
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils.datastructures import MultiValueDict
from django.utils.functional import empty
from django.utils.translation import gettext as _

#: Session key of the kept forms: {path: {"owner": user pk, "data": {name: [values]}, "files": [names]}}.
SESSION_KEY = "expired_session_forms"
OWNER_COOKIE = "form_owner"
OWNER_SALT = "core.session_expiry.owner"
#: A form larger than this (as JSON) is not kept: sessions live in the database.
MAX_KEPT_BYTES = 512 * 1024
#: How many refused forms are kept at most (the latest ones).
MAX_KEPT_FORMS = 3
#: A kept form older than this is dropped, not replayed: its author has moved on.
MAX_KEPT_SECONDS = 2 * 3600


def _is_secret(name: str) -> bool:
    return name == "csrfmiddlewaretoken" or "password" in name


def _login_paths() -> set[str]:
    return {resolve_url(settings.LOGIN_URL), reverse("admin:login")}


def _owner(request) -> int | None:
    value = request.COOKIES.get(OWNER_COOKIE)
    if not value:
        return None
    try:
        return signing.loads(value, salt=OWNER_SALT)
    except signing.BadSignature:
        return None


def _user_if_loaded(request):
    """Return the request's user if something already loaded it (never adds a query), else None."""
    user = getattr(request, "user", None)
    if user is None or getattr(user, "_wrapped", None) is empty:
        return None
    return user


class ExpiredSessionFormMiddleware:
    """Keep a form refused for an expired session; replay it for its author after they log in.

    Goes after the CSRF, authentication and messages middleware.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = _user_if_loaded(request)
        if user is not None and user.is_authenticated and _owner(request) != user.pk:
            response.set_cookie(
                OWNER_COOKIE, signing.dumps(user.pk, salt=OWNER_SALT), max_age=30 * 24 * 3600,
                secure=settings.SESSION_COOKIE_SECURE, httponly=True, samesite="Lax",
            )
        elif request.method == "POST" and response.status_code == 302 and user is not None \
                and not user.is_authenticated and urlsplit(response.get("Location", "")).path in _login_paths():
            self._keep(request)
        return response

    def _keep(self, request) -> None:
        owner = _owner(request)
        data = {name: request.POST.getlist(name) for name in request.POST if not _is_secret(name)}
        entry = {"owner": owner, "data": data, "files": [f.name for f in request.FILES.values()], "at": time.time()}
        if owner is None or len(json.dumps(entry)) > MAX_KEPT_BYTES:
            messages.warning(request, _("Votre session a expiré : reconnectez-vous. Rien n'a été enregistré."))
            return
        kept = {path: e for path, e in request.session.get(SESSION_KEY, {}).items() if path != request.path}
        kept[request.path] = entry
        request.session[SESSION_KEY] = dict(list(kept.items())[-MAX_KEPT_FORMS:])
        messages.warning(request, _(
            "Votre session a expiré : rien n'a été enregistré. Reconnectez-vous : ce que vous aviez saisi "
            "sera repris et enregistré s'il est valable."))

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method != "GET" or not request.user.is_authenticated:
            return None
        kept = request.session.get(SESSION_KEY)
        if not kept or request.path not in kept:
            return None
        entry = kept.pop(request.path)
        request.session[SESSION_KEY] = kept
        if entry["owner"] != request.user.pk:
            return None  # somebody else logged in on this browser: their form is not theirs to see
        if time.time() - entry["at"] > MAX_KEPT_SECONDS:
            return None
        post = QueryDict(mutable=True)
        for name, values in entry["data"].items():
            post.setlist(name, values)
        post._mutable = False
        request.method = request.META["REQUEST_METHOD"] = "POST"
        request.POST, request._files = post, MultiValueDict()
        note = _("Ce que vous aviez saisi avant l'expiration de votre session a été repris.")
        if entry["files"]:
            note += " " + _("Les fichiers joints (%(names)s) n'ont pas pu être conservés : joignez-les de nouveau.") % {
                "names": ", ".join(entry["files"])}
        messages.info(request, note)
        return None
