"""The portal's own URLs plus one empty view: the floor a page is measured against (bench/floor.py).

Only the benchmark settings use this; the portal itself never serves the empty view.
"""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.urls import path

from portal.urls import urlpatterns as portal_urlpatterns


@login_not_required
def empty(request: HttpRequest) -> HttpResponse:
    """Nothing but the full middleware: signed out, or signed in with its session and person."""
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [path("bench/empty/", empty, name="bench-empty"), *portal_urlpatterns]
