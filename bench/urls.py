"""The product's URLs plus ``/bench/trivial/``: the baseline a page's throughput is compared with."""

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


urlpatterns = [
    path("bench/trivial/", trivial, name="bench_trivial"),
    path("bench/trivial/session/", trivial_with_session, name="bench_trivial_session"),
    *product_urlpatterns,
]
