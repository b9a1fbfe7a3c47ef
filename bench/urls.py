"""The product's URLs plus ``/bench/trivial/``: the baseline a page's throughput is compared with."""

from django.http import HttpResponse
from django.urls import path

from config.urls import urlpatterns as product_urlpatterns


def trivial(request):
    """Answer a constant text through the full middleware stack, without touching the database."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/trivial/", trivial, name="bench_trivial"), *product_urlpatterns]
