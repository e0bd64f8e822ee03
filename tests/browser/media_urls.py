"""The site's URLs plus uploads, for browser tests that show campaign images (the live server
serves static files but not MEDIA_ROOT; the site serves it only with DEBUG or SERVE_MEDIA)."""

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.urls import URLPattern, URLResolver, re_path
from django.views.static import serve

from grassroots.urls import urlpatterns as site


def media(request: HttpRequest, path: str) -> HttpResponseBase:
    # MEDIA_ROOT read per request: tests point it at a temporary folder.
    return serve(request, path, document_root=str(settings.MEDIA_ROOT))


urlpatterns: list[URLPattern | URLResolver] = [
    re_path(r"^media/(?P<path>.+)$", media),
    *site,
]
