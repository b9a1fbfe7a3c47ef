"""The product's URLs plus ``/bench/trivial/``: the baseline a page's throughput is compared with."""

from django.contrib.auth import SESSION_KEY
from django.db import transaction
from django.http import HttpResponse
from django.urls import path

from config.urls import urlpatterns as product_urlpatterns


def trivial(request):
    """Answer a constant text through the full middleware stack, without touching the database."""
    return HttpResponse("ok", content_type="text/plain")


def trivial_with_session(request):
    """The fixed cost of every page of a logged-in user: session, user, transaction; nothing else."""
    if not request.user.is_authenticated:
        return HttpResponse("anonymous", status=403, content_type="text/plain")
    return HttpResponse("ok", content_type="text/plain")


def trivial_session_only(request):
    """The session's lookup alone (one query): is someone logged in, without loading the user."""
    if request.session.get(SESSION_KEY) is None:
        return HttpResponse("anonymous", status=403, content_type="text/plain")
    return HttpResponse("ok", content_type="text/plain")


@transaction.non_atomic_requests
def trivial_with_session_no_transaction(request):
    """The logged-in floor without the request's transaction (``ATOMIC_REQUESTS``): what BEGIN/COMMIT cost."""
    return trivial_with_session(request)


urlpatterns = [
    path("bench/trivial/session-only/", trivial_session_only, name="bench_trivial_session_only"),
    path("bench/trivial/session/no-transaction/", trivial_with_session_no_transaction,
         name="bench_trivial_session_no_transaction"),
    path("bench/trivial/", trivial, name="bench_trivial"),
    path("bench/trivial/session/", trivial_with_session, name="bench_trivial_session"),
    *product_urlpatterns,
]
