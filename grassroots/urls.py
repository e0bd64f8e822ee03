import re

from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path, re_path
from django.views.static import serve

from accounts.health import healthz

# The admin's own login form would bypass allauth's rate limits and email verification: send it through
# allauth's login instead (staff who are not logged in are redirected there).
# An instance attribute shadowing AdminSite.login, on purpose: mypy refuses assigning to a method.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]
admin.site.site_header = "Grassroots moderation"

urlpatterns: list[URLPattern | URLResolver] = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("", include("accounts.urls")),
    path("campaigns/", include("campaigns.urls")),
    path("", include("forum.urls")),
]

if settings.DEBUG or settings.SERVE_MEDIA:
    # Development and `make serve` only: Django serves uploads. Each part of the path at most 255 characters (a
    # file name's limit), so a longer one is "not found" rather than an OSError from the disk.
    urlpatterns += [
        re_path(
            rf"^{re.escape(settings.MEDIA_URL.lstrip('/'))}(?P<path>(?:[^/]{{1,255}}/)*[^/]{{1,255}})$",
            serve,
            {"document_root": settings.MEDIA_ROOT},
        )
    ]
